package dev.vnet.fault;

import dev.vnet.core.capture.CaptureFilter;
import dev.vnet.core.capture.CaptureSink;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One active fault: its id and spec, its counters (read at any time without a lock), and the state its
 * decisions need: a random source seeded from the table's seed and the id (so a test replays the same drops),
 * and the token bucket of a rate limit. The engine makes a fault's decisions for a frame while holding the
 * fault's monitor, in a fixed order (filter, MTU, frag-needed, loss, corrupt, duplicate, rate, delay), so the
 * draws of one fault do not depend on the other faults or on other threads' frames.
 */
public final class Impairment {

    /** Indexes of the counters. */
    static final int SEEN = 0;
    static final int DROPPED = 1;
    static final int DELAYED = 2;
    static final int DUPLICATED = 3;
    static final int CORRUPTED = 4;

    /** How far a rate-limited frame may wait for tokens before it is dropped (tbf's latency). */
    static final long MAX_BACKLOG_NANOS = 100_000_000L;
    /** The bucket holds this much of the rate, and never less than two full-size Ethernet frames. */
    static final long BURST_NANOS = 5_000_000L;
    static final int MIN_BURST_BYTES = 2 * 1514;

    private final int id;
    private final FaultSpec spec;
    private final AtomicLongArray counts = new AtomicLongArray(5);

    /* Guarded by this. */
    private final SplittableRandom random;
    private final double bytesPerNano;
    private final double burstBytes;
    private double tokens;
    private long refilledAt;
    private boolean refilled;

    final FaultVerdict filtered;
    final FaultVerdict tooLarge;
    final FaultVerdict fragNeeded;
    final FaultVerdict lost;
    final FaultVerdict overRate;
    final FaultVerdict queueFull;
    final FaultVerdict tooBig;
    final FaultVerdict duplicated;
    final FaultVerdict delayed;
    final FaultVerdict corrupted;

    Impairment(int id, FaultSpec spec, long seed) {
        this.id = id;
        this.spec = spec;
        this.random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * id));
        this.bytesPerNano = spec.rateBytesPerNano();
        this.burstBytes = Math.max(MIN_BURST_BYTES, bytesPerNano * BURST_NANOS);
        this.tokens = burstBytes;
        int effects = spec.effects().split(", ").length;
        filtered = verdict(FaultVerdict.Cause.FILTER, effects > 1);
        tooLarge = verdict(FaultVerdict.Cause.MTU, effects > 1);
        fragNeeded = verdict(FaultVerdict.Cause.FRAG_NEEDED, effects > 1);
        lost = verdict(FaultVerdict.Cause.LOSS, effects > 1);
        overRate = FaultVerdict.of(FaultVerdict.Cause.RATE, id, spec, "backlog over "
                + FaultSpec.duration(MAX_BACKLOG_NANOS));
        queueFull = verdict(FaultVerdict.Cause.QUEUE_FULL, true);
        tooBig = verdict(FaultVerdict.Cause.TOO_BIG, true);
        duplicated = verdict(FaultVerdict.Cause.DUPLICATE, effects > 1);
        delayed = verdict(FaultVerdict.Cause.DELAY, false);
        corrupted = verdict(FaultVerdict.Cause.CORRUPT, effects > 1);
    }

    private FaultVerdict verdict(FaultVerdict.Cause cause, boolean say) {
        return FaultVerdict.of(cause, id, spec, say ? cause.phrase() : null);
    }

    public int id() {
        return id;
    }

    public FaultSpec spec() {
        return spec;
    }

    /** "fault 3: loss 100% on node-1 → node-2", as {@code vnet fault list} prints it. */
    public String describe() {
        return "fault " + id + ": " + spec.describe();
    }

    /** The counters now; each is read atomically, the set as a whole is not a snapshot. */
    public FaultCounts counts() {
        return new FaultCounts(counts.get(SEEN), counts.get(DROPPED), counts.get(DELAYED), counts.get(DUPLICATED),
                counts.get(CORRUPTED));
    }

    @Override
    public String toString() {
        return describe();
    }

    void count(int counter) {
        counts.incrementAndGet(counter);
    }

    // --- decisions: the engine calls these holding this object's monitor, in this order --------------------

    /**
     * The drop verdict for this frame from the drop filter, MTU, frag-needed and loss effects, or null.
     *
     * @param linkIpLength the IP length the frame has on the link (-1 for no IP), compared with the MTU
     * @param isFragNeeded the frame is an ICMP "fragmentation needed"
     */
    FaultVerdict drops(ByteBuffer frame, int offset, int length, int linkIpLength, boolean isFragNeeded) {
        CaptureFilter filter = spec.drop();
        if (filter != null && filter.matches(frame, offset, length, CaptureSink.LINKTYPE_ETHERNET)) {
            return filtered;
        }
        if (spec.mtu() > 0 && linkIpLength > spec.mtu()) {
            return tooLarge;
        }
        if (spec.noFragNeeded() && isFragNeeded) {
            return fragNeeded;
        }
        if (spec.lossPercent() > 0 && draw(spec.lossPercent())) {
            return lost;
        }
        return null;
    }

    /**
     * Where to flip a bit, if this frame is corrupted: {@code byteIndex << 3 | bit} with the byte in
     * {@code [from, to)} of the frame, or -1. The draw happens even when the range is empty.
     */
    int corruptAt(int from, int to) {
        if (spec.corruptPercent() <= 0 || !draw(spec.corruptPercent())) {
            return -1;
        }
        long pick = random.nextLong();
        if (to <= from) {
            return -1;
        }
        int at = from + (int) Math.floorMod(pick >>> 3, (long) (to - from));
        return at << 3 | (int) (pick & 7);
    }

    boolean duplicates() {
        return spec.duplicatePercent() > 0 && draw(spec.duplicatePercent());
    }

    /**
     * How long the frame waits for the rate limit's tokens (0: it may go now), taking them; or -1 if it would
     * wait longer than {@link #MAX_BACKLOG_NANOS}, which takes none. Frames that wait keep their order: each
     * one's tokens are taken from what the ones before left.
     */
    long rateWait(int bytes, long now) {
        if (bytesPerNano <= 0) {
            return 0;
        }
        if (!refilled) {
            refilled = true;
            refilledAt = now;
        } else if (now - refilledAt > 0) {
            tokens = Math.min(burstBytes, tokens + (now - refilledAt) * bytesPerNano);
            refilledAt = now;
        }
        if (tokens >= bytes) {
            tokens -= bytes;
            return 0;
        }
        long wait = (long) Math.ceil((bytes - tokens) / bytesPerNano);
        if (wait > MAX_BACKLOG_NANOS) {
            return -1;
        }
        tokens -= bytes;
        return wait;
    }

    /** The delay this frame gets: delay ± jitter, plus the reorder gap if it is held back. */
    long delayNanos() {
        long delay = spec.delayNanos();
        if (spec.jitterNanos() > 0) {
            delay += Math.round((random.nextDouble() * 2 - 1) * spec.jitterNanos());
        }
        if (spec.reorderPercent() > 0 && draw(spec.reorderPercent())) {
            delay += spec.reorderGapNanos();
        }
        return Math.max(0, delay);
    }

    private boolean draw(double percent) {
        return random.nextDouble() * 100 < percent;
    }
}
