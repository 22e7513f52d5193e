package dev.vnet.bridge;

import dev.vnet.core.packet.DropCounts;
import dev.vnet.core.packet.DropReason;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Packets and bytes each way through one port, and the frames dropped there, by reason. A super-frame
 * (offloads) counts as one packet and as the wire-sized segments it stands for, so that the segment counts
 * are comparable with a port, or a kernel, without offloads.
 */
public final class PortCounters {
    final LongAdder rxPackets = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder txPackets = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    final LongAdder rxSegments = new LongAdder();
    final LongAdder txSegments = new LongAdder();
    private final LongAdder answersPickedUp = new LongAdder();
    private final DropCounts drops = new DropCounts();

    void received(int length, int segments) {
        rxPackets.increment();
        rxBytes.add(length);
        rxSegments.add(segments);
    }

    void sent(int length, int segments) {
        txPackets.increment();
        txBytes.add(length);
        txSegments.add(segments);
    }

    /** A frame read from the port's device by the thread that had just written into it, not by its reader. */
    public void answerPickedUp() {
        answersPickedUp.increment();
    }

    /** Frames of {@link #rxPackets} read by the thread that had just written into the port (a pod's answer). */
    public long answersPickedUp() {
        return answersPickedUp.sum();
    }

    public void drop(DropReason reason) {
        drops.count(reason);
    }

    public long rxPackets() {
        return rxPackets.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    public long txPackets() {
        return txPackets.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    /** Wire-sized segments received: rxPackets plus what super-frames stood for beyond one each. */
    public long rxSegments() {
        return rxSegments.sum();
    }

    public long txSegments() {
        return txSegments.sum();
    }

    public long drops(DropReason reason) {
        return drops.get(reason);
    }

    public long totalDrops() {
        return drops.total();
    }

    /** The non-zero drop counts, by reason. */
    public Map<DropReason, Long> dropsByReason() {
        return drops.byReason();
    }
}
