package dev.vnet.node.router;

import dev.vnet.core.packet.DropCounts;
import dev.vnet.core.packet.DropReason;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What one stage of the pipeline did: packets it was given, let through, sent on itself, dropped by reason. */
public final class StageCounters {
    private final LongAdder packets = new LongAdder();
    private final LongAdder passed = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final DropCounts drops = new DropCounts();

    void count(Verdict verdict, DropReason reason) {
        packets.increment();
        switch (verdict) {
            case CONTINUE -> passed.increment();
            case SENT -> sent.increment();
            case DROPPED -> drops.count(reason);
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
        return drops.get(r);
    }

    public Map<DropReason, Long> dropsByReason() {
        return drops.byReason();
    }
}
