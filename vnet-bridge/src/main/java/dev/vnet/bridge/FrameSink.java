package dev.vnet.bridge;

import java.nio.ByteBuffer;

/** Where a bridge port sends frames: a TAP device, the gateway, an in-memory queue in tests. */
@FunctionalInterface
public interface FrameSink {
    /**
     * Sends bytes {@code [0, length)} of {@code frame}. The buffer is borrowed for the call and must not be
     * modified (a flooded frame goes to several sinks). Returns false if the frame could not be sent.
     */
    boolean send(ByteBuffer frame, int length, long nowNanos);
}
