package dev.vnet.apiserver.server;

import dev.vnet.apiserver.api.ApiException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The lab's API: one JSON request per connection, answered with one JSON line: {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"one line"}}; a few operations go on after that line, with a stream to the client
 * (a capture) or a two-way pipe (a port-forward), see {@link Streaming}.
 *
 * <p>A local lab serves it on a Unix socket (mode 0600, so only root can use it: the API starts processes). A
 * node process of a multi-machine cluster serves it over TCP on its underlay address only, and every request
 * must carry the cluster token (a secret made at bootstrap, readable by root only); others are refused.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
    private static final ObjectMapper JSON = dev.vnet.apiserver.api.Json.MAPPER;

    private final Path path;
    private final ServerSocketChannel server;
    /** The cluster token requests must carry (TCP), or null (Unix socket: the file mode is the guard). */
    private final byte[] token;
    private final Function<JsonNode, ObjectNode> handler;
    private final Streaming streaming;

    /**
     * Requests answered with a stream (a live capture): the server writes one JSON line ({"ok":true} or the
     * error), then the stream's bytes until it ends or the client hangs up.
     */
    public interface Streaming {
        boolean handles(String op);

        /** Writes the stream to {@code out}; {@code clientGone} counts down when the client closes its side. */
        void stream(JsonNode request, OutputStream out, java.util.concurrent.CountDownLatch clientGone)
                throws IOException, ApiException;

        /**
         * Whether {@code op} is answered with a two-way pipe (a port-forward): the server opens the far end
         * ({@link #openPipe}), writes {"ok":true} (or the error, and closes), and then joins the client's
         * connection to the far end with {@link dev.vnet.apiserver.api.BytePipe}. The client sends nothing after
         * its request line until it has read the answer, so no byte of the pipe is read as part of the request.
         */
        default boolean pipes(String op) {
            return false;
        }

        /** The far end of a pipe: a connected socket, which the server closes when the pipe ends. */
        default SocketChannel openPipe(JsonNode request) throws IOException, ApiException {
            throw new ApiException("this API opens no pipes");
        }
    }
    private volatile boolean open = true;

    public ApiServer(Path path, Function<JsonNode, ObjectNode> handler, Streaming streaming) throws IOException {
        this(path, unixServer(path), null, handler, streaming);
    }

    private static ServerSocketChannel unixServer(Path path) throws IOException {
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        return server;
    }

    /** Serves on {@code address} (a node's underlay IP and port) over TCP, to requests carrying {@code token}. */
    public static ApiServer tcp(java.net.InetSocketAddress address, String token, Function<JsonNode, ObjectNode> handler,
                                Streaming streaming) throws IOException {
        if (token == null || token.isBlank()) {
            throw new IOException("the node API needs a cluster token");
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET); // IPv4: the underlay's
        server.bind(address);
        return new ApiServer(null, server, token.strip().getBytes(StandardCharsets.UTF_8), handler, streaming);
    }

    private ApiServer(Path path, ServerSocketChannel server, byte[] token, Function<JsonNode, ObjectNode> handler,
                      Streaming streaming) {
        this.path = path;
        this.server = server;
        this.token = token;
        this.handler = handler;
        this.streaming = streaming;
        Thread t = new Thread(this::acceptLoop, "api-accept");
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop() {
        while (open) {
            try {
                SocketChannel ch = server.accept();
                Thread t = new Thread(() -> serve(ch), "api-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (open) {
                    LOG.log(Level.WARNING, "api accept failed", e);
                }
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            String line = in.readLine();
            JsonNode request;
            try {
                request = JSON.readTree(line == null ? "{}" : line);
            } catch (tools.jackson.core.JacksonException e) {
                request = JSON.createObjectNode().put("op", "malformed request");
            }
            if (token != null && !authorized(request)) {
                LOG.warning("api request refused: no valid cluster token from " + ch.getRemoteAddress());
                OutputStream out = Channels.newOutputStream(ch);
                out.write(JSON.writeValueAsBytes(JSON.createObjectNode().put("ok", false).put("error",
                        "unauthorized: this node's API needs the cluster token (vnet --token-file, default "
                                + "/etc/vnet/token)")));
                out.write('\n');
                out.flush();
                return;
            }
            if (streaming != null && streaming.pipes(request.path("op").asString())) {
                servePipe(ch, request);
                return;
            }
            if (streaming != null && streaming.handles(request.path("op").asString())) {
                serveStream(ch, request);
                return;
            }
            ObjectNode reply;
            try {
                reply = handler.apply(request);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "api request failed", e);
                reply = JSON.createObjectNode().put("ok", false).put("error", "internal error: " + e);
            }
            OutputStream out = Channels.newOutputStream(ch);
            out.write(JSON.writeValueAsBytes(reply));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            LOG.fine("api client went away: " + e.getMessage());
        }
    }

    private boolean authorized(JsonNode request) {
        byte[] given = request.path("token").asString("").strip().getBytes(StandardCharsets.UTF_8);
        if (request instanceof ObjectNode o) {
            o.remove("token"); // never passed on, logged or echoed
        }
        return java.security.MessageDigest.isEqual(given, token); // constant time: no guessing byte by byte
    }

    /** The address a TCP API listens on (its port, when bound to 0), or null for a Unix socket. */
    public java.net.InetSocketAddress address() {
        try {
            return path != null ? null : (java.net.InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    private void serveStream(SocketChannel ch, JsonNode request) throws IOException {
        OutputStream out = Channels.newOutputStream(ch);
        java.util.concurrent.CountDownLatch gone = new java.util.concurrent.CountDownLatch(1);
        Thread watcher = new Thread(() -> {
            try {
                // The client sends nothing more: a read returns -1 once it has closed its side.
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                while (ch.read(one) >= 0) {
                    one.clear();
                }
            } catch (IOException | RuntimeException ignored) {
                // Closed.
            } finally {
                gone.countDown();
            }
        }, "api-stream-watch");
        watcher.setDaemon(true);
        try {
            streaming.stream(request, new java.io.FilterOutputStream(out) {
                private boolean started;

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    start();
                    out.write(b, off, len);
                }

                @Override
                public void write(int b) throws IOException {
                    start();
                    out.write(b);
                }

                private void start() throws IOException {
                    if (!started) {
                        started = true;
                        out.write("{\"ok\":true}\n".getBytes(StandardCharsets.UTF_8));
                        watcher.start();
                    }
                }
            }, gone);
        } catch (ApiException e) {
            out.write(JSON.writeValueAsBytes(JSON.createObjectNode().put("ok", false).put("error", e.getMessage())));
            out.write('\n');
        }
        out.flush();
    }

    private void servePipe(SocketChannel ch, JsonNode request) throws IOException {
        OutputStream out = Channels.newOutputStream(ch);
        SocketChannel far;
        try {
            far = streaming.openPipe(request);
        } catch (ApiException e) {
            out.write(JSON.writeValueAsBytes(JSON.createObjectNode().put("ok", false).put("error", e.getMessage())));
            out.write('\n');
            out.flush();
            return;
        }
        try (far) {
            out.write("{\"ok\":true}\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            dev.vnet.apiserver.api.BytePipe.join(ch, far, "api-pipe");
        }
    }

    @Override
    public void close() {
        open = false;
        try {
            server.close();
            if (path != null) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
