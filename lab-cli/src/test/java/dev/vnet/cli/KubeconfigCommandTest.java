package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.rest.KubeCredentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** `vnet kubeconfig` over a state directory with a lab's API credentials (no lab, no root: only the files). */
class KubeconfigCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private Run vnet(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", dir.resolve("no-config.yaml").toString(),
                "--state-dir", dir.resolve("state").toString()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** What a running lab leaves in STATE/kube: the CA, the token and the server's URL. */
    private KubeCredentials labRunningOn(int port) throws Exception {
        KubeCredentials c = KubeCredentials.loadOrCreate(dir.resolve("state/kube"));
        Files.writeString(dir.resolve("state/kube/server"), "https://127.0.0.1:" + port + "\n");
        return c;
    }

    @Test
    void withoutARunningApiItSaysHowToStartOne() {
        Run r = vnet("kubeconfig");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: the lab's Kubernetes API is not running"), r.err());
        assertTrue(r.err().strip().endsWith("start it with `vnet up`"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void printsWritesAndMergesTheLabsKubeconfig() throws Exception {
        KubeCredentials c = labRunningOn(6444);
        Run printed = vnet("kubeconfig");
        assertEquals(0, printed.exit(), printed.err());
        JsonNode config = Json.YAML.readTree(printed.out());
        assertEquals("https://127.0.0.1:6444", config.path("clusters").get(0).path("cluster").path("server").asString());
        assertEquals(c.token(), config.path("users").get(0).path("user").path("token").asString());
        assertEquals("vnet", config.path("current-context").asString());

        Run written = vnet("kubeconfig", "--write");
        Path file = dir.resolve("state/kubeconfig");
        assertEquals(file.toString(), written.out().strip(), "the path, for export KUBECONFIG=$(vnet kubeconfig --write)");
        assertEquals(printed.out(), Files.readString(file));

        Path mine = dir.resolve("home/.kube/config");
        Run merged = vnet("kubeconfig", "--merge", "--kubeconfig-file", mine.toString());
        assertEquals(0, merged.exit(), merged.err());
        assertEquals("vnet", Json.YAML.readTree(Files.readString(mine)).path("current-context").asString());
    }
}
