package dev.vnet.bridge;

import java.nio.ByteBuffer;

/** Where a bridge port sends frames: a TAP device, the gateway, an in-memory queue in tests. */
@FunctionalInterface
public interface FrameSink {
    /**
     * Sends bytes {@code [0, length)} of {@code frame}, a whole wire-sized frame with complete checksums. The
     * buffer is borrowed for the call and must not be modified (a flooded frame goes to several sinks).
     * Returns false if the frame could not be sent.
     */
    boolean send(ByteBuffer frame, int length, long nowNanos);

    /**
     * True if this sink takes super-frames and partial checksums ({@link #send(ByteBuffer, int, long, long)}
     * with offload metadata): a TAP with offloads, the gateway. For any other sink the port cuts a super-frame
     * into segments and completes checksums first.
     */
    default boolean takesOffloads() {
        return false;
    }

    /**
     * Sends a frame with its offload metadata ({@code dev.vnet.core.packet.VirtioNetHeader} packed form), which
     * is not NONE only for a sink that {@link #takesOffloads()}. Same borrowing rule as the plain send.
     */
    default boolean send(ByteBuffer frame, int length, long offload, long nowNanos) {
        return send(frame, length, nowNanos);
    }
}
