package dev.vnet.bridge;

import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's ARP cache: IPv4 address to MAC, learned from the ARP traffic it sees.
 *
 * <p>Entries are trusted for {@link #ENTRY_LIFETIME_NANOS} (60 s) after they were last confirmed, about as
 * long as the Linux neighbour table keeps an entry reachable. Lookups happen for every packet routed to a local
 * pod, so they read an immutable open-addressing table keyed by the raw address, without locks, boxing or
 * allocation; updates (ARP traffic, rare) copy the table under a lock, as the FDB does.
 */
public final class NeighborCache {
    public static final long ENTRY_LIFETIME_NANOS = 60L * 1_000_000_000L;

    private static final class Entry {
        final int ip;
        final long mac;
        volatile long updatedNanos;

        Entry(int ip, long mac, long updatedNanos) {
            this.ip = ip;
            this.mac = mac;
            this.updatedNanos = updatedNanos;
        }
    }

    private volatile Entry[] table = new Entry[16];
    private int size;

    public synchronized void update(int ip, long mac, long now) {
        Entry have = find(table, ip);
        if (have != null && have.mac == mac) {
            have.updatedNanos = now; // confirmed again: refresh in place, no copy
            return;
        }
        rebuild(ip, new Entry(ip, mac, now));
    }

    /** The MAC for {@code ip}, or -1 if unknown or stale. */
    public long lookup(int ip, long now) {
        Entry e = find(table, ip);
        if (e == null || now - e.updatedNanos > ENTRY_LIFETIME_NANOS) {
            return -1;
        }
        return e.mac;
    }

    public synchronized void remove(int ip) {
        if (find(table, ip) != null) {
            rebuild(ip, null);
        }
    }

    public synchronized int expire(long now) {
        int before = size;
        Entry[] old = table;
        Entry[] t = new Entry[old.length];
        int kept = 0;
        for (Entry e : old) {
            if (e != null && now - e.updatedNanos <= ENTRY_LIFETIME_NANOS) {
                insert(t, e);
                kept++;
            }
        }
        size = kept;
        table = t;
        return before - kept;
    }

    /** A snapshot, ordered by address, for listings. */
    public Map<Integer, Long> snapshot() {
        Map<Integer, Long> out = new TreeMap<>(Integer::compareUnsigned);
        for (Entry e : table) {
            if (e != null) {
                out.put(e.ip, e.mac);
            }
        }
        return out;
    }

    /** Copies the table without {@code ip}'s entry, adding {@code replacement} if not null. Holds the lock. */
    private void rebuild(int ip, Entry replacement) {
        Entry[] old = table;
        int n = 0;
        for (Entry e : old) {
            if (e != null && e.ip != ip) {
                n++;
            }
        }
        int count = n + (replacement == null ? 0 : 1);
        int capacity = 16;
        while (count * 2 > capacity) {
            capacity *= 2;
        }
        Entry[] t = new Entry[capacity];
        for (Entry e : old) {
            if (e != null && e.ip != ip) {
                insert(t, e);
            }
        }
        if (replacement != null) {
            insert(t, replacement);
        }
        size = count;
        table = t;
    }

    private static Entry find(Entry[] t, int ip) {
        int mask = t.length - 1;
        for (int i = slot(ip, mask); ; i = (i + 1) & mask) {
            Entry e = t[i];
            if (e == null) {
                return null;
            }
            if (e.ip == ip) {
                return e;
            }
        }
    }

    private static void insert(Entry[] t, Entry e) {
        int mask = t.length - 1;
        int i = slot(e.ip, mask);
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        t[i] = e;
    }

    private static int slot(int ip, int mask) {
        return (ip * 0x9E3779B1 >>> 16) & mask;
    }
}
