package dev.vnet.nat.lb;

import java.util.Arrays;
import java.util.List;

/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4), as IPVS's {@code mh} scheduler and Cilium use it.
 *
 * <p>A lookup table of M slots (M prime) maps every slot to an endpoint. Each endpoint has its own
 * permutation of the slots, from two hashes of its name ({@code "10.244.1.3:8080"}):
 * {@code offset = h1 mod M}, {@code skip = h2 mod (M − 1) + 1}, and its j-th preference is
 * {@code (offset + j × skip) mod M}; M prime makes that a permutation. The endpoints then take turns, each
 * claiming its next preferred slot that is still free, until the table is full. So:
 * <ul>
 *   <li>every endpoint gets ⌊M/N⌋ or ⌈M/N⌉ slots (the turns are strict);
 *   <li>when an endpoint goes, most slots keep their endpoint: the others' preferences did not change,
 *       so mostly the slots of the one that left are handed out again;
 *   <li>every node builds the same table from the same endpoints, without talking to the others.
 * </ul>
 * A pick hashes the client's address and port to a slot. The table is built when the endpoint list changes
 * (compared by identity first, then by equality) and cached, so a pick is a hash and an array read; building
 * takes O(M log M) on average and happens under a lock, while picks on the old table carry on.
 */
public final class MaglevBalancer implements Balancer {
    /** The default table size: a prime comfortably above 100 × the endpoints of any Service here. */
    public static final int DEFAULT_TABLE_SIZE = 65_537;

    private record Table(List<Endpoint> source, List<Endpoint> endpoints, int[] slots) {
    }

    private final int tableSize;
    private volatile Table table;

    public MaglevBalancer() {
        this(DEFAULT_TABLE_SIZE);
    }

    /** A balancer with a table of {@code tableSize} slots, which must be a prime. */
    public MaglevBalancer(int tableSize) {
        if (tableSize < 2 || !isPrime(tableSize)) {
            throw new IllegalArgumentException("Maglev table size must be a prime, got " + tableSize);
        }
        this.tableSize = tableSize;
    }

    public int tableSize() {
        return tableSize;
    }

    @Override
    public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
        if (endpoints.isEmpty()) {
            return null;
        }
        int[] slots = tableFor(endpoints);
        int slot = (int) Long.remainderUnsigned(flowHash(clientIp, clientPort), tableSize);
        int index = slots[slot];
        return new Choice(index, "maglev table slot " + slot + " → " + index);
    }

    @Override
    public String name() {
        return "maglev";
    }

    /** A copy of the lookup table for {@code endpoints}: slot → endpoint index. */
    int[] lookupTable(List<Endpoint> endpoints) {
        return tableFor(endpoints).clone();
    }

    private int[] tableFor(List<Endpoint> endpoints) {
        Table t = table;
        if (t != null && (t.source == endpoints || t.endpoints.equals(endpoints))) {
            return t.slots;
        }
        synchronized (this) {
            t = table;
            if (t != null && (t.source == endpoints || t.endpoints.equals(endpoints))) {
                return t.slots;
            }
            List<Endpoint> copy = List.copyOf(endpoints);
            t = new Table(endpoints, copy, populate(copy, tableSize));
            table = t;
            return t.slots;
        }
    }

    /** The population algorithm of the paper's Pseudocode 1. */
    static int[] populate(List<Endpoint> endpoints, int m) {
        int n = endpoints.size();
        long[] offset = new long[n];
        long[] skip = new long[n];
        for (int i = 0; i < n; i++) {
            String name = endpoints.get(i).toString();
            offset[i] = Long.remainderUnsigned(hash(name, 0x6D61676C65764F46L), m);
            skip[i] = Long.remainderUnsigned(hash(name, 0x6D61676C65765348L), m - 1) + 1;
        }
        int[] slots = new int[m];
        Arrays.fill(slots, -1);
        if (n == 0) {
            return slots; // no endpoint: every slot empty
        }
        long[] next = new long[n]; // how far down its preference list each endpoint has got
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                int c = (int) ((offset[i] + next[i] * skip[i]) % m);
                while (slots[c] >= 0) {
                    next[i]++;
                    c = (int) ((offset[i] + next[i] * skip[i]) % m);
                }
                slots[c] = i;
                next[i]++;
                if (++filled == m) {
                    return slots;
                }
            }
        }
    }

    /** FNV-1a over the name's characters, then SplitMix64's finaliser; {@code seed} makes h1 and h2 differ. */
    private static long hash(String name, long seed) {
        long h = 0xCBF29CE484222325L ^ seed;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    private static long flowHash(int clientIp, int clientPort) {
        return mix((Integer.toUnsignedLong(clientIp) << 16 | (clientPort & 0xFFFF)) * 0x9E3779B97F4A7C15L);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static boolean isPrime(int m) {
        if (m % 2 == 0) {
            return m == 2;
        }
        for (int d = 3; (long) d * d <= m; d += 2) {
            if (m % d == 0) {
                return false;
            }
        }
        return true;
    }
}
