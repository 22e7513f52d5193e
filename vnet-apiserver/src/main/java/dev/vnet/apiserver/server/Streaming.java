package dev.vnet.apiserver.server;

import dev.vnet.apiserver.api.ApiException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;

/**
 * The operations answered with more than one JSON object: a stream to the client (a live capture, as pcap) or a
 * two-way pipe (a port-forward). The API server asks {@link #handles} and {@link #pipes} of each operation.
 */
public interface Streaming {
    /** Whether {@code op} is answered with a stream. */
    boolean handles(String op);

    /**
     * Writes the stream to {@code out} until it ends; {@code clientGone} counts down when the client hangs up.
     * An {@link ApiException} thrown before the first byte is written is the answer the client gets instead.
     */
    void stream(JsonNode request, OutputStream out, CountDownLatch clientGone) throws IOException, ApiException;

    /** Whether {@code op} is answered with a two-way pipe to a socket that {@link #openPipe} connects. */
    default boolean pipes(String op) {
        return false;
    }

    /** The far end of a pipe: a connected socket, which the server closes when the pipe ends. */
    default SocketChannel openPipe(JsonNode request) throws IOException, ApiException {
        throw new ApiException("this API opens no pipes");
    }
}
