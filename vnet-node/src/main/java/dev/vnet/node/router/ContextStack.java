package dev.vnet.node.router;

import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.PacketContext;
import java.nio.ByteBuffer;

/**
 * One data-path thread's packet contexts, each with a buffer of its own, one per nesting level: the packet
 * being routed (level 0), and the packets the router makes about it while it is still being routed (the echo
 * reply it asks for, the ICMP error about that, ...), each of which crosses the pipeline in turn. A nested
 * packet never overwrites the one it is about, so a drop is reported with the packet that was dropped.
 *
 * <p>Not thread-safe: each thread has its own (see {@link NodeRouter}). Buffers beyond level 0 are allocated
 * the first time a thread nests that deep, not per packet.
 */
final class ContextStack {
    /** A packet, the echo reply it asks for, an ICMP error about that, and one to spare. */
    static final int DEPTH = 4;
    /** Room for a 64 KiB packet and its Ethernet header. */
    static final int BUFFER = 65536 + 64;

    private final PacketContext[] contexts = new PacketContext[DEPTH];
    /** A view for a frame's Ethernet header before it is copied in (the overlay's, checked for our VTEP MAC). */
    private final EthernetFrame arriving = new EthernetFrame();
    private final ByteBuffer[] buffers = new ByteBuffer[DEPTH];
    private int depth;

    /** The buffer of the next level, to copy or build a packet in before {@link #push}; null when too deep. */
    ByteBuffer nextBuffer() {
        if (depth == DEPTH) {
            return null;
        }
        if (buffers[depth] == null) {
            buffers[depth] = ByteBuffer.allocateDirect(BUFFER);
            contexts[depth] = new PacketContext();
        }
        return buffers[depth];
    }

    /** Enters the next level (after {@link #nextBuffer} returned its buffer) and returns its context. */
    PacketContext push() {
        if (nextBuffer() == null) {
            throw new IllegalStateException("packet contexts nested deeper than " + DEPTH);
        }
        return contexts[depth++];
    }

    /** Leaves the level {@link #push} entered. */
    void pop() {
        depth--;
    }

    int depth() {
        return depth;
    }

    /** The view {@link NodeRouter} checks an arriving frame's Ethernet header through, before copying it. */
    EthernetFrame arriving() {
        return arriving;
    }
}
