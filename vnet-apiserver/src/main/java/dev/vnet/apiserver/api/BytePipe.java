package dev.vnet.apiserver.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Joins two connected sockets into one pipe: what arrives on either is written to the other, until both
 * directions have ended. This is the data path of a port-forward, at each hop (the CLI's local connection to the
 * API connection, and on the node the API connection to the pod's socket).
 *
 * <p>Half-close is passed on: when one side has sent everything (a read returns end of stream), the other side's
 * output is shut down, and the reverse direction goes on carrying the answer (an HTTP/1.0 client, or {@code nc -N},
 * closes its sending side and then waits for the response). A failure in either direction (a reset, a closed
 * socket) closes both sockets, which ends the other direction too. Blocking channels, one thread per direction.
 */
public final class BytePipe {
    /** Per direction; large enough that a bulk copy takes few system calls. */
    private static final int BUFFER_BYTES = 32 * 1024;

    /** How many bytes went each way, and whether both directions ended cleanly (no reset or close). */
    public record Copied(long aToB, long bToA, boolean clean) {}

    private BytePipe() {
    }

    /**
     * Copies {@code a → b} on the calling thread and {@code b → a} on a new one named {@code name}; returns when
     * both have ended. Neither socket is closed on a clean end; the caller owns them (and closes them after).
     */
    public static Copied join(SocketChannel a, SocketChannel b, String name) {
        Direction forth = new Direction(a, b);
        Direction back = new Direction(b, a);
        Thread reverse = new Thread(back, name);
        reverse.setDaemon(true);
        reverse.start();
        forth.run();
        try {
            reverse.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(a);
            closeQuietly(b);
        }
        return new Copied(forth.bytes, back.bytes, forth.clean && back.clean);
    }

    /** One direction: {@code from} to {@code to} until {@code from}'s end, then {@code to}'s output shut down. */
    private static final class Direction implements Runnable {
        private final SocketChannel from;
        private final SocketChannel to;
        private volatile long bytes;
        private volatile boolean clean;

        Direction(SocketChannel from, SocketChannel to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public void run() {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
            try {
                while (from.read(buf) >= 0) {
                    buf.flip();
                    bytes += buf.remaining();
                    while (buf.hasRemaining()) {
                        to.write(buf);
                    }
                    buf.clear();
                }
                to.shutdownOutput();
                clean = true;
            } catch (IOException e) {
                // A reset, or the other direction closed both: nothing more can go either way.
                closeQuietly(from);
                closeQuietly(to);
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
