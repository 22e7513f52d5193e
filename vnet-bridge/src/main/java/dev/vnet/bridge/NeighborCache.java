package dev.vnet.bridge;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's ARP cache: IPv4 address to MAC, learned from the ARP traffic it sees.
 *
 * <p>Entries are trusted for {@link #ENTRY_LIFETIME_NANOS} (60 s) after they were last confirmed, about as
 * long as the Linux neighbour table keeps an entry reachable.
 */
public final class NeighborCache {
    public static final long ENTRY_LIFETIME_NANOS = 60L * 1_000_000_000L;

    private record Entry(long mac, long updatedNanos) {}

    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();

    public void update(int ip, long mac, long now) {
        entries.put(ip, new Entry(mac, now));
    }

    /** The MAC for {@code ip}, or -1 if unknown or stale. */
    public long lookup(int ip, long now) {
        Entry e = entries.get(ip);
        if (e == null || now - e.updatedNanos > ENTRY_LIFETIME_NANOS) {
            return -1;
        }
        return e.mac;
    }

    public void remove(int ip) {
        entries.remove(ip);
    }

    public int expire(long now) {
        int before = entries.size();
        entries.values().removeIf(e -> now - e.updatedNanos > ENTRY_LIFETIME_NANOS);
        return before - entries.size();
    }

    /** A snapshot, ordered by address, for listings. */
    public Map<Integer, Long> snapshot() {
        Map<Integer, Long> out = new TreeMap<>(Integer::compareUnsigned);
        entries.forEach((ip, e) -> out.put(ip, e.mac));
        return out;
    }
}
