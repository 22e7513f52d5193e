package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.BytePipe;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.client.WebSocketPipe;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The pipe under a port-forward: {@link BytePipe} between two sockets (both directions, half-close, a failure),
 * then the API's pipe requests end to end: a WebSocket to a Kubernetes API server on 127.0.0.1 with its token.
 * The "pod" is a Unix socket server of the test that speaks first, then answers what it read.
 */
@Timeout(30)
class PortForwardPipeTest {
    private static final String TOKEN = "t0ken";

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    /** Threads of their own: the common pool may have one thread only, and every task here blocks. */
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pipe-test");
        t.setDaemon(true);
        return t;
    });
    private int sockets;

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** Two connected TCP sockets on 127.0.0.1: [0] the connecting end, [1] the accepted one. */
    private SocketChannel[] tcpPair() throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel a = SocketChannel.open(s.getLocalAddress());
            SocketChannel b = s.accept();
            open.add(a);
            open.add(b);
            return new SocketChannel[] {a, b};
        }
    }

    /** Two connected sockets: [0] the connecting end, [1] the accepted one. */
    private SocketChannel[] pair() throws IOException {
        Path p = dir.resolve("pair-" + sockets++ + ".sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(p));
            SocketChannel a = SocketChannel.open(UnixDomainSocketAddress.of(p));
            SocketChannel b = s.accept();
            open.add(a);
            open.add(b);
            return new SocketChannel[] {a, b};
        }
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static byte[] readToEnd(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (ch.read(b) >= 0) {
            out.write(b.array(), 0, b.position());
            b.clear();
        }
        return out.toByteArray();
    }

    private static String readLine(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (ch.read(one) > 0 && one.get(0) != '\n') {
            out.write(one.get(0));
            one.clear();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    // ---- BytePipe ----

    @Test
    void theAnswerStillComesBackAfterTheClientHasSentItsLastByte() throws Exception {
        SocketChannel[] left = pair();
        SocketChannel[] right = pair();
        CompletableFuture<BytePipe.Copied> joined = CompletableFuture.supplyAsync(
                () -> BytePipe.join(left[1], right[0], "test-back"), threads);
        write(left[0], "hello".getBytes(StandardCharsets.UTF_8));
        left[0].shutdownOutput(); // as nc -N does, or an HTTP/1.0 client
        assertEquals("hello", new String(readToEnd(right[1]), StandardCharsets.UTF_8), "the end passed on");
        write(right[1], "world".getBytes(StandardCharsets.UTF_8));
        right[1].shutdownOutput();
        assertEquals("world", new String(readToEnd(left[0]), StandardCharsets.UTF_8));
        assertEquals(new BytePipe.Copied(5, 5, true), joined.get(5, TimeUnit.SECONDS));
    }

    @Test
    void megabytesGoBothWaysAtOnce() throws Exception {
        SocketChannel[] left = pair();
        SocketChannel[] right = pair();
        CompletableFuture<BytePipe.Copied> joined = CompletableFuture.supplyAsync(
                () -> BytePipe.join(left[1], right[0], "test-back"), threads);
        byte[] up = pattern(3_000_000, 1);
        byte[] down = pattern(2_000_000, 7);
        // Each end writes and reads at once, far more than the sockets buffer: both directions move together.
        CompletableFuture<byte[]> atServer = sendAndReceive(right[1], down);
        CompletableFuture<byte[]> atClient = sendAndReceive(left[0], up);
        assertArrayEquals(up, atServer.get(20, TimeUnit.SECONDS));
        assertArrayEquals(down, atClient.get(20, TimeUnit.SECONDS));
        assertEquals(new BytePipe.Copied(up.length, down.length, true), joined.get(5, TimeUnit.SECONDS));
    }

    private CompletableFuture<byte[]> sendAndReceive(SocketChannel ch, byte[] bytes) {
        CompletableFuture.runAsync(() -> {
            try {
                write(ch, bytes);
                ch.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return readToEnd(ch);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
    }

    @Test
    void aFailedSideEndsBothDirections() throws Exception {
        SocketChannel[] left = pair();
        SocketChannel[] right = pair();
        CompletableFuture<BytePipe.Copied> joined = CompletableFuture.supplyAsync(
                () -> BytePipe.join(left[1], right[0], "test-back"), threads);
        write(left[0], "abc".getBytes(StandardCharsets.UTF_8));
        assertEquals('a', readLineOfThree(right[1]).charAt(0));
        left[1].close(); // the pipe's own end fails under it, as a reset would
        BytePipe.Copied copied = joined.get(5, TimeUnit.SECONDS);
        assertFalse(copied.clean(), copied.toString());
        assertFalse(right[0].isOpen(), "the other socket is closed too");
        assertEquals(0, readToEnd(right[1]).length, "the far side sees the end");
    }

    private static String readLineOfThree(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(3);
        while (b.hasRemaining() && ch.read(b) >= 0) {
            // until the three bytes are in
        }
        return new String(b.array(), StandardCharsets.UTF_8);
    }

    // ---- the API's pipe requests ----

    /**
     * The test's pod: says "banner" first, then upper-cases what it reads and says "bye" after the client's end.
     * It listens on a TCP port of 127.0.0.1, as a node reaches a pod's port over TCP.
     */
    private InetSocketAddress pod() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress p = (InetSocketAddress) s.getLocalAddress();
        open.add(s);
        Thread t = new Thread(() -> {
            while (true) {
                SocketChannel c;
                try {
                    c = s.accept();
                } catch (IOException closed) {
                    return;
                }
                Thread conn = new Thread(() -> {
                    try (c) {
                        write(c, "banner\n".getBytes(StandardCharsets.UTF_8));
                        byte[] got = readToEnd(c);
                        write(c, (new String(got, StandardCharsets.UTF_8).toUpperCase() + "bye")
                                .getBytes(StandardCharsets.UTF_8));
                    } catch (IOException ignored) {
                        // The test hung up.
                    }
                });
                conn.setDaemon(true);
                conn.start();
            }
        });
        t.setDaemon(true);
        t.start();
        return p;
    }

    /** What a node's API pipes to: the pod above for port 80, a refusal for any other port. */
    private Streaming pipes(InetSocketAddress pod) {
        return new Streaming() {
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
                int port = request.path("port").asInt();
                if (port != 80) {
                    throw new ApiException("error forwarding port " + port + " to pod web: connection refused");
                }
                return SocketChannel.open(pod);
            }
        };
    }

    private static JsonNode request(int port) {
        return Operation.PORT_FORWARD.request().put("pod", "web").put("namespace", "default").put("port", port);
    }

    /**
     * The local end of a pipe, as `vnet port-forward` joins an accepted connection to it: the test talks on the
     * returned socket, whose other end the pipe copies to and from the WebSocket until both directions end.
     */
    private SocketChannel joined(WebSocketPipe pipe) throws IOException {
        SocketChannel[] local = pair();
        threads.execute(() -> {
            try (pipe) {
                pipe.join(local[1], "pipe-test-back");
            } finally {
                try {
                    local[1].close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
        });
        return local[0];
    }

    /** One forwarded connection: the pod's first bytes, then a request and its answer after the client's end. */
    private void talk(ApiClient client) throws Exception {
        try (SocketChannel ch = joined(client.pipe(request(80)))) {
            assertEquals("banner", readLine(ch), "bytes right after the answer belong to the pipe");
            write(ch, "get /".getBytes(StandardCharsets.UTF_8));
            ch.shutdownOutput(); // half-closed: the pod still answers after this
            assertEquals("GET /bye", new String(readToEnd(ch), StandardCharsets.UTF_8));
        }
    }

    /** A Kubernetes API on 127.0.0.1 serving vnet's operations, {@code streaming}'s pipes among them. */
    private KubeApiServer server(Streaming streaming) throws IOException {
        KubeCredentials c = KubeCredentials.loadOrCreate(dir.resolve("kube"));
        KubeApiServer s = KubeApiServer.start(backend(), Kinds.builtIn(), c, 0);
        s.operations(new Handlers(), streaming);
        open.add(s);
        return s;
    }

    private static ApiBackend backend() {
        MemoryStore store = new MemoryStore();
        return new ApiBackend() {
            @Override
            public ClusterStore store() {
                return store;
            }

            @Override
            public ServiceAllocator allocator() {
                return ServiceAllocator.forNetwork(dev.vnet.apiserver.ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1");
            }
        };
    }

    @Test
    void aPipeOverTheLabsApiCarriesBothWays() throws Exception {
        server(pipes(pod()));
        ApiClient client = ApiClient.local(dir); // as the CLI finds the lab: STATE/kube/{server,ca.crt,token}
        talk(client);
        // Two at once: each connection is its own pipe.
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
            try {
                talk(client);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, threads);
        talk(client);
        other.get(10, TimeUnit.SECONDS);
        ApiException refused = assertThrows(ApiException.class, () -> client.pipe(request(81)));
        assertEquals("error forwarding port 81 to pod web: connection refused", refused.getMessage());
    }

    @Test
    void aPipeOverTheNodeApiNeedsTheToken() throws Exception {
        KubeApiServer server = server(pipes(pod()));
        KubeCredentials c = server.credentials();
        talk(ApiClient.https(URI.create(server.url()), c.caPem(), c.token()));
        ApiException refused = assertThrows(ApiException.class,
                () -> ApiClient.https(URI.create(server.url()), c.caPem(), "guess").pipe(request(80)));
        assertTrue(refused.getMessage().contains("401") || refused.getMessage().toLowerCase().contains("unauthorized"),
                refused.getMessage());
    }

    @Test
    void megabytesGoBothWaysThroughTheWebSocket() throws Exception {
        // The far end is one end of a TCP pair the test holds: it sends and reads as much as the client does.
        SocketChannel[] far = tcpPair();
        KubeApiServer server = server(new Streaming() {
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
            public SocketChannel openPipe(JsonNode request) {
                return far[0];
            }
        });
        KubeCredentials c = server.credentials();
        SocketChannel ch = joined(ApiClient.https(URI.create(server.url()), c.caPem(), c.token()).pipe(request(80)));
        byte[] up = pattern(3_000_000, 1);
        byte[] down = pattern(2_000_000, 7);
        CompletableFuture<byte[]> atPod = sendAndReceive(far[1], down);
        CompletableFuture<byte[]> atClient = sendAndReceive(ch, up);
        // The pod's end comes first (it sent less): what the client still sends after it reaches the pod all the same.
        assertArrayEquals(up, atPod.get(20, TimeUnit.SECONDS));
        assertArrayEquals(down, atClient.get(20, TimeUnit.SECONDS));
    }

    @Test
    void anApiWithoutPipesSaysSo() throws Exception {
        server(null);
        ApiException e = assertThrows(ApiException.class, () -> ApiClient.local(dir).pipe(request(80)));
        assertTrue(e.getMessage().startsWith("vnet.dev/v1 has no operation \"port-forward\""), e.getMessage());
    }
}
