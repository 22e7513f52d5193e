package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.rest.KubeCredentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors and "no lab" answers: one line on stderr, a non-zero exit, no stack trace. Needs no root. */
class CliUsageTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    /** Runs vnet with no machine config (/etc/vnet/config.yaml) unless the test names one. */
    private Run vnet(String... args) {
        List<String> all = new ArrayList<>();
        if (!List.of(args).contains("--config")) {
            all.addAll(List.of("--config", dir.resolve("no-config.yaml").toString()));
        }
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void unknownOptionIsOneLineWithExitTwo() {
        Run r = vnet("get", "pods", "--bogus");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: Unknown option: '--bogus'"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void withNoLabRunningCommandsSaySoInOneLine() {
        Run r = vnet("--state-dir", dir.toString(), "get", "pods");
        assertEquals(1, r.exit());
        assertEquals("error: no lab is running: start one with `vnet up -d`", r.err().strip());
    }

    @Test
    void aStoreReachableOnlyThroughTheDefaultRouteIsRefusedBeforeAnyPacket() throws Exception {
        Path token = dir.resolve("token");
        java.nio.file.Files.writeString(token, "secret\n");
        // An etcd this namespace has no direct route to (TEST-NET-2): refused by
        // looking at the routing table (`ip route get` sends nothing), before any connection.
        Run r = vnet("--state-dir", dir.toString(), "--config", dir.resolve("none.yaml").toString(),
                "--store", "etcd://198.51.100.7:2379", "--token-file", token.toString(), "get", "pods");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: the cluster store etcd://198.51.100.7:2379 is not on a network"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aStoreOtherThanEtcdOrAMissingTokenIsOneLine() throws Exception {
        Run bad = vnet("--state-dir", dir.toString(), "--store", "consul://x:1", "get", "pods");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().startsWith("error: --store must be etcd://HOST:PORT"), bad.err());
        Run noToken = vnet("--state-dir", dir.toString(), "--store", "etcd://10.0.0.1:2379", "--token-file",
                dir.resolve("missing").toString(), "get", "pods");
        assertTrue(noToken.err().startsWith("error: cannot read the cluster token"), noToken.err());
        assertEquals(1, noToken.err().strip().lines().count(), noToken.err());
    }

    @Test
    void unknownOutputFormatIsRefused() {
        Run r = vnet("--state-dir", dir.toString(), "get", "pods", "-o", "xml");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown output format \"xml\""), r.err());
    }

    /** A lab that stopped without cleaning up: its API's URL is left behind, naming a port nothing listens on. */
    private void staleLab() throws Exception {
        KubeCredentials.loadOrCreate(dir.resolve("kube"));
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        Files.writeString(dir.resolve("kube").resolve("server"), "https://127.0.0.1:" + closed + "\n");
    }

    @Test
    void aMissingManifestFileIsNamed() throws Exception {
        staleLab();
        Run r = vnet("--state-dir", dir.toString(), "apply", "-f", dir.resolve("nope.yaml").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("nope.yaml does not exist"), r.err());
    }

    @Test
    void aLabThatStoppedWithoutCleaningUpIsOneLine() throws Exception {
        staleLab();
        Run r = vnet("--state-dir", dir.toString(), "get", "pods");
        assertEquals(1, r.exit());
        assertEquals("error: no lab is running (a lab stopped without cleaning up: see " + dir.resolve("lab.log")
                + "); `vnet down` removes what it left, `vnet up -d` starts a new one", r.err().strip());
    }

    @Test
    void helpListsEveryVerb() {
        Run r = vnet("--help");
        assertEquals(0, r.exit());
        for (String verb : new String[] {"up", "down", "status", "apply", "get", "delete", "exec", "logs"}) {
            assertTrue(r.out().contains("  " + verb + " "), verb + " in " + r.out());
        }
    }
}
