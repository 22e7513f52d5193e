package dev.vnet.overlay;

import dev.vnet.core.packet.DropReason;
import java.nio.ByteBuffer;

/** Takes decapsulated inner frames: the receiving node's router. */
@FunctionalInterface
public interface InnerFrameHandler {
    /**
     * Handles the inner Ethernet frame in {@code [offset, offset+length)} of {@code buf} (borrowed), with its
     * offload metadata ({@code VirtioNetHeader} packed form): NONE for a frame as it came, GSO_TCPV4 for
     * segments the VTEP joined back into a super-frame.
     */
    DropReason fromOverlay(ByteBuffer buf, int offset, int length, long offload, Peer from, long now);
}
