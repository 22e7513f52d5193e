package dev.vnet.fault;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Applies the faults at a point to one frame, and holds the frames they delay until their time comes: netem in
 * a class. A port calls {@link #apply} for each frame and acts on the verdict; something that keeps time (the
 * node's event loop) calls {@link #releaseDue} at {@link #nextReleaseNanos} or on a tick, and the due frames go
 * to the {@link Released} they were taken with.
 *
 * <p>Design notes. A point with no fault costs one volatile read and returns {@link FaultVerdict#PASS}: no
 * clock, no lock, no allocation. With faults, each acts in id order, like qdiscs in a chain: the first drop
 * ends the frame; delays add up (rate limit, delay ± jitter, reorder gap); a duplicate is two copies. A frame
 * that is delayed or corrupted is copied, since the caller's buffer is only lent: into one of
 * {@code queueFrames} pooled buffers of {@code frameBytes} (made when first needed, then reused), kept in a
 * binary heap by release time and arrival. A full pool drops the frame ("fault queue full"), as netem's limit
 * does. A corrupted copy that is not delayed is delivered during the call. Corruption flips one bit of one byte
 * after the IPv4 header (the transport header or data, as a bad link would; after the Ethernet header for
 * other frames), so checksums catch it downstream and no header the data path needs is made unreadable.
 *
 * <p>Threading: any thread may call {@link #apply}; a fault's decisions are made under its own monitor, the
 * queue is guarded by the engine's. Released frames are delivered without either lock held, on the thread that
 * calls {@link #releaseDue} (or, for an undelayed corrupted copy, the caller of {@link #apply}).
 */
public final class FaultEngine {

    /** netem's default limit: frames held at once. */
    public static final int DEFAULT_QUEUE_FRAMES = 1000;
    /** Room for a jumbo frame; vnet's frames are at most its MTU (1450) and an Ethernet header. */
    public static final int DEFAULT_FRAME_BYTES = 9216 + EthernetFrame.HEADER_LEN;

    private final LongSupplier clock;
    private final int frameBytes;
    private final ThreadLocal<Views> views = ThreadLocal.withInitial(Views::new);

    /* The pool and the queue, guarded by this: slot i holds one frame. */
    private final ByteBuffer[] buffers;
    private final int[] lengths;
    private final int[] copies;
    private final Released[] targets;
    private final long[] releaseAt;
    private final long[] arrival;
    private final int[] free;
    private int freeCount;
    /** Slot numbers ordered by (releaseAt, arrival): a binary min-heap. */
    private final int[] heap;
    private int heapSize;
    private long arrivals;

    /** An engine with {@link #DEFAULT_QUEUE_FRAMES} buffers of {@link #DEFAULT_FRAME_BYTES}. */
    public FaultEngine(LongSupplier clock) {
        this(clock, DEFAULT_QUEUE_FRAMES, DEFAULT_FRAME_BYTES);
    }

    /**
     * @param clock       nanoseconds, as {@link System#nanoTime}; read only when a fault acts
     * @param queueFrames how many frames may be held at once
     * @param frameBytes  the longest frame that may be held; longer ones are dropped when a fault would hold them
     */
    public FaultEngine(LongSupplier clock, int queueFrames, int frameBytes) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (queueFrames < 1 || frameBytes < EthernetFrame.HEADER_LEN) {
            throw new IllegalArgumentException("a fault queue needs at least one frame of at least "
                    + EthernetFrame.HEADER_LEN + " bytes, not " + queueFrames + " of " + frameBytes);
        }
        this.frameBytes = frameBytes;
        buffers = new ByteBuffer[queueFrames];
        lengths = new int[queueFrames];
        copies = new int[queueFrames];
        targets = new Released[queueFrames];
        releaseAt = new long[queueFrames];
        arrival = new long[queueFrames];
        free = new int[queueFrames];
        heap = new int[queueFrames];
        for (int i = 0; i < queueFrames; i++) {
            free[i] = queueFrames - 1 - i;
        }
        freeCount = queueFrames;
    }

    /**
     * Decides the fate of the frame in bytes {@code [offset, offset + length)} of {@code frame} at
     * {@code point}. The buffer is borrowed for the call and never modified. On {@link FaultVerdict.Action#PASS}
     * or {@code DUPLICATE} the caller sends its frame on (once or twice); on {@code DROP} it counts the drop
     * under the verdict's fault; on {@code TAKEN} the engine has a copy and gives it to {@code onward} (during
     * this call if it was only corrupted, else from {@link #releaseDue}).
     */
    public FaultVerdict apply(FaultPoint point, ByteBuffer frame, int offset, int length, Released onward) {
        Impairment[] active = point.active;
        if (active.length == 0) {
            return FaultVerdict.PASS;
        }
        return impair(point, active, frame, offset, length, onward);
    }

    private FaultVerdict impair(FaultPoint point, Impairment[] active, ByteBuffer frame, int offset, int length,
                                Released onward) {
        if (offset < 0 || length < 0 || offset > frame.limit()) {
            return FaultVerdict.PASS; // nothing there to impair
        }
        length = Math.min(length, frame.limit() - offset);
        long now = clock.getAsLong();
        Views v = views.get();
        v.read(frame, offset, length);
        int linkIpLength = point.linkOverhead() > 0 ? length + point.linkOverhead() : v.ipLength;
        long delay = 0;
        boolean duplicate = false;
        v.flipCount = 0;
        // Which faults (by index in active) chose each effect: counted once the frame's fate is known.
        long delayedBy = 0;
        long duplicatedBy = 0;
        long corruptedBy = 0;
        for (int i = 0; i < active.length; i++) {
            Impairment f = active[i];
            f.count(Impairment.SEEN);
            FaultVerdict drop;
            long wait = 0;
            synchronized (f) {
                drop = f.drops(frame, offset, length, linkIpLength, v.fragNeeded);
                if (drop == null) {
                    int flip = f.corruptAt(v.corruptFrom, v.corruptTo);
                    if (flip >= 0 && v.flipCount < v.flips.length) {
                        v.flips[v.flipCount++] = flip;
                        corruptedBy |= 1L << i;
                    }
                    if (f.duplicates()) {
                        duplicate = true;
                        duplicatedBy |= 1L << i;
                    }
                    wait = f.rateWait(length, now);
                    if (wait < 0) {
                        drop = f.overRate;
                    } else {
                        wait += f.delayNanos();
                    }
                }
            }
            if (drop != null) {
                f.count(Impairment.DROPPED);
                return drop;
            }
            if (wait > 0) {
                delay += wait;
                delayedBy |= 1L << i;
            }
        }
        if (delayedBy == 0 && corruptedBy == 0) {
            if (duplicatedBy == 0) {
                return FaultVerdict.PASS;
            }
            countAll(active, duplicatedBy, Impairment.DUPLICATED);
            return active[Long.numberOfTrailingZeros(duplicatedBy)].duplicated;
        }
        Impairment owner = active[Long.numberOfTrailingZeros(delayedBy != 0 ? delayedBy : corruptedBy)];
        if (length > frameBytes && delayedBy == 0) {
            // too long to copy: it goes on whole rather than be lost to a corrupt-only fault
            if (duplicatedBy == 0) {
                return FaultVerdict.PASS;
            }
            countAll(active, duplicatedBy, Impairment.DUPLICATED);
            return active[Long.numberOfTrailingZeros(duplicatedBy)].duplicated;
        }
        if (length > frameBytes) {
            owner.count(Impairment.DROPPED);
            return owner.tooBig;
        }
        int slot = takeSlot();
        if (slot < 0) {
            owner.count(Impairment.DROPPED);
            return owner.queueFull;
        }
        ByteBuffer copy = buffers[slot];
        copy.put(0, frame, offset, length);
        for (int k = 0; k < v.flipCount; k++) {
            int at = v.flips[k] >>> 3;
            copy.put(at, (byte) (copy.get(at) ^ (1 << (v.flips[k] & 7))));
        }
        countAll(active, corruptedBy, Impairment.CORRUPTED);
        countAll(active, duplicatedBy, Impairment.DUPLICATED);
        int n = duplicate ? 2 : 1;
        if (delayedBy == 0) {
            try {
                for (int k = 0; k < n; k++) {
                    onward.released(copy, length, now);
                }
            } finally {
                freeSlot(slot);
            }
            return owner.corrupted;
        }
        countAll(active, delayedBy, Impairment.DELAYED);
        enqueue(slot, length, n, onward, now + delay);
        return owner.delayed;
    }

    private static void countAll(Impairment[] active, long which, int counter) {
        for (long bits = which; bits != 0; bits &= bits - 1) {
            active[Long.numberOfTrailingZeros(bits)].count(counter);
        }
    }

    /**
     * Delivers every held frame whose time has come (by the clock now), earliest first and, at equal times, in
     * the order they arrived. Returns how many deliveries were made (a duplicate counts twice).
     */
    public int releaseDue() {
        int delivered = 0;
        while (true) {
            long now = clock.getAsLong();
            int slot;
            synchronized (this) {
                if (heapSize == 0 || releaseAt[heap[0]] - now > 0) {
                    return delivered;
                }
                slot = pop();
            }
            try {
                for (int k = 0; k < copies[slot]; k++) {
                    targets[slot].released(buffers[slot], lengths[slot], now);
                    delivered++;
                }
            } finally {
                freeSlot(slot);
            }
        }
    }

    /** When the next held frame is due (clock nanoseconds), or {@link Long#MAX_VALUE} if none is held. */
    public synchronized long nextReleaseNanos() {
        return heapSize == 0 ? Long.MAX_VALUE : releaseAt[heap[0]];
    }

    /** Frames held now. */
    public synchronized int queued() {
        return heapSize;
    }

    /** Forgets every held frame (the node is going down, or all faults were cleared); returns how many. */
    public synchronized int discardQueued() {
        int n = heapSize;
        while (heapSize > 0) {
            int slot = pop();
            targets[slot] = null;
            free[freeCount++] = slot;
        }
        return n;
    }

    // --- the pool and the heap -------------------------------------------------------------------------

    private synchronized int takeSlot() {
        if (freeCount == 0) {
            return -1;
        }
        int slot = free[--freeCount];
        if (buffers[slot] == null) {
            buffers[slot] = ByteBuffer.allocateDirect(frameBytes);
        }
        return slot;
    }

    private synchronized void freeSlot(int slot) {
        targets[slot] = null;
        free[freeCount++] = slot;
    }

    private synchronized void enqueue(int slot, int length, int n, Released onward, long at) {
        lengths[slot] = length;
        copies[slot] = n;
        targets[slot] = onward;
        releaseAt[slot] = at;
        arrival[slot] = arrivals++;
        int i = heapSize++;
        heap[i] = slot;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!earlier(heap[i], heap[parent])) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    /** Removes and returns the earliest slot; the caller holds the lock and the heap is not empty. */
    private int pop() {
        int top = heap[0];
        heap[0] = heap[--heapSize];
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            if (left >= heapSize) {
                break;
            }
            int child = left + 1 < heapSize && earlier(heap[left + 1], heap[left]) ? left + 1 : left;
            if (!earlier(heap[child], heap[i])) {
                break;
            }
            swap(i, child);
            i = child;
        }
        return top;
    }

    private boolean earlier(int a, int b) {
        long d = releaseAt[a] - releaseAt[b];
        return d != 0 ? d < 0 : arrival[a] < arrival[b];
    }

    private void swap(int i, int j) {
        int t = heap[i];
        heap[i] = heap[j];
        heap[j] = t;
    }

    /**
     * One thread's views and what the faults need to know of the frame, read once: its IPv4 length, whether
     * it is an ICMP "fragmentation needed", and the bytes corruption may flip.
     */
    private static final class Views {
        final EthernetFrame ethernet = new EthernetFrame();
        final Ipv4Packet ip = new Ipv4Packet();
        final IcmpPacket icmp = new IcmpPacket();
        /** -1 unless the frame carries IPv4 (at least a header's worth). */
        int ipLength;
        boolean fragNeeded;
        /** Relative to the frame's start. */
        int corruptFrom;
        int corruptTo;
        final int[] flips = new int[8];
        int flipCount;

        void read(ByteBuffer frame, int offset, int length) {
            ipLength = -1;
            fragNeeded = false;
            int limit = Math.max(0, Math.min(length, frame.limit() - offset));
            corruptFrom = EthernetFrame.HEADER_LEN;
            corruptTo = limit;
            ethernet.wrap(frame, offset, limit);
            if (ethernet.checkLength() != DropReason.NONE || ethernet.etherType() != EthernetFrame.TYPE_IPV4) {
                return;
            }
            ip.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength());
            if (ip.length() < Ipv4Packet.HEADER_LEN || ip.version() != 4) {
                return;
            }
            ipLength = ip.totalLength();
            if (ip.checkLength() != DropReason.NONE) {
                return;
            }
            int end = ip.offset() + ip.totalLength() - offset;
            if (ip.payloadLength() > 0) {
                corruptFrom = ip.payloadOffset() - offset;
                corruptTo = end;
            }
            if (ip.protocol() == Ipv4Packet.PROTO_ICMP && ip.fragmentOffset() == 0 && ip.payloadLength() >= 2) {
                icmp.wrap(frame, ip.payloadOffset(), ip.payloadLength());
                fragNeeded = icmp.type() == IcmpPacket.TYPE_DEST_UNREACHABLE
                        && icmp.code() == IcmpPacket.CODE_FRAG_NEEDED;
            }
        }
    }
}
