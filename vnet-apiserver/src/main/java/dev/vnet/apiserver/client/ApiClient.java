package dev.vnet.apiserver.client;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Talks to a lab's API: one request, one answer (or a stream, or a two-way pipe). Over the local lab's Unix socket, or over TCP to a node
 * process of a multi-machine cluster, with the cluster token added to every request.
 */
public class ApiClient {
    private static final ObjectMapper JSON = dev.vnet.apiserver.api.Json.MAPPER;
    /** Nodes share a link: a connection takes well under a millisecond, or the node is not there. */
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    /**
     * The API could not be reached, or did not answer in time: nothing was done, so the request may go to
     * another node (a cluster client fails over on this, never on an answer).
     */
    public static final class UnreachableException extends ApiException {
        public UnreachableException(String message) {
            super(message);
        }
    }
    private final Path socket;
    private final java.net.InetSocketAddress node;
    private final String token;

    public ApiClient(Path socket) {
        this.socket = socket;
        this.node = null;
        this.token = null;
    }

    /** A client of the node API at {@code address}, authenticating with {@code token}. */
    public static ApiClient tcp(java.net.InetSocketAddress address, String token) {
        return new ApiClient(address, token);
    }

    private ApiClient(java.net.InetSocketAddress node, String token) {
        this.socket = null;
        this.node = node;
        this.token = token;
    }

    /** For clients that answer some requests themselves (a cluster client routing to its nodes). */
    protected ApiClient() {
        this.socket = null;
        this.node = null;
        this.token = null;
    }

    private SocketChannel open() throws IOException, UnreachableException {
        if (node == null) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().connect(node, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            ch.close();
            throw new UnreachableException(where() + (e.getMessage() != null && e.getMessage().contains("refused")
                    ? " refused the connection" : " is unreachable (" + e.getMessage() + ")")
                    + ": is the node process running?");
        }
        return ch;
    }

    private byte[] encode(JsonNode request) throws IOException {
        JsonNode sent = request;
        if (token != null && request instanceof tools.jackson.databind.node.ObjectNode o) {
            sent = o.deepCopy().put("token", token);
        }
        return (JSON.writeValueAsString(sent) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private boolean reachable() {
        return node != null || Files.exists(socket);
    }

    private String where() {
        return node == null ? "the lab" : "node API " + node.getHostString() + ":" + node.getPort();
    }

    public boolean labRunning() {
        if (!reachable()) {
            return false;
        }
        try {
            return call(Operation.PING.request()).path("ok").asBoolean();
        } catch (ApiException e) {
            return false;
        }
    }

    private String stale() {
        return "no lab is running (a lab stopped without cleaning up: see " + socket.resolveSibling("lab.log")
                + "); `vnet down` removes what it left, `vnet up -d` starts a new one";
    }

    /**
     * Sends a streaming request and copies the stream it answers with to {@code sink} until it ends; throws
     * with the lab's error if it refused.
     */
    public void stream(JsonNode request, java.io.OutputStream sink) throws ApiException {
        if (!reachable()) {
            throw new ApiException("no lab is running: start one with `vnet up -d`");
        }
        try (SocketChannel ch = open()) {
            ch.write(ByteBuffer.wrap(encode(request)));
            InputStream in = Channels.newInputStream(ch);
            java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                header.write(b);
            }
            JsonNode reply = readTree(new java.io.ByteArrayInputStream(header.toByteArray()));
            if (reply == null || reply.isMissingNode() || !reply.path("ok").asBoolean(false)) {
                throw new ApiException(reply == null || reply.isMissingNode()
                        ? where() + " closed the connection without answering"
                        : reply.path("error").asString("the lab refused the request"));
            }
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sink.write(buf, 0, n);
                sink.flush();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Broken pipe")) {
                return; // the reader (e.g. head, or a closed Wireshark) stopped reading
            }
            throw new ApiException("the capture stream failed: " + e.getMessage(), e);
        }
    }

