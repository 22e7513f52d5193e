package dev.vnet.apiserver.client;

import dev.vnet.apiserver.server.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * Talks to a lab's API: one request, one answer. Over the local lab's Unix socket, or over TCP to a node
 * process of a multi-machine cluster, with the cluster token added to every request.
 */
public class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
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

    private SocketChannel open() throws IOException {
        if (node == null) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        }
        SocketChannel ch = SocketChannel.open();
        ch.socket().connect(node, 3000);
        return ch;
    }

    private byte[] encode(JsonNode request) throws IOException {
        JsonNode sent = request;
        if (token != null && request instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
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
            return call(JSON.createObjectNode().put("op", "ping")).path("ok").asBoolean();
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
            JsonNode reply = JSON.readTree(header.toByteArray());
            if (reply == null || !reply.path("ok").asBoolean()) {
                throw new ApiException(reply == null ? "the lab closed the connection without answering"
                        : reply.path("error").asText("the lab refused the request"));
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

    /** Sends {@code request}; returns the answer if ok, else throws with the lab's one-line error. */
    public JsonNode call(JsonNode request) throws ApiException {
        if (!reachable()) {
            throw new ApiException("no lab is running: start one with `vnet up -d`");
        }
        try (SocketChannel ch = open()) {
            ch.write(ByteBuffer.wrap(encode(request)));
            InputStream in = Channels.newInputStream(ch);
            JsonNode reply = JSON.readTree(in);
            if (reply == null) {
                throw new ApiException("the lab closed the connection without answering: see "
                        + socket.resolveSibling("lab.log"));
            }
            if (!reply.path("ok").asBoolean()) {
                throw new ApiException(reply.path("error").asText("the lab refused the request"));
            }
            return reply;
        } catch (java.net.SocketException | java.nio.channels.ClosedChannelException
                 | java.net.SocketTimeoutException e) {
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
