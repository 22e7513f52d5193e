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

    /** The outer UDP source port a flow with this hash leaves from, or -1 if unknown. */
    default int sourcePortFor(int flowHash) {
        return -1;
    }
}
