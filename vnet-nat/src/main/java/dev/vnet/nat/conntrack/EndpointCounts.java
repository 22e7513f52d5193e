package dev.vnet.nat.conntrack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * How many tracked connections reply from each address and port: the "active connections" that the
 * least-connections balancer compares. A small open-addressing map from (IPv4 address, port) to a count.
 *
 * <p>{@link Conntrack} changes it under its write lock; {@link #get} reads without locking or allocating.
 * A key is written (with release semantics) after its count, so a reader that sees the key sees a count;
 * counts are then read and written opaquely, so a reader may see one a moment old, which is all a balancer
 * needs. Keys whose count fell to zero are dropped when the map grows.
 */
final class EndpointCounts {
    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(int[].class);
    /** Keys are 48 bits (address and port), so -1 is never one. */
    private static final long EMPTY = -1L;
    private static final int MIN_CAPACITY = 16;

    private static final class Table {
        final long[] keys;
        final int[] counts;
        int used;

        Table(int capacity) {
            keys = new long[capacity];
            counts = new int[capacity];
            Arrays.fill(keys, EMPTY);
        }
    }

    private volatile Table table = new Table(MIN_CAPACITY);

    /** Connections replying from {@code ip}:{@code port}; 0 if none. Lock-free. */
    int get(int ip, int port) {
        Table t = table;
        long key = key(ip, port);
        int mask = t.keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = (long) KEYS.getAcquire(t.keys, i);
            if (k == EMPTY) {
                return 0;
            }
            if (k == key) {
                return (int) COUNTS.getOpaque(t.counts, i);
            }
        }
    }

    /** Adds {@code delta} (+1 or -1) to the count of {@code ip}:{@code port}. Callers hold Conntrack's lock. */
    void add(int ip, int port, int delta) {
        long key = key(ip, port);
        Table t = table;
        int mask = t.keys.length - 1;
        int i = slot(key, mask);
        for (; ; i = (i + 1) & mask) {
            long k = t.keys[i];
            if (k == key) {
                COUNTS.setOpaque(t.counts, i, t.counts[i] + delta);
                return;
            }
            if (k == EMPTY) {
                break;
            }
        }
        if (delta <= 0) {
            return; // nothing to take from
        }
        if ((t.used + 1) * 4 > t.keys.length * 3) {
            t = grow(t);
            mask = t.keys.length - 1;
            i = slot(key, mask);
            while (t.keys[i] != EMPTY) {
                i = (i + 1) & mask;
            }
        }
        t.counts[i] = delta;
        KEYS.setRelease(t.keys, i, key);
        t.used++;
    }

    private Table grow(Table old) {
        int live = 0;
        for (int i = 0; i < old.keys.length; i++) {
            if (old.keys[i] != EMPTY && old.counts[i] > 0) {
                live++;
            }
        }
        int capacity = MIN_CAPACITY;
        while (capacity < (live + 1) * 4) {
            capacity <<= 1;
        }
        Table t = new Table(capacity);
        int mask = capacity - 1;
        for (int i = 0; i < old.keys.length; i++) {
            if (old.keys[i] != EMPTY && old.counts[i] > 0) {
                int j = slot(old.keys[i], mask);
                while (t.keys[j] != EMPTY) {
                    j = (j + 1) & mask;
                }
                t.keys[j] = old.keys[i];
                t.counts[j] = old.counts[i];
                t.used++;
            }
        }
        table = t;
        return t;
    }

    private static long key(int ip, int port) {
        return Integer.toUnsignedLong(ip) << 16 | (port & 0xFFFF);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
