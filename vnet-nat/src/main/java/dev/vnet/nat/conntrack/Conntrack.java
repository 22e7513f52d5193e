package dev.vnet.nat.conntrack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The connection tracking table: every connection the node's NAT has seen, found by the tuple of a packet
 * in either direction, so that the first packet's load-balancing decision holds for the whole connection
 * and replies are translated back. It does what Linux's nf_conntrack does for kube-proxy.
 *
 * <h2>How a router uses it</h2>
 * <pre>
 *   Lookup hit = conntrack.lookup(proto, src, sport, dst, dport, now);   // or find + entry.directionOf
 *   if (hit == null) {                       // a new connection: pick an endpoint, then
 *       ConnEntry e = conntrack.create(proto, src, sport, dst, dport,      // original tuple
 *                                      ep, epPort, src, sport,            // reply tuple (DNAT only)
 *                                      label, now);
 *       if (e == null) drop;                  // table full even after early drop, or a tuple clash
 *       hit = e.tuple(Direction.ORIGINAL);
 *   }
 *   conntrack.update(hit.entry(), hit.direction(), tcpFlags, length, now);   // every packet, the first too
 *   NatRewriter.rewrite(buf, ip, hit.translatedSrcIp(), hit.translatedSrcPort(),
 *                       hit.translatedDstIp(), hit.translatedDstPort());
 * </pre>
 * For ICMP echo the identifier stands in for both ports (as in Linux), and the echo request and its reply
 * match the two directions of one entry. Ports are passed as unsigned 16-bit values, protocols as IPv4
 * protocol numbers. Time is always a parameter: the table never reads a clock.
 *
 * <h2>The table</h2>
 * One open-addressing array of {@link Lookup} references, indexed by both tuples of every entry (Linux's
 * two {@code tuplehash} entries per connection). A {@code Lookup} carries its own tuple, so a probe compares
 * five ints without touching the connection; it also knows its direction and is immutable, so
 * {@link #lookup} returns it as the answer and a hit allocates nothing. Linear probing; the array doubles so
 * that live keys stay at most half of it, and removed keys leave a tombstone until the next rebuild.
 * A hash seed chosen per table keeps a sender from steering tuples into one probe chain.
 *
 * <p>Memory per connection (64-bit JVM, compressed references): the {@link ConnEntry} is 72 bytes, its two
 * {@code Lookup}s 40 bytes each, and its two slots 8 to 16 bytes depending on the fill: about 170 bytes;
 * ConntrackMemoryTest measures 1,000,000 connections at 165 MB (173 bytes each, 4M slots). The label is held
 * by reference: share one String per Service and endpoint where you can; a distinct 60-character label per
 * connection costs about 100 bytes more.
 *
 * <h2>Under pressure</h2>
 * A new connection finds room as Linux's {@code early_drop} makes it. When the table is full, {@link #create}
 * looks at a bounded window of slots from the new original tuple's own slot ({@value #EARLY_DROP_SLOTS}
 * slots, about the tuples that Linux's 8 buckets hold in a full table): it removes the expired entries it
 * finds there, and if there were none it drops the entry of the window that is not {@link ConnEntry#assured
 * assured} and nearest its expiry (a half-open or unanswered connection). Only if the window holds neither is
 * the new connection refused ({@link #droppedFull}), after at most one sweep of the whole table per second.
 * So a flood of half-open connections cannot lock real clients out, and an assured connection is never
 * dropped early. The same holds for a SNAT port: {@link #create} may be told to take the reply tuple from a
 * connection that holds it and is not assured ({@link #reclaimed}), which is how the Service stage makes room
 * when every SNAT port toward an endpoint is taken. Early drop allocates nothing and does bounded work under
 * the write lock; readers are not slowed (a dropped entry reads as removed, as after {@link #remove}).
 *
 * <p>Not handled yet: once the table is 95% full, Linux's garbage collector also drops, as it walks the
 * table, unassured and closing (FIN_WAIT to CLOSE) connections before they expire; here only expiry, early
 * drop and reclaiming free room.
 *
 * <h2>Threads</h2>
 * Lookups are lock-free; changes take one lock. {@link #find} and {@link #lookup} read the array through a volatile reference
 * and its slots with acquire loads. A writer publishes a new {@code Lookup} with a release store after the
 * entry is fully built, marks a removed slot with a tombstone (never moving other keys, so no concurrent
 * probe chain breaks), and when it must grow or clean the table builds a new array and swaps the reference:
 * a reader still walking the old array sees the table as it was a moment ago. An entry removed while a
 * reader holds it is flagged, and reads as expired. A single write lock rather than stripes: only new
 * connections and expiry write, established traffic only reads, and one lock keeps the resizing simple.
 * {@link #update} locks only the entry it changes.
 */
public final class Conntrack {
    /** Linux's nf_conntrack_max on a machine with 8 GiB or more. */
    public static final int DEFAULT_MAX = 262_144;

    /** The largest table: 2^26 connections, 2^28 slots. */
    private static final int LARGEST_MAX = 1 << 26;
    private static final int MIN_SLOTS = 64;
    /** A full table expires stale entries at most this often, so a flood of new connections cannot spin. */
    private static final long FULL_EXPIRE_INTERVAL_NANOS = 1_000_000_000L;
    /** Slots a full table looks at, from the new tuple's own, for an entry to drop early. */
    static final int EARLY_DROP_SLOTS = 128;

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Lookup[].class);
    /** A removed key: probes walk past it, inserts reuse it. */
    private static final Lookup TOMBSTONE = new Lookup(null, null, -1, 0, 0, 0, 0);

    private final int maxEntries;
    private final Timeouts timeouts;
    private final long seed;
    private final EndpointCounts endpointCounts = new EndpointCounts();
    private final Object writeLock = new Object();

    private volatile Lookup[] slots = new Lookup[MIN_SLOTS];
    // Guarded by writeLock.
    private int usedSlots;   // keys plus tombstones
    private int tombstones;
    private boolean expiredWhenFull;
    private long lastFullExpire;
    // Written under writeLock, read by anyone.
    private volatile int size;
    private volatile long inserted;
    private volatile long droppedFull;
    private volatile long clashed;
    private volatile long expired;
    private volatile long earlyDropped;
    private volatile long reclaimed;

    /** A table of up to {@link #DEFAULT_MAX} connections with Linux's timeouts. */
    public Conntrack() {
        this(DEFAULT_MAX, Timeouts.defaults());
    }

    public Conntrack(int maxEntries, Timeouts timeouts) {
        if (maxEntries < 1 || maxEntries > LARGEST_MAX) {
            throw new IllegalArgumentException("conntrack max entries must be 1.." + LARGEST_MAX + ", got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.seed = new SplittableRandom().nextLong();
    }

    public int maxEntries() {
        return maxEntries;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    /**
     * The live connection whose original or reply tuple is the packet's tuple; null if none (or only an
     * expired one). Ask the entry {@link ConnEntry#directionOf} which way the packet goes, or use
     * {@link #lookup}, which answers both at once. Lock-free, allocation-free.
     */
    public ConnEntry find(int protocol, int srcIp, int srcPort, int dstIp, int dstPort, long now) {
        Lookup hit = lookup(protocol, srcIp, srcPort, dstIp, dstPort, now);
        return hit == null ? null : hit.entry();
    }

    /**
     * Like {@link #find}, but answers with the matching tuple, which knows its connection and its direction;
     * null if none. The result is the entry's own immutable tuple object, so nothing is allocated.
     */
    public Lookup lookup(int protocol, int srcIp, int srcPort, int dstIp, int dstPort, long now) {
        Lookup[] t = slots;
        int mask = t.length - 1;
        for (int i = slot(protocol, srcIp, srcPort, dstIp, dstPort, mask); ; i = (i + 1) & mask) {
            Lookup l = (Lookup) SLOTS.getAcquire(t, i);
            if (l == null) {
                return null;
            }
            // An expired or just-removed match may sit before a newer one for the same tuple; keep probing.
            if (l != TOMBSTONE && l.matches(protocol, srcIp, srcPort, dstIp, dstPort) && l.entry().liveAt(now)) {
                return l;
            }
        }
    }

    /**
     * Starts tracking a connection, under both tuples. The reply tuple is what replies will look like on the
     * wire: for DNAT its source is the endpoint; for SNAT its destination is the translated source.
     *
     * <p>Returns the existing entry if the original tuple is already tracked (two threads raced on one new
     * connection; the loser gets the winner's decision). A full table first makes room by early drop (see
     * the class comment). Returns null, and counts it, if the table is full even so ({@link #droppedFull()}),
     * or if either tuple is already another live connection's tuple ({@link #clashed()}: the caller chose a
     * SNAT port in use); {@link #find} on the two tuples tells which. The new entry has seen no packet: call
     * {@link #update} for the first packet too.
     */
    public ConnEntry create(int protocol, int origSrcIp, int origSrcPort, int origDstIp, int origDstPort,
                            int replySrcIp, int replySrcPort, int replyDstIp, int replyDstPort,
                            String label, long now) {
        return create(protocol, origSrcIp, origSrcPort, origDstIp, origDstPort,
                replySrcIp, replySrcPort, replyDstIp, replyDstPort, label, now, false);
    }

    /**
     * Like {@link #create(int, int, int, int, int, int, int, int, int, String, long)}; if {@code reclaim} is
     * true and the reply tuple belongs to a live connection that is not {@link ConnEntry#assured assured},
     * that connection is dropped early and the new one takes its tuple ({@link #reclaimed()}): a SNAT port
     * taken back from a half-open connection. An assured holder is never dropped: that is a clash.
     */
    public ConnEntry create(int protocol, int origSrcIp, int origSrcPort, int origDstIp, int origDstPort,
                            int replySrcIp, int replySrcPort, int replyDstIp, int replyDstPort,
                            String label, long now, boolean reclaim) {
        synchronized (writeLock) {
            Lookup existing = locate(protocol, origSrcIp, origSrcPort, origDstIp, origDstPort);
            if (existing != null) {
                ConnEntry e = existing.entry();
                if (!e.liveAt(now)) {
                    removeExpiredLocked(e);
                } else if (existing.direction() == Direction.ORIGINAL) {
                    return e;
                } else {
                    clashed++;
                    return null;
                }
            }
            Lookup replyClash = locate(protocol, replySrcIp, replySrcPort, replyDstIp, replyDstPort);
            if (replyClash != null) {
                ConnEntry holder = replyClash.entry();
                if (!holder.liveAt(now)) {
                    removeExpiredLocked(holder);
                } else if (reclaim && !holder.assured()) {
                    removeLocked(holder);
                    reclaimed++;
                } else {
                    clashed++;
                    return null;
                }
            }
            if (size >= maxEntries && !makeRoomLocked(protocol, origSrcIp, origSrcPort, origDstIp, origDstPort, now)) {
                droppedFull++;
                return null;
            }
            ConnEntry e = new ConnEntry(protocol, origSrcIp, origSrcPort, origDstIp, origDstPort,
                    replySrcIp, replySrcPort, replyDstIp, replyDstPort,
                    label, now + timeouts.of(protocol, TcpState.NONE, false));
            ensureRoomForTwoKeysLocked();
            insertLocked(e.tuple(Direction.ORIGINAL));
            insertLocked(e.tuple(Direction.REPLY));
            endpointCounts.add(replySrcIp, replySrcPort, 1);
            size++;
            inserted++;
            return e;
        }
    }

    /**
     * Accounts for one packet of {@code entry} travelling {@code direction}: advances the TCP state by
     * {@code tcpFlags} (the TCP flags byte; ignored for other protocols), marks the entry replied on a reply,
     * counts the packet and its {@code length} bytes, and sets the expiry to {@code now} plus the timeout of
     * the state reached. Locks only the entry.
     */
    public void update(ConnEntry entry, Direction direction, int tcpFlags, int length, long now) {
        entry.onPacket(direction, tcpFlags, length, now, timeouts);
    }

    /** Removes every entry expired at {@code now}; returns how many went. */
    public int expire(long now) {
        synchronized (writeLock) {
            int n = removeIfLocked(e -> !e.liveAt(now));
            expired += n;
            return n;
        }
    }

    /** Stops tracking {@code entry}; does nothing if it is already gone. */
    public void remove(ConnEntry entry) {
        synchronized (writeLock) {
            if (!entry.removed()) {
                removeLocked(entry);
            }
        }
    }

    /**
     * Removes every entry {@code gone} accepts, e.g. the UDP connections to an endpoint that went away (as
     * kube-proxy runs {@code conntrack -D}); returns how many went.
     */
    public int removeIf(Predicate<ConnEntry> gone) {
        synchronized (writeLock) {
            return removeIfLocked(gone);
        }
    }

    /** Every entry in the table, expired ones not yet removed included, in no particular order. */
    public List<ConnEntry> snapshot() {
        synchronized (writeLock) {
            List<ConnEntry> out = new ArrayList<>(size);
            for (Lookup l : slots) {
                if (l != null && l != TOMBSTONE && l.direction() == Direction.ORIGINAL) {
                    out.add(l.entry());
                }
            }
            return out;
        }
    }

    /** Entries in the table (expired ones not yet removed included). */
    public int size() {
        return size;
    }

    /**
     * Entries in the table whose replies come from {@code replySrcIp}:{@code replySrcPort}: the active
     * connections to that endpoint, for least-connections balancing. O(1), lock-free, allocation-free;
     * counts an entry until it is removed (by {@link #expire}, {@link #remove} or {@link #removeIf}).
     */
    public int countTo(int replySrcIp, int replySrcPort) {
        return endpointCounts.get(replySrcIp, replySrcPort);
    }

    /** Entries ever created. */
    public long inserted() {
        return inserted;
    }

    /** New connections refused because the table was full. */
    public long droppedFull() {
        return droppedFull;
    }

    /** New connections refused because a tuple belonged to another live connection. */
    public long clashed() {
        return clashed;
    }

    /** Entries removed because they expired. */
    public long expired() {
        return expired;
    }

    /**
     * Entries that were not assured, dropped to make room for a new connection in a full table (Linux's
     * {@code early_drop} statistic).
     */
    public long earlyDropped() {
        return earlyDropped;
    }

    /**
     * Entries that were not assured, dropped so that a new connection could take their reply tuple (a SNAT
     * port wanted back, see {@link #create(int, int, int, int, int, int, int, int, int, String, long, boolean)}).
     */
    public long reclaimed() {
        return reclaimed;
    }

    /** Slots in the index array (a power of two); for tests and memory estimates. */
    int slotCount() {
        return slots.length;
    }

    // ---- everything below runs under writeLock ----

    /** The key's Lookup, live or expired, or null. Under the lock every non-tombstone slot is in the table. */
    private Lookup locate(int protocol, int srcIp, int srcPort, int dstIp, int dstPort) {
        Lookup[] t = slots;
        int mask = t.length - 1;
        for (int i = slot(protocol, srcIp, srcPort, dstIp, dstPort, mask); ; i = (i + 1) & mask) {
            Lookup l = t[i];
            if (l == null) {
                return null;
            }
            if (l != TOMBSTONE && l.matches(protocol, srcIp, srcPort, dstIp, dstPort)) {
                return l;
            }
        }
    }

    /**
     * Makes room for one connection in a full table: early drop near the new tuple's slot, else a sweep of
     * expired entries if one is allowed now; true if either made room.
     */
    private boolean makeRoomLocked(int protocol, int srcIp, int srcPort, int dstIp, int dstPort, long now) {
        if (earlyDropLocked(protocol, srcIp, srcPort, dstIp, dstPort, now)) {
            return true;
        }
        if (expiredWhenFull && now - lastFullExpire < FULL_EXPIRE_INTERVAL_NANOS) {
            return false;
        }
        expiredWhenFull = true;
        lastFullExpire = now;
        int n = removeIfLocked(e -> !e.liveAt(now));
        expired += n;
        return size < maxEntries;
    }

    /**
     * Linux's early drop: in the {@link #EARLY_DROP_SLOTS} slots from the new tuple's own, removes the expired
     * entries, or if there are none the unassured entry nearest its expiry. True if an entry went. Bounded
     * work, no allocation; removal only writes tombstones, so the window can be walked while it changes.
     */
    private boolean earlyDropLocked(int protocol, int srcIp, int srcPort, int dstIp, int dstPort, long now) {
        Lookup[] t = slots;
        int mask = t.length - 1;
        int window = Math.min(EARLY_DROP_SLOTS, t.length);
        ConnEntry victim = null;
        boolean reaped = false;
        for (int n = 0, i = slot(protocol, srcIp, srcPort, dstIp, dstPort, mask); n < window; n++, i = (i + 1) & mask) {
            Lookup l = t[i];
            if (l == null || l == TOMBSTONE) {
                continue;
            }
            ConnEntry e = l.entry();
            if (!e.liveAt(now)) {
                removeExpiredLocked(e);
                reaped = true;
            } else if (!e.assured() && (victim == null || e.expiresAtNanos() - victim.expiresAtNanos() < 0)) {
                victim = e;
            }
        }
        if (reaped) {
            return true;
        }
        if (victim == null) {
            return false;
        }
        removeLocked(victim);
        earlyDropped++;
        return true;
    }

    private void removeExpiredLocked(ConnEntry e) {
        removeLocked(e);
        expired++;
    }

    private int removeIfLocked(Predicate<ConnEntry> gone) {
        Lookup[] t = slots;
        int n = 0;
        for (Lookup l : t) {
            // Each entry is visited once, at its original tuple; removal only writes tombstones, so the
            // array can be walked while it changes.
            if (l != null && l != TOMBSTONE && l.direction() == Direction.ORIGINAL && gone.test(l.entry())) {
                removeLocked(l.entry());
                n++;
            }
        }
        if (tombstones * 4 > t.length) {
            rebuildLocked(capacityFor(usedSlots - tombstones));
        }
        return n;
    }

    private void removeLocked(ConnEntry e) {
        Lookup original = e.tuple(Direction.ORIGINAL);
        Lookup reply = e.tuple(Direction.REPLY);
        bury(original);
        bury(reply);
        e.markRemoved();
        endpointCounts.add(reply.srcIp(), reply.srcPort(), -1);
        size--;
    }

    /** Replaces {@code key}'s slot with a tombstone. */
    private void bury(Lookup key) {
        Lookup[] t = slots;
        int mask = t.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            Lookup l = t[i];
            if (l == key) {
                SLOTS.setRelease(t, i, TOMBSTONE);
                tombstones++;
                return;
            }
            if (l == null) {
                throw new IllegalStateException("conntrack index lost " + key); // a bug, never data
            }
        }
    }

    private void ensureRoomForTwoKeysLocked() {
        Lookup[] t = slots;
        if ((usedSlots + 2) * 4L <= t.length * 3L) {
            return; // at most three quarters used, tombstones included, so probes always end
        }
        rebuildLocked(capacityFor(usedSlots - tombstones + 2));
    }

    /** The smallest power of two that keeps {@code keys} at most half full. */
    private static int capacityFor(int keys) {
        int capacity = MIN_SLOTS;
        while (capacity < keys * 2L) {
            capacity <<= 1;
        }
        return capacity;
    }

    /** Copies the live keys into a fresh array of {@code capacity} slots and publishes it. */
    private void rebuildLocked(int capacity) {
        Lookup[] old = slots;
        Lookup[] t = new Lookup[capacity];
        int mask = capacity - 1;
        int keys = 0;
        for (Lookup l : old) {
            if (l != null && l != TOMBSTONE) {
                int i = slot(l, mask);
                while (t[i] != null) {
                    i = (i + 1) & mask;
                }
                t[i] = l;
                keys++;
            }
        }
        usedSlots = keys;
        tombstones = 0;
        slots = t; // the volatile write publishes the plain stores above
    }

    private void insertLocked(Lookup key) {
        Lookup[] t = slots;
        int mask = t.length - 1;
        int i = slot(key, mask);
        while (t[i] != null && t[i] != TOMBSTONE) {
            i = (i + 1) & mask;
        }
        if (t[i] == TOMBSTONE) {
            tombstones--;
        } else {
            usedSlots++;
        }
        SLOTS.setRelease(t, i, key);
    }

    private int slot(Lookup l, int mask) {
        return slot(l.protocol(), l.srcIp(), l.srcPort(), l.dstIp(), l.dstPort(), mask);
    }

    private int slot(int protocol, int srcIp, int srcPort, int dstIp, int dstPort, int mask) {
        long addresses = (long) srcIp << 32 | (dstIp & 0xFFFF_FFFFL);
        long rest = (long) protocol << 32 | (long) srcPort << 16 | dstPort;
        long h = mix(mix(addresses ^ seed) ^ rest);
        return (int) h & mask;
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
