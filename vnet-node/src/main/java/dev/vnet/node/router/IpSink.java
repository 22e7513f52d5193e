package dev.vnet.node.router;

import java.nio.ByteBuffer;

/** Takes bare IP packets: the node's TUN device, or a queue in tests. */
@FunctionalInterface
public interface IpSink {
    /** Sends bytes {@code [offset, offset+length)} of {@code buf} (borrowed), a whole packet, as one packet. */
    boolean send(ByteBuffer buf, int offset, int length);

    /** True if {@link #send(ByteBuffer, int, int, long)} takes super-frames and partial checksums (a TUN with offloads). */
    default boolean takesOffloads() {
        return false;
    }

    /**
     * Sends a packet with its offload metadata ({@code VirtioNetHeader} packed form), which is not NONE only
     * for a sink that {@link #takesOffloads()}.
     */
    default boolean send(ByteBuffer buf, int offset, int length, long offload) {
        return send(buf, offset, length);
    }
}
