package dev.vnet.bridge;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A bridge port backed by memory, for tests: what the bridge sends out of it is copied into a queue that
 * {@link #drain} empties, and {@link #inject} plays a frame arriving from the device. It is to the bridge what
 * gVisor's channel endpoint is to netstack, or Netty's EmbeddedChannel to a pipeline.
 */
final class MemoryPort implements FrameSink {
    private final Bridge bridge;
    private final BridgePort port;
    private final ArrayDeque<byte[]> sent = new ArrayDeque<>();
    private boolean accepting = true;

    /** Attaches a new port named {@code name} to {@code bridge}. */
    MemoryPort(Bridge bridge, String name) {
        this.bridge = bridge;
        this.port = bridge.attach(name, this);
    }

    BridgePort port() {
        return port;
    }

    PortCounters counters() {
        return port.counters();
    }

    /** Makes {@link #send} refuse frames (a full TX queue) or accept them again. */
    void setAccepting(boolean accepting) {
        this.accepting = accepting;
    }

    /** Copies bytes {@code [0, length)}: the buffer is only borrowed. Reads absolutely, leaving it untouched. */
    @Override
    public boolean send(ByteBuffer frame, int length, long nowNanos) {
        if (!accepting) {
            return false;
        }
        byte[] copy = new byte[length];
        for (int i = 0; i < length; i++) {
            copy[i] = frame.get(i);
        }
        sent.add(copy);
        return true;
    }

    /** The frames sent out of this port since the last drain, oldest first. */
    List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>(sent);
        sent.clear();
        return out;
    }

    /** Drops the queued frames without copying them out (the fuzz test's sink). */
    void clear() {
        sent.clear();
    }

    /**
     * Delivers {@code frame} to the bridge as if it had arrived from this port's device at {@code now}, in a
     * direct buffer of exactly its size. Returns that buffer so a test can check nobody wrote to it.
     */
    ByteBuffer inject(byte[] frame, long now) {
        ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
        for (int i = 0; i < frame.length; i++) {
            buf.put(i, frame[i]);
        }
        bridge.receive(port, buf, frame.length, now);
        return buf;
    }

    /** {@link #inject(byte[], long)} at time 0, for tests where time does not matter. */
    ByteBuffer inject(byte[] frame) {
        return inject(frame, 0);
    }

    @Override
    public String toString() {
        return port.name();
    }
}
