package dev.vnet.overlay;

import dev.vnet.core.packet.DropReason;
import java.nio.ByteBuffer;

/** Takes decapsulated inner frames: the receiving node's router. */
@FunctionalInterface
public interface InnerFrameHandler {
    /** Handles the inner Ethernet frame in {@code [offset, offset+length)} of {@code buf} (borrowed). */
    DropReason fromOverlay(ByteBuffer buf, int offset, int length, Peer from, long now);
}
