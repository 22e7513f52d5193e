package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.Streaming;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * `vnet port-forward` end to end against a lab API of the test's own (a Kubernetes API server on 127.0.0.1, its
 * credentials in a temporary folder, no root): the API lists a Service, its Endpoints and pods from a memory store,
 * and pipes port 8080 of pod web-1 to a small HTTP server
 * on 127.0.0.1 that answers "Hostname: web-1"; any other port is refused, as a pod where nothing listens.
 */
@Timeout(60)
class PortForwardCommandTest {
    @TempDir
    Path dir;

    private KubeApiServer api;
    private final MemoryStore store = new MemoryStore();
    private ServerSocket pod;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "port-forward-test");
        t.setDaemon(true);
        return t;
    });
    private final List<JsonNode> pipeRequests = java.util.Collections.synchronizedList(new ArrayList<>());

    private record Run(int exit, String out, String err) {}

    @BeforeEach
    void lab() throws Exception {
        pod = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        threads.submit(this::whoami);
        dev.vnet.apiserver.ClusterBootstrap.ensureNamespaces(store);
        store.create(PodKind.KIND, "default/web-1", PortForwardTargetTest.pod("web-1", "Running"));
        store.create(PodKind.KIND, "default/web-2", PortForwardTargetTest.pod("web-2", "Pending"));
        store.create(ServiceKind.KIND, "default/web", PortForwardTargetTest.service("web"));
        store.create(EndpointsKind.KIND, "default/web", PortForwardTargetTest.endpoints("web", "web-1", "web-2"));
        store.create(ServiceKind.KIND, "default/empty", PortForwardTargetTest.service("empty"));
        store.create(EndpointsKind.KIND, "default/empty", PortForwardTargetTest.endpoints("empty", null, "web-2"));
        ApiBackend backend = new ApiBackend() {
            @Override
            public ClusterStore store() {
                return store;
            }

            @Override
            public dev.vnet.apiserver.admission.ServiceAllocator allocator() {
                return dev.vnet.apiserver.admission.ServiceAllocator.forNetwork(
                        dev.vnet.apiserver.ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1");
            }
        };
        // The lab's API as the CLI finds it through --state-dir: STATE/kube/{server,ca.crt,token}.
        api = KubeApiServer.start(backend, Kinds.builtIn(), KubeCredentials.loadOrCreate(dir.resolve("kube")), 0);
        Handlers h = new Handlers().add(Operation.PING, req -> Handlers.ok());
        api.operations(h, new Streaming() {
            @Override
            public boolean handles(String op) {
                return false;
            }

            @Override
            public void stream(JsonNode request, OutputStream out, CountDownLatch clientGone) {
                throw new AssertionError("no streams here");
            }

            @Override
            public boolean pipes(String op) {
                return op.equals(Operation.PORT_FORWARD.wire());
            }

            @Override
            public SocketChannel openPipe(JsonNode request) throws IOException, ApiException {
                pipeRequests.add(request);
                int port = request.path("port").asInt();
                if (!request.path("pod").asString().equals("web-1") || port != 8080) {
                    throw new ApiException("error forwarding port " + port + " to pod "
                            + request.path("pod").asString() + ": connection refused");
                }
                return SocketChannel.open(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), pod.getLocalPort()));
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        Foreground.interrupt();
        threads.shutdownNow();
        api.close();
        store.close();
        pod.close();
    }

    /** Answers each HTTP request line with the pod's name, after reading the whole request. */
    private void whoami() {
        while (true) {
            Socket s;
            try {
                s = pod.accept();
            } catch (IOException closed) {
                return;
            }
            threads.submit(() -> {
                try (s) {
                    InputStream in = s.getInputStream();
                    StringBuilder request = new StringBuilder();
                    int b;
                    while (!request.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
                        request.append((char) b);
                    }
                    s.getOutputStream().write(("HTTP/1.0 200 OK\r\n\r\nHostname: web-1\n").getBytes(StandardCharsets.UTF_8));
                }
                return null;
            });
        }
    }

    private String[] args(String... verb) {
        List<String> all = new ArrayList<>(List.of("--state-dir", dir.toString(), "--prefix", "pft-",
                "--config", dir.resolve("no-config.yaml").toString(), "port-forward"));
        all.addAll(List.of(verb));
        return all.toArray(String[]::new);
    }

    private Run run(String... verb) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args(verb));
        return new Run(code, out.toString(), err.toString());
    }

    /** A port-forward left running; its output so far readable, stopped with Ctrl-C as the REPL sends it. */
    private final class Running {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;

        Running(String... verb) {
            exit = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out), new PrintWriter(err), args(verb)),
                    threads);
        }

        /** The local ports of the "Forwarding from" lines, once there are {@code n}. */
        List<Integer> ports(int n) throws InterruptedException {
            for (int i = 0; i < 200; i++) {
                List<Integer> found = new ArrayList<>();
                Matcher m = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> \\d+").matcher(out.toString());
                while (m.find()) {
                    found.add(Integer.parseInt(m.group(1)));
                }
                if (found.size() >= n || exit.isDone()) {
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
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** What came back on a connection that is closed unanswered: nothing (or a reset, its request unread). */
    private static String closedWithoutAnswer(int port) throws IOException {
        try {
            return get(port);
        } catch (java.net.SocketException e) {
            assertEquals("Connection reset", e.getMessage());
            return "";
        }
    }

    @Test
    void aServicePortIsForwardedToItsReadyPodsTargetPortAndTwoConnectionsRunAtOnce() throws Exception {
        Running pf = new Running("svc/web", ":80", "81");
        List<Integer> ports = pf.ports(2);
        assertEquals(2, ports.size(), pf.out + " " + pf.err);
        assertTrue(pf.out.toString().contains("Forwarding from 127.0.0.1:81 -> 9000"), pf.out.toString());
        assertTrue(pf.out.toString().contains("Forwarding from 127.0.0.1:" + ports.get(0) + " -> 8080"),
                "a free local port, printed: " + pf.out);
        int local = ports.get(0);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return get(local);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
        String second = get(local);
        assertTrue(second.contains("Hostname: web-1"), second);
        assertTrue(first.get(10, TimeUnit.SECONDS).contains("Hostname: web-1"));
        assertEquals(2, pf.out.toString().lines().filter(l -> l.equals("Handling connection for " + local)).count(),
                pf.out.toString());
        assertEquals("web-1", pipeRequests.get(0).path("pod").asString());
        assertEquals("default", pipeRequests.get(0).path("namespace").asString());

        // Nothing listens on the pod's 9000: that connection is closed with one line, the others go on.
        assertEquals("", closedWithoutAnswer(81));
        for (int i = 0; i < 100 && !pf.err.toString().contains("refused"); i++) {
            Thread.sleep(20);
        }
        assertEquals("error forwarding port 9000 to pod web-1: connection refused", pf.err.toString().strip());
        assertTrue(get(local).contains("Hostname: web-1"), "still forwarding after a refused connection");

        assertEquals(0, pf.stop(), "Ctrl-C in the REPL ends it: " + pf.err);
        assertThrows(ConnectException.class, () -> get(local), "the listener is closed");
    }

    @Test
    void aPodPortByNameIsForwarded() throws Exception {
        Running pf = new Running("pod/web-1", ":http");
        int local = pf.ports(1).get(0);
        assertTrue(pf.out.toString().startsWith("Forwarding from 127.0.0.1:" + local + " -> 8080\n"), pf.out.toString());
        assertTrue(get(local).contains("Hostname: web-1"));
        assertEquals(0, pf.stop());
    }

    @Test
    void aLocalPortInUseIsOneLineAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Run r = run("web-1", port + ":8080");
            assertEquals(1, r.exit(), r.err());
            assertEquals("error: unable to listen on port " + port + ": 127.0.0.1:" + port + " is in use (choose "
                    + "another local port, or :8080 for a free one)", r.err().strip());
            assertEquals("", r.out());
        }
    }

    @Test
    void whatCannotBeForwardedIsOneLine() {
        Map<List<String>, String> cases = Map.of(
                List.of("web-1", "8080", "--address", "0.0.0.0"), "error: port-forward listens on this machine's "
                        + "loopback only: --address takes 127.0.0.1, localhost or ::1, not 0.0.0.0",
                List.of("nope", "8080"), "error: pods \"nope\" not found",
                List.of("web-2", "8080"), "error: unable to forward port because pod web-2 is not running (status "
                        + "Pending)",
                List.of("svc/empty", "80"), "error: service empty has no ready endpoints to forward to: see `vnet get "
                        + "endpoints empty` and its pods",
                List.of("svc/nope", "80"), "error: services \"nope\" not found",
                List.of("web-1", "80:"), "error: \"80:\" is not a port to forward: give [LOCAL:]REMOTE, e.g. 8080:80, "
                        + "80, or :80 for a free local port");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            Run r = run(c.getKey().toArray(String[]::new));
            assertEquals(c.getValue(), r.err().strip(), c.getKey().toString());
            assertFalse(r.exit() == 0, c.getKey().toString());
            assertEquals("", r.out(), c.getKey().toString());
        }
    }
}
