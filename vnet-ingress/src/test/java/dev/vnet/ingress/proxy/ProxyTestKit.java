package dev.vnet.ingress.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vnet.ingress.route.Action;
import dev.vnet.ingress.route.Request;
import dev.vnet.ingress.route.RouteTable;
import dev.vnet.ingress.tls.TlsMaterial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/** Small upstreams, route tables and an HTTP/1.1 client for the proxy's tests; all on 127.0.0.1. */
final class ProxyTestKit {
    private ProxyTestKit() {}

    static {
        // The JDK server writes headers and body apart; without this Nagle and delayed ACKs add 40 ms a response.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // Netty's own warnings (a leaked buffer among them) into the test output rather than slf4j's no-op.
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
    }

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** A port nothing listens on right now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    /** A route table made of functions. */
    record FakeTable(Set<RouteTable.Listener> listeners, Function<Request, Action> router,
            BiFunction<Integer, String, Optional<TlsMaterial>> certs) implements RouteTable {
        FakeTable(Set<RouteTable.Listener> listeners, Function<Request, Action> router) {
            this(listeners, router, (p, n) -> Optional.empty());
        }

        @Override
        public Action route(Request request) {
            return router.apply(request);
        }

        @Override
        public Optional<TlsMaterial> certificate(int port, String serverName) {
            return certs.apply(port, serverName);
        }
    }

    static Action.Forward forward(Action.Backend... backends) {
        return new Action.Forward("test", List.of(backends), Action.HeaderChanges.NONE);
    }

    static Action.Backend backend(String service, int weight, Action.Endpoint... endpoints) {
        return new Action.Backend(service, weight, List.of(endpoints));
    }

    /** What an upstream saw of one request. */
    record Seen(String method, String uri, Map<String, List<String>> headers, String body, int remotePort) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(",", v);
        }
    }

    /**
     * A JDK HttpServer on 127.0.0.1: answers 200 with "name method uri body" and header X-Upstream: name; path
     * /status/NNN answers NNN; /delay waits 0.3 s first,
     * /slow 3 s. Remembers every request.
     */
    static final class Upstream implements AutoCloseable {
        final String name;
        final HttpServer server;
        final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final ExecutorService pool = Executors.newCachedThreadPool();

        Upstream(String name) throws IOException {
            this.name = name;
            server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
            server.setExecutor(pool);
            server.createContext("/", this::handle);
            server.start();
        }

        Action.Endpoint endpoint() {
            return new Action.Endpoint("127.0.0.1", server.getAddress().getPort());
        }

        private void handle(HttpExchange ex) throws IOException {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            String uri = ex.getRequestURI().toString();
            seen.add(new Seen(ex.getRequestMethod(), uri, headers, body, ex.getRemoteAddress().getPort()));
            int status = 200;
            if (uri.startsWith("/status/")) {
                status = Integer.parseInt(uri.substring(8, 11));
            } else if (uri.startsWith("/delay")) {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (uri.startsWith("/slow")) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] out = (name + " " + ex.getRequestMethod() + " " + uri + " " + body).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("X-Upstream", name);
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        }

        /** How many different connections the requests came on. */
        long connections() {
            return seen.stream().mapToInt(Seen::remotePort).distinct().count();
        }

        Seen last() {
            Seen s = null;
            for (Seen x : seen) {
                s = x;
            }
            return s;
        }

        @Override
        public void close() {
            server.stop(0);
            pool.shutdownNow();
        }
    }

    /** A response as read off the wire. */
    record Response(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }
    }

    /** One HTTP/1.1 client connection (plain or over a given socket), requests one after another. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(int port) throws IOException {
            this(new Socket(LOOPBACK, port));
        }

        Client(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        Response get(String host, String path, String... headerLines) throws IOException {
            return send("GET", host, path, null, headerLines);
        }

        Response send(String method, String host, String path, String body, String... headerLines)
                throws IOException {
            StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headerLines) {
                b.append(h).append("\r\n");
            }
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                b.append("Content-Length: ").append(bytes.length).append("\r\n");
            }
            b.append("\r\n");
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(b.toString().getBytes(StandardCharsets.UTF_8));
            all.writeBytes(bytes);
            out.write(all.toByteArray());
            out.flush();
            return read(method.equals("HEAD"));
        }

        Response read(boolean head) throws IOException {
            String status = line();
            if (status == null) {
                throw new IOException("connection closed before a response");
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String l = line(); l != null && !l.isEmpty(); l = line()) {
                int c = l.indexOf(':');
                headers.computeIfAbsent(l.substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(l.substring(c + 1).trim());
            }
            List<String> len = headers.get("content-length");
            byte[] body;
            if (head) {
                body = new byte[0];
            } else if (len != null) {
                body = in.readNBytes(Integer.parseInt(len.get(0)));
            } else {
                body = in.readAllBytes();
            }
            return new Response(Integer.parseInt(status.split(" ")[1]), headers,
                    new String(body, StandardCharsets.UTF_8));
        }

        /** Whether the proxy closed this connection (reads end of stream). */
        boolean closedByPeer() throws IOException {
            return in.read() < 0;
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The first line matching {@code p} within 5 s (log lines come just after the response is written). */
    static String awaitLine(Queue<String> lines, Predicate<String> p) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String l : lines) {
                if (p.test(l)) {
                    return l;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no log line matched within 5 s; lines: " + lines);
    }

    /** curl's path, or null when it is not installed. */
    static String curl() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            java.io.File f = new java.io.File(dir, "curl");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** Runs a command, returns its standard output (and fails the test on a non-zero exit). */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new AssertionError(command + " exited " + rc + ": " + out);
        }
        return out;
    }
}
