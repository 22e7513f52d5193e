package dev.vnet.fault;

import java.nio.ByteBuffer;

/**
 * Where the engine delivers a frame it took ({@link FaultVerdict.Action#TAKEN}): the rest of the path the frame
 * was on when it met the fault, such as the pod's TAP or the tunnel to the peer. Give one object per point (a
 * field of the port, not a lambda made per frame), so that taking a frame allocates nothing.
 */
@FunctionalInterface
public interface Released {
    /**
     * Sends on bytes {@code [0, length)} of {@code frame}: a copy the engine owns, borrowed for the call. It must
     * not be modified or kept (a duplicated frame is delivered twice from the same copy, and the buffer is reused
     * once the call returns). Called without the engine's lock held, so it may pass the frame to another point.
     */
    void released(ByteBuffer frame, int length, long nowNanos);
}
