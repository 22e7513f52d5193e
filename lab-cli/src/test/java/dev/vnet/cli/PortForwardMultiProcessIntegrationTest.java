package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.core.linux.Privileges;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * `vnet port-forward` with a multi-process lab (etcd and one node process per node): run as a user runs it, as its
 * own process, it enters the lab's outside namespace to reach the node API of the pod's node over TCP with the
 * token, and still listens on 127.0.0.1 of the root namespace, where this test connects.
 */
@Tag("integration")
@Timeout(240)
class PortForwardMultiProcessIntegrationTest {
    private static String prefix;
    private static Path stateDir;

    private static List<String> common() {
        return List.of("--state-dir", stateDir.toString(), "--prefix", prefix, "--config",
                stateDir.resolve("no-config.yaml").toString());
    }

    /** In-process, for up and down: they never talk to lab addresses. */
    private static int local(String... args) {
        List<String> all = new ArrayList<>(common());
        all.addAll(List.of(args));
        return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                all.toArray(String[]::new));
    }

    /** `vnet ARGS` as its own process, as typed in a shell of the root namespace. */
    private static ProcessBuilder vnet(String... args) {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(common());
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv);
    }

    @BeforeAll
    static void up() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        prefix = "vq" + UUID.randomUUID().toString().substring(0, 6) + "-";
        stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        assertEquals(0, local("up", "-d", "--store", "etcd", "--nodes", "2", "--no-ingress"));
        Path manifest = Files.createDirectories(stateDir).resolve("pod.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %sweb}
                spec:
                  nodeName: node-2
                  containers: [{name: whoami, image: whoami, ports: [{name: http, containerPort: 8080}]}]
                """.formatted(prefix));
        Process apply = vnet("apply", "-f", manifest.toString()).redirectErrorStream(true).start();
        String out = new String(apply.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(apply.waitFor(90, TimeUnit.SECONDS));
        assertEquals(0, apply.exitValue(), out);
    }

    @AfterAll
    static void down() {
        if (prefix != null) {
            local("down");
            TestDirs.delete(stateDir);
        }
    }

    @Test
    void theListenerIsOnTheRootNamespacesLoopbackAndTheBytesGoThroughThePodsNode() throws Exception {
        Path out = Files.createTempFile("vnet-pf", ".out");
        Process pf = vnet("port-forward", "pod/" + prefix + "web", ":8080").redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        try {
            int port = -1;
            for (int i = 0; i < 300 && port < 0 && pf.isAlive(); i++) {
                Matcher m = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 8080").matcher(Files.readString(out));
                port = m.find() ? Integer.parseInt(m.group(1)) : -1;
                Thread.sleep(100);
            }
            assertTrue(port > 0, Files.readString(out));
            try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.contains("Hostname: " + prefix + "web"), answer);
            }
            assertTrue(Files.readString(out).contains("Handling connection for " + port), Files.readString(out));
        } finally {
            // The CLI re-ran itself in the lab's outside namespace: end that process too (Ctrl-C reaches both).
            pf.descendants().forEach(ProcessHandle::destroy);
            pf.destroy();
            pf.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(out);
        }
    }
}
