package dev.vnet.overlay;

import java.nio.ByteBuffer;

/** Sends VXLAN datagrams to peers over the underlay: the Netty UDP transport, or a queue in tests. */
public interface UnderlaySender {
    /**
     * Sends a datagram to {@code peer}: a VXLAN header with {@code vni}, then bytes {@code [0, length)} of
     * {@code innerFrame} (borrowed for the call). {@code flowHash} picks the outer UDP source port.
     * Returns false if the datagram could not be queued.
     */
    boolean send(Peer peer, int vni, int flowHash, ByteBuffer innerFrame, int length);

    /**
     * True if {@link #sendSegmented} sends a batch with one system call (UDP GSO): the VTEP then lays a
     * super-frame's segments out as datagrams back to back instead of sending them one by one.
     */
    default boolean sendsSegmented() {
        return false;
    }

    /**
     * Sends the datagrams laid out back to back in {@code [0, length)} of {@code batch} (borrowed), each a VXLAN
     * header and an inner frame, every one {@code datagramLength} bytes long but the last, which may be shorter,
     * to {@code peer}; {@code flowHash} picks the outer source port as for {@link #send}. At most
     * {@code dev.vnet.core.linux.UdpSocket.MAX_SEGMENTED} bytes and {@code MAX_SEGMENTS} datagrams. Returns
     * false if they could not be queued.
     */
    default boolean sendSegmented(Peer peer, int flowHash, ByteBuffer batch, int length, int datagramLength) {
        return false;
    }

    /** The outer UDP source port a flow with this hash leaves from, or -1 if unknown. */
    default int sourcePortFor(int flowHash) {
        return -1;
    }
}
