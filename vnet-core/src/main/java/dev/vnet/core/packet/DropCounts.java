package dev.vnet.core.packet;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Packets dropped at one place of the data path, counted by {@link DropReason}: one slot per reason, bumped
 * lock-free by any data-path thread without allocating, read at any time (`vnet stats`, metrics).
 */
public final class DropCounts {
    private final AtomicLongArray counts = new AtomicLongArray(DropReason.values().length);

    /** Counts one drop and returns its reason, so a stage can {@code return drops.count(r);}. */
    public DropReason count(DropReason reason) {
        counts.incrementAndGet(reason.ordinal());
        return reason;
    }

    public long get(DropReason reason) {
        return counts.get(reason.ordinal());
    }

    public long total() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    /** The non-zero counts, by reason. */
    public Map<DropReason, Long> byReason() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long n = counts.get(r.ordinal());
            if (n != 0) {
                out.put(r, n);
            }
        }
        return out;
    }
}
