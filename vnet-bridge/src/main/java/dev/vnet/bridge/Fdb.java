package dev.vnet.bridge;

import java.util.ArrayList;
import java.util.List;

/**
 * The forwarding database: which port each source MAC was last seen on.
 *
 * <p>Readers (every port's reader thread) look up without locks or allocation: the table is an immutable
 * open-addressing array behind a volatile reference. A MAC seen again on the same port only refreshes its
 * entry's timestamp; a new MAC, a move to another port or an expiry copies the table under a lock. On a node
 * that holds tens of MACs that is cheap, and it happens only when the topology changes.
 *
 * <p>Entries age out after {@link #DEFAULT_AGEING_NANOS} (300 s, the Linux bridge's default ageing time);
 * an expired entry is treated as unknown even before {@link #expire} removes it. Static entries never age.
 */
public final class Fdb {
    public static final long DEFAULT_AGEING_NANOS = 300L * 1_000_000_000L;
    /**
     * At most this many learned entries. A pod sending from ever-new source MACs (a MAC flood) would otherwise
     * grow the table without bound; past the limit new MACs are not learned and their frames are flooded.
     */
    public static final int MAX_LEARNED = 4096;

    /** A learned (or static) MAC and where it lives. */
    public static final class Entry {
        final long mac;
        final BridgePort port;
        final boolean isStatic;
        volatile long lastSeenNanos;

        Entry(long mac, BridgePort port, boolean isStatic, long now) {
            this.mac = mac;
            this.port = port;
            this.isStatic = isStatic;
            this.lastSeenNanos = now;
        }

        public long mac() {
            return mac;
        }

        public BridgePort port() {
            return port;
        }

        public boolean isStatic() {
            return isStatic;
        }

        public long lastSeenNanos() {
            return lastSeenNanos;
        }
    }

    /** What learning a source address did, for the bridge's counters and traces. */
    public enum Learned { REFRESHED, NEW, MOVED, FULL }

    private final long ageingNanos;
    private volatile Entry[] table = new Entry[16];
    private int size;
    private long lastFullExpire = Long.MIN_VALUE / 2;

    public Fdb() {
        this(DEFAULT_AGEING_NANOS);
    }

    public Fdb(long ageingNanos) {
        this.ageingNanos = ageingNanos;
    }

    public long ageingNanos() {
        return ageingNanos;
    }

    /** The port that {@code mac} lives behind, or null if it is unknown or its entry has aged out. */
    public BridgePort lookup(long mac, long now) {
        Entry e = find(table, mac);
        if (e == null || (!e.isStatic && now - e.lastSeenNanos > ageingNanos)) {
            return null;
        }
        return e.port;
    }

    /** Records that {@code mac} was seen as a source on {@code port}. */
    public Learned learn(long mac, BridgePort port, long now) {
        Entry e = find(table, mac);
        if (e != null && e.port == port) {
            if (!e.isStatic) {
                e.lastSeenNanos = now;
            }
            return Learned.REFRESHED;
        }
        synchronized (this) {
            Entry current = find(table, mac);
            if (current != null && current.isStatic) {
                return Learned.REFRESHED; // a static entry (the gateway's own MAC) is never moved by traffic
            }
            if (current == null && size >= MAX_LEARNED) {
                // Full: try ageing out old entries, at most once a second so a flood cannot make us spin.
                if (now - lastFullExpire < 1_000_000_000L || expire(now) == 0) {
                    lastFullExpire = now;
                    return Learned.FULL;
                }
            }
            put(new Entry(mac, port, false, now));
            return current == null ? Learned.NEW : Learned.MOVED;
        }
    }

    /** Pins {@code mac} to {@code port}; it never ages and traffic cannot move it. */
    public synchronized void addStatic(long mac, BridgePort port) {
        put(new Entry(mac, port, true, 0));
    }

    /** Removes entries older than the ageing time; returns how many went. */
    public synchronized int expire(long now) {
        return removeIf(e -> !e.isStatic && now - e.lastSeenNanos > ageingNanos);
    }

    /** Forgets every entry that points at {@code port} (the port is going away). */
    public synchronized int removePort(BridgePort port) {
        return removeIf(e -> e.port == port);
    }

    /** A snapshot of all entries, for {@code vnet} listings. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (Entry e : table) {
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    public synchronized int size() {
        return size;
    }

    private static Entry find(Entry[] t, long mac) {
        int mask = t.length - 1;
        for (int i = slot(mac, mask); ; i = (i + 1) & mask) {
            Entry e = t[i];
            if (e == null) {
                return null;
            }
            if (e.mac == mac) {
                return e;
            }
        }
    }

    // Callers hold the lock.
    private void put(Entry entry) {
        Entry[] old = table;
        boolean replacing = find(old, entry.mac) != null;
        int newSize = replacing ? size : size + 1;
        int capacity = old.length;
        while (newSize * 2 > capacity) {
            capacity *= 2;
        }
        Entry[] t = new Entry[capacity];
        for (Entry e : old) {
            if (e != null && e.mac != entry.mac) {
                insert(t, e);
            }
        }
        insert(t, entry);
        size = newSize;
        table = t;
    }

    private int removeIf(java.util.function.Predicate<Entry> gone) {
        Entry[] old = table;
        Entry[] t = new Entry[old.length];
        int removed = 0;
        for (Entry e : old) {
            if (e == null) {
                continue;
            }
            if (gone.test(e)) {
                removed++;
            } else {
                insert(t, e);
            }
        }
        if (removed > 0) {
            size -= removed;
            table = t;
        }
        return removed;
    }

    private static void insert(Entry[] t, Entry e) {
        int mask = t.length - 1;
        int i = slot(e.mac, mask);
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        t[i] = e;
    }

    private static int slot(long mac, int mask) {
        long h = mac * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
