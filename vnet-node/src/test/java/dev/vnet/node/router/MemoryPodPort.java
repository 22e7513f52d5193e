package dev.vnet.node.router;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.FrameSink;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's port on the bridge, in memory: what the bridge sends out of it is copied into a list that
 * {@link #drain} empties, and {@link #inject} plays a frame the pod's kernel wrote to its TAP.
 */
final class MemoryPodPort implements FrameSink {
    private final Bridge bridge;
    private final BridgePort port;
    private final List<byte[]> sent = new ArrayList<>();

    MemoryPodPort(Bridge bridge, String name) {
        this.bridge = bridge;
        this.port = bridge.attach(name, this);
    }

    BridgePort port() {
        return port;
    }

    /** Copies bytes {@code [0, length)}: the buffer is only borrowed. */
    @Override
    public boolean send(ByteBuffer frame, int length, long nowNanos) {
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

    /**
     * Delivers {@code frame} to the bridge as arriving on this port at {@code now}, in a direct buffer of
     * exactly its size; returns that buffer so a test can check nobody wrote to it.
     */
    ByteBuffer inject(byte[] frame, long now) {
        ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
        buf.put(0, frame);
        bridge.receive(port, buf, frame.length, now);
        return buf;
    }

    @Override
    public String toString() {
        return port.name();
    }
}
