package dev.vnet.fault;

/**
 * What the faults at a point did with one frame. Verdicts are immutable and made when a fault is added (one per
 * fault and cause), so deciding allocates nothing and any thread may keep or share one; {@link #message()} is
 * the trace's line, ready-made.
 */
public final class FaultVerdict {

    /** What the caller does with its frame next. */
    public enum Action {
        /** Send the frame on, once, as it is. */
        PASS,
        /** Send the frame on twice. */
        DUPLICATE,
        /** Forget the frame: a fault dropped it; count the drop under {@link #faultId()}. */
        DROP,
        /**
         * Forget the frame: the engine copied it and delivers the copy through the {@link Released} given,
         * later (delayed, reordered, rate-limited) or already during the call (corrupted).
         */
        TAKEN
    }

    /** Why a fault acted. */
    public enum Cause {
        NONE("not impaired"),
        FILTER("matched the drop filter"),
        MTU("larger than the MTU"),
        FRAG_NEEDED("ICMP fragmentation needed dropped (the PMTU black hole)"),
        LOSS("lost"),
        RATE("over the rate limit"),
        QUEUE_FULL("fault queue full"),
        TOO_BIG("frame larger than the fault queue's buffers"),
        DUPLICATE("duplicated"),
        DELAY("delayed"),
        CORRUPT("corrupted");

        private final String phrase;

        Cause(String phrase) {
            this.phrase = phrase;
        }

        /** A short phrase, such as "fault queue full". */
        public String phrase() {
            return phrase;
        }
    }

    /** No fault acted: the fast path's answer. */
    public static final FaultVerdict PASS = new FaultVerdict(Action.PASS, Cause.NONE, 0, "", 0);

    private final Action action;
    private final Cause cause;
    private final int faultId;
    private final String message;
    private final int mtu;

    private FaultVerdict(Action action, Cause cause, int faultId, String message, int mtu) {
        this.action = action;
        this.cause = cause;
        this.faultId = faultId;
        this.message = message;
        this.mtu = mtu;
    }

    /** The verdict of fault {@code id} for {@code cause}; {@code detail}, if not null, follows in parentheses. */
    static FaultVerdict of(Cause cause, int id, FaultSpec spec, String detail) {
        Action action = switch (cause) {
            case NONE -> Action.PASS;
            case DUPLICATE -> Action.DUPLICATE;
            case DELAY, CORRUPT -> Action.TAKEN;
            default -> Action.DROP;
        };
        String verb = switch (action) {
            case DROP -> "dropped";
            case DUPLICATE -> "duplicated";
            default -> cause == Cause.CORRUPT ? "corrupted" : "delayed";
        };
        String because = detail == null ? "" : " (" + detail + ")";
        String message = verb + " by fault " + id + ": " + spec.describe() + because;
        return new FaultVerdict(action, cause, id, message, cause == Cause.MTU ? spec.mtu() : 0);
    }

    public Action action() {
        return action;
    }

    public Cause cause() {
        return cause;
    }

    /** The id of the fault that acted, or 0 for {@link #PASS}. */
    public int faultId() {
        return faultId;
    }

    /**
     * The trace's line: "dropped by fault 3: loss 100% on node-1 → node-2", "delayed by fault 2: delay 100ms
     * ±10ms on pod web-1", "dropped by fault 4: mtu 1400 on node-1 → node-2 (larger than the MTU)"; empty for
     * {@link #PASS}.
     */
    public String message() {
        return message;
    }

    /**
     * For a drop by {@link Cause#MTU}, the fault's MTU: what a router would put in the ICMP "fragmentation
     * needed" it sends back (RFC 1191), unless a no-frag-needed fault eats it; 0 otherwise.
     */
    public int mtu() {
        return mtu;
    }

    public boolean dropped() {
        return action == Action.DROP;
    }

    @Override
    public String toString() {
        return action == Action.PASS ? "pass" : message;
    }
}
