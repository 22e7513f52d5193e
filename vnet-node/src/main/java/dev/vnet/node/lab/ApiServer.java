package dev.vnet.node.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * The lab's local API: a Unix socket (mode 0600, so only root can use it: the API starts processes) that
 * takes one JSON request per connection and answers one JSON line: {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"one line"}}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final ServerSocketChannel server;
    private final Function<JsonNode, ObjectNode> handler;
    private volatile boolean open = true;

    public ApiServer(Path path, Function<JsonNode, ObjectNode> handler) throws IOException {
        this.path = path;
        this.handler = handler;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
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
            ObjectNode reply;
            try {
                reply = handler.apply(JSON.readTree(line == null ? "{}" : line));
            } catch (RuntimeException | IOException e) {
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

    @Override
    public void close() {
        open = false;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
