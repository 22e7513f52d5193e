package dev.vnet.node.router;

import dev.vnet.core.packet.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** What one stage of the pipeline did: packets it was given, let through, sent on itself, dropped by reason. */
public final class StageCounters {
    private final LongAdder packets = new LongAdder();
    private final LongAdder passed = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final AtomicLongArray drops = new AtomicLongArray(DropReason.values().length);

    void count(Verdict verdict, DropReason reason) {
        packets.increment();
        switch (verdict) {
            case CONTINUE -> passed.increment();
            case SENT -> sent.increment();
            case DROPPED -> drops.incrementAndGet(reason.ordinal());
            default -> throw new AssertionError(verdict);
        }
    }

    public long packets() {
        return packets.sum();
    }

    /** Packets the stage let go on to the next stage. */
    public long passed() {
        return passed.sum();
    }

    /** Packets the stage sent on (or answered) itself. */
    public long sent() {
        return sent.sum();
    }

    public long drops(DropReason r) {
        return drops.get(r.ordinal());
    }

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
