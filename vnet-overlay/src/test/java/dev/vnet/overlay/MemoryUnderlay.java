package dev.vnet.overlay;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An underlay in memory, for tests: each datagram a {@link Vtep} sends is recorded with its peer, VNI and
 * flow hash, the inner frame copied (the buffer is only borrowed). {@link #setAccepting} plays a full
 * socket queue.
 */
class MemoryUnderlay implements UnderlaySender {

    /** One datagram handed to the underlay. */
    record Sent(Peer peer, int vni, int flowHash, byte[] frame) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private boolean accepting = true;

    void setAccepting(boolean accepting) {
        this.accepting = accepting;
    }

    /** Copies bytes {@code [0, length)} of {@code innerFrame}, reading absolutely. */
    @Override
    public boolean send(Peer peer, int vni, int flowHash, ByteBuffer innerFrame, int length) {
        if (!accepting) {
            return false;
        }
        byte[] copy = new byte[length];
        for (int i = 0; i < length; i++) {
            copy[i] = innerFrame.get(i);
        }
        sent.add(new Sent(peer, vni, flowHash, copy));
        return true;
    }

    /** The datagrams sent since the last drain, oldest first. */
    List<Sent> drain() {
        List<Sent> out = new ArrayList<>(sent);
        sent.clear();
        return out;
    }
}
