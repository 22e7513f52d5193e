package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.core.linux.Privileges;
import java.io.IOException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * `vnet port-forward` against a real two-node lab: whoami pods on node-1 and node-2 and a Service in front of them,
 * reached from this JVM and from curl on 127.0.0.1 of the root namespace (the only address the root namespace
 * talks to), two connections at once, a pod port where nothing listens, and the root namespace's links, addresses
 * and routes the same before and after.
 */
@Tag("integration")
@Timeout(180)
class PortForwardIntegrationTest {
    private static String prefix;
    private static Path stateDir;
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "port-forward-it");
        t.setDaemon(true);
        return t;
    });

    private record Run(int exit, String out, String err) {}

    private static String[] args(String... args) {
        List<String> all = new ArrayList<>(List.of("--state-dir", stateDir.toString(), "--prefix", prefix,
                "--config", stateDir.resolve("no-config.yaml").toString())); // not the machine's /etc/vnet
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static Run vnet(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args(args));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void up() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        prefix = "vp" + UUID.randomUUID().toString().substring(0, 6) + "-";
        stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        Run r = vnet("up", "-d", "--no-ingress");
        assertEquals(0, r.exit(), r.err());
        Path manifest = Files.createDirectories(stateDir).resolve("web.yaml");
        StringBuilder yaml = new StringBuilder();
        for (int i = 1; i <= 2; i++) {
            yaml.append("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: %1$sweb-%2$d, labels: {app: %1$sweb}}
                    spec:
                      nodeName: node-%2$d
                      containers: [{name: whoami, image: whoami, ports: [{name: http, containerPort: 8080}]}]
                    ---
                    """.formatted(prefix, i));
        }
        yaml.append("""
                apiVersion: v1
                kind: Service
                metadata: {name: pfweb}
                spec:
                  selector: {app: %sweb}
                  ports: [{name: http, port: 80, targetPort: http}]
                """.formatted(prefix));
        Files.writeString(manifest, yaml);
        Run apply = vnet("apply", "-f", manifest.toString());
        assertEquals(0, apply.exit(), apply.err());
        for (int i = 0; i < 100 && !vnet("get", "endpoints", "pfweb").out().contains(":8080"); i++) {
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void down() {
        THREADS.shutdownNow();
        if (prefix != null) {
            Foreground.interrupt();
            vnet("down");
            TestDirs.delete(stateDir);
        }
    }

    /** The root namespace's links, addresses and routes, without the counters that change by themselves. */
    private static String rootNetwork() throws Exception {
        StringBuilder out = new StringBuilder();
        for (List<String> cmd : List.of(List.of("ip", "-o", "link"), List.of("ip", "-o", "addr"),
                List.of("ip", "route"), List.of("ip", "-6", "route"))) {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            out.append(String.join(" ", cmd)).append('\n')
                    .append(text.replaceAll("valid_lft \\S+ preferred_lft \\S+", "")).append('\n');
        }
        return out.toString();
    }

    /** A port-forward left running, stopped with Ctrl-C as the REPL passes it on. */
    private static final class Running {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;

        Running(String... verb) {
            exit = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out), new PrintWriter(err),
                    args(verb)), THREADS);
        }

        /** Local port → pod port, from the "Forwarding from" lines, once there are {@code n}. */
        List<int[]> forwards(int n) throws InterruptedException {
            for (int i = 0; i < 300; i++) {
                List<int[]> found = new ArrayList<>();
                Matcher m = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> (\\d+)").matcher(out.toString());
                while (m.find()) {
                    found.add(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                }
                if (found.size() >= n || exit.isDone()) {
                    assertEquals(n, found.size(), out + " " + err);
                    return found;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no Forwarding lines: " + out + " " + err);
        }

        int stop() throws Exception {
            for (int i = 0; i < 100 && !Foreground.anyWaiting(); i++) {
                Thread.sleep(20);
            }
            Foreground.interrupt();
            return exit.get(10, TimeUnit.SECONDS);
        }
    }

    private static String get(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String curl(int port) throws Exception {
        Process p = new ProcessBuilder("curl", "-sf", "-m", "10", "http://127.0.0.1:" + port + "/")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void podsAndServicesAreReachedOnLoopbackAndNothingIsAddedToTheRootNamespace() throws Exception {
        String before = rootNetwork();
        String web1 = prefix + "web-1";
        String web2 = prefix + "web-2";

        // A pod on the second node, by its port's name, a port where nothing listens, and a free local port.
        Running pod = new Running("port-forward", "pod/" + web2, ":http", ":8081");
        List<int[]> podPorts = pod.forwards(2);
        assertEquals(8080, podPorts.get(0)[1]);
        int toWeb2 = podPorts.get(0)[0];
        assertTrue(curl(toWeb2).contains("Hostname: " + web2), "curl in the root namespace on loopback");
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return get(toWeb2);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
        String second = get(toWeb2);
        assertTrue(second.contains("Hostname: " + web2), second);
        assertTrue(first.get(15, TimeUnit.SECONDS).contains("Hostname: " + web2), "two connections at once");
        assertTrue(second.contains("127.0.0.1:"), "the pod sees a connection from its own loopback: " + second);

        try {
            get(podPorts.get(1)[0]);
        } catch (java.net.SocketException reset) {
            // Closed with the request unread: a reset is what the client sees then.
        }
        for (int i = 0; i < 100 && !pod.err.toString().contains("refused"); i++) {
            Thread.sleep(50);
        }
        assertEquals("error forwarding port 8081 to pod " + web2 + ": connection refused", pod.err.toString().strip());
        assertTrue(get(toWeb2).contains("Hostname: " + web2), "the other connections go on");
        assertTrue(pod.out.toString().contains("Handling connection for " + toWeb2), pod.out.toString());

        // The same local port again is taken, in one line.
        Run taken = vnet("port-forward", web1, toWeb2 + ":8080");
        assertEquals(1, taken.exit(), taken.err());
        assertTrue(taken.err().startsWith("error: unable to listen on port " + toWeb2 + ": "), taken.err());
        assertEquals(0, pod.stop(), pod.err.toString());

        // The Service: its ready pod (web-1, first in the Endpoints), port 80 to the target port http.
        Running svc = new Running("port-forward", "svc/pfweb", ":80");
        int[] svcPort = svc.forwards(1).get(0);
        assertEquals(8080, svcPort[1]);
        String viaService = curl(svcPort[0]);
        assertTrue(viaService.contains("Hostname: " + web1) || viaService.contains("Hostname: " + web2), viaService);
        assertEquals(0, svc.stop(), svc.err.toString());

        Run missing = vnet("port-forward", prefix + "nope", "8080");
        assertEquals(1, missing.exit());
        assertEquals("error: pods \"" + prefix + "nope\" not found", missing.err().strip());

        assertEquals(before, rootNetwork(), "no link, address or route added to the root namespace");
    }
}
