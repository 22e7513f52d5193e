package dev.vnet.bridge;

import dev.vnet.core.packet.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Packets and bytes each way through one port, and the frames dropped there, by reason. */
public final class PortCounters {
    final LongAdder rxPackets = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder txPackets = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    private final AtomicLongArray drops = new AtomicLongArray(DropReason.values().length);

    void received(int length) {
        rxPackets.increment();
        rxBytes.add(length);
    }

    void sent(int length) {
        txPackets.increment();
        txBytes.add(length);
    }

    public void drop(DropReason reason) {
        drops.incrementAndGet(reason.ordinal());
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
        return drops.get(reason.ordinal());
    }

    public long totalDrops() {
        long total = 0;
        for (int i = 0; i < drops.length(); i++) {
            total += drops.get(i);
        }
        return total;
    }

    /** The non-zero drop counts, by reason. */
    public Map<DropReason, Long> dropsByReason() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long n = drops.get(r.ordinal());
            if (n != 0) {
                out.put(r, n);
            }
        }
        return out;
    }
}