    /**
     * Sends a pipe request (a port-forward) and returns the connection once the far end answered {"ok":true}:
     * from then on it carries raw bytes both ways, and the caller closes it. Throws with the one-line error of
     * the lab or node (the pod is gone, nothing listens on the port) otherwise.
     */
    public SocketChannel pipe(JsonNode request) throws ApiException {
        if (!reachable()) {
            throw new ApiException("no lab is running: start one with `vnet up -d`");
        }
        SocketChannel ch = null;
        try {
            ch = open();
            ch.write(ByteBuffer.wrap(encode(request)));
            // Byte by byte up to the newline: whatever follows it is the pipe's, not the answer's.
            java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (ch.read(one) > 0 && one.get(0) != '\n') {
                header.write(one.get(0));
                one.clear();
            }
            JsonNode reply = header.size() == 0 ? null
                    : readTree(new java.io.ByteArrayInputStream(header.toByteArray()));
            if (reply == null || reply.isMissingNode() || !reply.path("ok").asBoolean(false)) {
                throw new ApiException(reply == null || reply.isMissingNode()
                        ? where() + " closed the connection without answering"
                        : reply.path("error").asString("the lab refused the request"));
            }
            SocketChannel open = ch;
            ch = null;
            return open;
        } catch (IOException e) {
            throw new ApiException(node == null && e.getMessage() != null && e.getMessage().contains("refused")
                    ? stale() : "talking to " + where() + " failed: " + e.getMessage(), e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // Failed already.
                }
            }
        }
    }

    /** Reads one JSON answer; a failure of the socket underneath comes out as the IOException it is. */
    private static JsonNode readTree(InputStream in) throws IOException {
        try {
            return JSON.readTree(in);
        } catch (tools.jackson.core.exc.JacksonIOException e) {
            throw e.getCause() != null ? e.getCause() : new IOException(e.getMessage(), e);
        } catch (tools.jackson.core.JacksonException e) {
            throw new IOException("the answer is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Sends {@code request}; returns the answer if ok, else throws with the lab's one-line error. */
    public JsonNode call(JsonNode request) throws ApiException {
        return call(request, 0);
    }

    /** Whether the API answers a ping within {@code timeoutMillis}: a process that holds a lease may still hang. */
    public boolean answers(int timeoutMillis) {
        try {
            return call(Operation.PING.request(), timeoutMillis).path("ok").asBoolean(false);
        } catch (ApiException e) {
            return false;
        }
    }

    /** As {@link #call(JsonNode)}, failing with {@link UnreachableException} after {@code timeoutMillis} (0: wait). */
    public JsonNode call(JsonNode request, int timeoutMillis) throws ApiException {
        if (!reachable()) {
            throw new ApiException("no lab is running: start one with `vnet up -d`");
        }
        try (SocketChannel ch = open()) {
            ch.write(ByteBuffer.wrap(encode(request)));
            InputStream in;
            if (timeoutMillis > 0) {
                ch.socket().setSoTimeout(timeoutMillis);
                in = ch.socket().getInputStream(); // the socket's own stream honours the timeout
            } else {
                in = Channels.newInputStream(ch);
            }
            JsonNode reply = readTree(in);
            if (reply == null || reply.isMissingNode()) {
                throw new ApiException(where() + " closed the connection without answering"
                        + (socket == null ? "" : ": see " + socket.resolveSibling("lab.log")));
            }
            if (!reply.path("ok").asBoolean(false)) {
                throw new ApiException(reply.path("error").asString("the lab refused the request"));
            }
            return reply;
        } catch (java.net.SocketTimeoutException e) {
            throw new UnreachableException(where() + " did not answer within " + timeoutMillis + " ms: is the node "
                    + "process hung?");
        } catch (java.net.SocketException | java.nio.channels.ClosedChannelException e) {
            throw new ApiException(node == null ? stale() : where() + " is unreachable (" + e.getMessage()
                    + "): is the node process running?");
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Connection refused")) {
                throw new ApiException(node == null ? stale() : where() + " refused the connection: is the node "
                        + "process running?");
            }
            throw new ApiException("talking to the lab failed: " + e.getMessage(), e);
        }
    }
}
