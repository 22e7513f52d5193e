package dev.vnet.bridge;

import dev.vnet.core.capture.FrameObserver;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.VirtioNetHeader;
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

    /** True if frames leave this port as they came, super-frames and partial checksums included. */
    public boolean takesOffloads() {
        return sink.takesOffloads();
    }

    /**
     * Sends a frame out of this port, counting it or its drop. A super-frame or a partial checksum goes out as
     * it is to a sink that takes offloads, else cut into segments with complete checksums first (in a buffer
     * of the calling thread, the frame itself being shared), each segment captured and counted as a frame.
     */
    void transmit(ByteBuffer frame, int length, long offload, long now) {
        if (!VirtioNetHeader.needsSoftware(offload) || sink.takesOffloads()) {
            FrameObserver obs = txObserver;
            if (obs != null) {
                obs.frame(frame, 0, length, now);
            }
            if (offload == VirtioNetHeader.NONE ? sink.send(frame, length, now) : sink.send(frame, length, offload, now)) {
                counters.sent(length, Segmenter.segmentsOf(frame, 0, length, EthernetFrame.HEADER_LEN, offload));
            } else {
                counters.drop(DropReason.QUEUE_FULL);
            }
            return;
        }
        Scratch s = SCRATCH.get();
        DropReason bad = s.segmenter.start(frame, 0, length, EthernetFrame.HEADER_LEN, offload);
        if (bad != DropReason.NONE) {
            counters.drop(bad);
            return;
        }
        for (int n = s.segmenter.next(s.buf, 0); n >= 0; n = s.segmenter.next(s.buf, 0)) {
            FrameObserver obs = txObserver;
            if (obs != null) {
                obs.frame(s.buf, 0, n, now);
            }
            if (sink.send(s.buf, n, now)) {
                counters.sent(n, 1);
            } else {
                counters.drop(DropReason.QUEUE_FULL);
            }
        }
    }

    /** A forwarding thread's segmenter and the buffer one segment is built in. */
    private static final class Scratch {
        final Segmenter segmenter = new Segmenter();
        final ByteBuffer buf = ByteBuffer.allocateDirect(65536 + 64);
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    public String toString() {
        return name;
    }
}
