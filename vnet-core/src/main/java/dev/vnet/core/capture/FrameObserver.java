package dev.vnet.core.capture;

import java.nio.ByteBuffer;

/**
 * Something that watches frames at one point of the data path: a capture writer, a trace, a flow log.
 *
 * <p>Stages hold observers in a volatile field that is null when nobody watches, so the data path pays one
 * field read per frame and nothing else. The frame is borrowed: copy what you keep before returning.
 */
@FunctionalInterface
public interface FrameObserver {
    void frame(ByteBuffer buf, int offset, int length, long nowNanos);
}
