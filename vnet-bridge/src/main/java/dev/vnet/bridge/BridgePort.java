package dev.vnet.bridge;

import dev.vnet.core.capture.FrameObserver;
import java.nio.ByteBuffer;

/** One port of a {@link Bridge}: a name, where its frames go out, its counters and its capture hooks. */
public final class BridgePort {
    private final int id;
    private final String name;
    private final FrameSink sink;
    private final PortCounters counters = new PortCounters();
    private volatile boolean up = true;
    /** Capture hooks: null unless someone watches this port. */
    volatile FrameObserver rxObserver;
    volatile FrameObserver txObserver;

    BridgePort(int id, String name, FrameSink sink) {
        this.id = id;
        this.name = name;
        this.sink = sink;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public PortCounters counters() {
        return counters;
    }

    public boolean isUp() {
        return up;
    }

    void setDown() {
        up = false;
    }

    /** Watches frames entering the bridge through this port (from the device) and leaving by it. */
    public void observe(FrameObserver rx, FrameObserver tx) {
        rxObserver = rx;
        txObserver = tx;
    }

    /** Sends a frame out of this port, counting it or its drop. */
    void transmit(ByteBuffer frame, int length, long now) {
        FrameObserver obs = txObserver;
        if (obs != null) {
            obs.frame(frame, 0, length, now);
        }
        if (sink.send(frame, length, now)) {
            counters.sent(length);
        } else {
            counters.drop(dev.vnet.core.packet.DropReason.QUEUE_FULL);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
