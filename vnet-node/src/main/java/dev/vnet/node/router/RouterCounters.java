package dev.vnet.node.router;

import dev.vnet.core.packet.DropCounts;
import dev.vnet.core.packet.DropReason;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What the router did with the packets it saw: where it sent them, and why it dropped the others. */
public final class RouterCounters {
    /** Where a routed packet went. */
    public enum Route { LOCAL_POD, OVERLAY, NODE_TUN }

    private final LongAdder[] routed = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder icmpErrors = new LongAdder();
    private final DropCounts drops = new DropCounts();

    void count(Route r) {
        routed[r.ordinal()].increment();
    }

    void icmpError() {
        icmpErrors.increment();
    }

    DropReason drop(DropReason r) {
        drops.count(r);
        return r;
    }

    public long routed(Route r0) {
        return routed[r0.ordinal()].sum();
    }

    public long icmpErrors() {
        return icmpErrors.sum();
    }

    public long drops(DropReason r) {
        return drops.get(r);
    }

    public Map<DropReason, Long> dropsByReason() {
        return drops.byReason();
    }
}
