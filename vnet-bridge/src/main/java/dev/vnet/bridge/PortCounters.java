package dev.vnet.bridge;

import dev.vnet.core.packet.DropCounts;
import dev.vnet.core.packet.DropReason;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Packets and bytes each way through one port, and the frames dropped there, by reason. */
public final class PortCounters {
    final LongAdder rxPackets = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder txPackets = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    private final DropCounts drops = new DropCounts();

    void received(int length) {
        rxPackets.increment();
        rxBytes.add(length);
    }

    void sent(int length) {
        txPackets.increment();
        txBytes.add(length);
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
