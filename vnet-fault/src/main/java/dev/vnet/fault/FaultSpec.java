package dev.vnet.fault;

import dev.vnet.core.capture.CaptureFilter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One fault a learner injects: where it is (a node, and a pod's port on it, or the tunnel to one peer node, or
 * with neither the node's whole underlay) and what it does there. Data-plane effects are netem's and tbf's:
 * loss, delay with jitter, duplication, reordering, corruption, a rate limit, a tcpdump drop filter, a smaller
 * MTU and the PMTU black hole; a control-plane fault pauses one of the node's loops instead.
 *
 * <p>An absent effect is zero ({@code mtu == 0}, {@code lossPercent == 0}), an absent filter null. The canonical
 * constructor checks every rule {@link #parse} checks, with the same one-line messages, so a spec that exists is
 * valid; {@link #toArgs()} gives the arguments that parse back to an equal spec (how a fault travels through the
 * store).
 *
 * @param node           the node whose data path the fault is on
 * @param pod            the pod whose port it is at, or null
 * @param peer           the peer node whose tunnel it is on (traffic from {@code node} to {@code peer}), or null
 * @param delayNanos     added to every frame's time in flight
 * @param jitterNanos    each frame's delay is {@code delay ± jitter}, uniformly (so frames may overtake, as netem's)
 * @param reorderPercent frames held back by an extra {@link #reorderGapNanos()} so later ones overtake them
 * @param rateMbit       megabits per second the point carries; more waits (up to 100 ms), then is dropped
 * @param drop           frames this tcpdump filter matches are dropped
 * @param mtu            frames whose IP length is larger are dropped, as a link with this MTU would
 * @param noFragNeeded   ICMP "fragmentation needed" (type 3 code 4) is dropped: the PMTU black hole
 * @param pauses         the node's control-plane loops this fault stops
 */
public record FaultSpec(String node, String pod, String peer, double lossPercent, long delayNanos, long jitterNanos,
                        double duplicatePercent, double reorderPercent, double corruptPercent, double rateMbit,
                        CaptureFilter drop, int mtu, boolean noFragNeeded, Set<Pause> pauses) {

    /** A control-plane loop of a node that a fault can stop. */
    public enum Pause {
        /** The node stops applying changes from the store, as a stopped kube-proxy leaves stale rules. */
        SYNC("sync"),
        /** The node's DNS server stops answering. */
        DNS("dns");

        private final String word;

        Pause(String word) {
            this.word = word;
        }

        /** "sync" or "dns", as {@code --pause} takes it. */
        public String word() {
            return word;
        }

        static Pause of(String word) {
            for (Pause p : values()) {
                if (p.word.equals(word)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** Where on the node's data path a fault is. */
    public enum Where {
        /** A pod's port on the node's bridge. */
        POD,
        /** The tunnel from the node to one peer node. */
        TUNNEL,
        /** Everything the node sends over its underlay, to every peer. */
        UNDERLAY
    }

    /** How long reordered frames are held back when the fault has no delay of its own. */
    public static final long DEFAULT_REORDER_GAP_NANOS = 10_000_000L;
    /** The longest delay or jitter a fault may add: frames wait in memory meanwhile. */
    public static final long MAX_DELAY_NANOS = 60_000_000_000L;
    /** The smallest MTU an IPv4 link may have (RFC 791). */
    public static final int MIN_MTU = 68;
    public static final int MAX_MTU = 65535;
    public static final double MAX_RATE_MBIT = 100_000;

    public FaultSpec {
        pauses = pauses == null || pauses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(pauses));
        validate(node, pod, peer, lossPercent, delayNanos, jitterNanos, duplicatePercent, reorderPercent,
                corruptPercent, rateMbit, drop, mtu, noFragNeeded, pauses);
    }

    /** Starts a spec on {@code node}; add the point and effects, then {@link Builder#build()}. */
    public static Builder on(String node) {
        return new Builder().node(node);
    }

    /**
     * Reads {@code vnet fault add}'s arguments: {@code --node NODE [--pod POD | --peer NODE]} and one or more
     * effects, each {@code --option value} or {@code --option=value}.
     *
     * @throws IllegalArgumentException with one line that says what is wrong and what to write instead, such as
     *     {@code --loss takes a percentage 0-100, e.g. --loss 30% (not "130%")}
     */
    public static FaultSpec parse(List<String> args) {
        return FaultArgs.parse(args);
    }

    /** The arguments that {@link #parse} reads back into an equal spec, in a fixed order. */
    public List<String> toArgs() {
        List<String> out = new ArrayList<>(List.of("--node", node));
        if (pod != null) {
            out.addAll(List.of("--pod", pod));
        }
        if (peer != null) {
            out.addAll(List.of("--peer", peer));
        }
        if (lossPercent > 0) {
            out.addAll(List.of("--loss", percent(lossPercent)));
        }
        if (delayNanos > 0) {
            out.addAll(List.of("--delay", duration(delayNanos)));
        }
        if (jitterNanos > 0) {
            out.addAll(List.of("--jitter", duration(jitterNanos)));
        }
        if (duplicatePercent > 0) {
            out.addAll(List.of("--duplicate", percent(duplicatePercent)));
        }
        if (reorderPercent > 0) {
            out.addAll(List.of("--reorder", percent(reorderPercent)));
        }
        if (corruptPercent > 0) {
            out.addAll(List.of("--corrupt", percent(corruptPercent)));
        }
        if (rateMbit > 0) {
            out.addAll(List.of("--rate", number(rateMbit) + "mbit"));
        }
        if (drop != null) {
            out.addAll(List.of("--drop", drop.toString()));
        }
        if (mtu > 0) {
            out.addAll(List.of("--mtu", Integer.toString(mtu)));
        }
        if (noFragNeeded) {
            out.add("--no-frag-needed");
        }
        for (Pause p : Pause.values()) {
            if (pauses.contains(p)) {
                out.addAll(List.of("--pause", p.word()));
            }
        }
        return out;
    }

    public Where where() {
        return pod != null ? Where.POD : peer != null ? Where.TUNNEL : Where.UNDERLAY;
    }

    /** True if the fault acts on frames (anything but pauses). */
    public boolean touchesFrames() {
        return lossPercent > 0 || delayNanos > 0 || duplicatePercent > 0 || reorderPercent > 0 || corruptPercent > 0
                || rateMbit > 0 || drop != null || mtu > 0 || noFragNeeded;
    }

    /** True if frames must be held in the engine's queue for a while (delay, reorder, rate). */
    public boolean holdsFrames() {
        return delayNanos > 0 || reorderPercent > 0 || rateMbit > 0;
    }

    /** How long a reordered frame is held back: the fault's delay, or {@link #DEFAULT_REORDER_GAP_NANOS}. */
    public long reorderGapNanos() {
        return delayNanos > 0 ? delayNanos : DEFAULT_REORDER_GAP_NANOS;
    }

    /** The rate in bytes per nanosecond, or 0 for none. */
    double rateBytesPerNano() {
        return rateMbit * 1e6 / 8 / 1e9;
    }

    /**
     * What the fault does and where, for traces, {@code vnet fault list} and counters: "loss 100% on node-1 →
     * node-2", "delay 100ms ±10ms on pod web-1", "mtu 1400, no-frag-needed on node-1's underlay", "pause sync
     * on node-1".
     */
    public String describe() {
        return effects() + " on " + place();
    }

    /** The effects alone: "loss 30%, delay 100ms ±10ms". */
    public String effects() {
        List<String> parts = new ArrayList<>();
        if (lossPercent > 0) {
            parts.add("loss " + percent(lossPercent));
        }
        if (delayNanos > 0) {
            parts.add("delay " + duration(delayNanos) + (jitterNanos > 0 ? " ±" + duration(jitterNanos) : ""));
        }
        if (duplicatePercent > 0) {
            parts.add("duplicate " + percent(duplicatePercent));
        }
        if (reorderPercent > 0) {
            parts.add("reorder " + percent(reorderPercent)
                    + (delayNanos > 0 ? "" : " (held back " + duration(DEFAULT_REORDER_GAP_NANOS) + ")"));
        }
        if (corruptPercent > 0) {
            parts.add("corrupt " + percent(corruptPercent));
        }
        if (rateMbit > 0) {
            parts.add("rate " + number(rateMbit) + "Mbit/s");
        }
        if (drop != null) {
            parts.add("drop '" + drop + "'");
        }
        if (mtu > 0) {
            parts.add("mtu " + mtu);
        }
        if (noFragNeeded) {
            parts.add("no-frag-needed");
        }
        for (Pause p : Pause.values()) {
            if (pauses.contains(p)) {
                parts.add("pause " + p.word());
            }
        }
        return String.join(", ", parts);
    }

    /** "pod web-1", "node-1 → node-2", "node-1's underlay", or "node-1" for a pause. */
    public String place() {
        if (!pauses.isEmpty()) {
            return node;
        }
        return switch (where()) {
            case POD -> "pod " + pod;
            case TUNNEL -> node + " → " + peer;
            case UNDERLAY -> node + "'s underlay";
        };
    }

    @Override
    public String toString() {
        return describe();
    }

    // --- rules ---------------------------------------------------------------------------------------

    static final String EFFECTS = "--loss P%, --delay MS [--jitter MS], --duplicate P%, --reorder P%, --corrupt P%,"
            + " --rate MBIT, --drop 'FILTER', --mtu N, --no-frag-needed or --pause sync|dns";

    private static void validate(String node, String pod, String peer, double loss, long delay, long jitter,
                                 double duplicate, double reorder, double corrupt, double rate, CaptureFilter drop,
                                 int mtu, boolean noFragNeeded, Set<Pause> pauses) {
        if (node == null) {
            throw new IllegalArgumentException("--node is required: the node whose data path the fault is on,"
                    + " e.g. --node node-1");
        }
        checkName("--node", node, "a node's name, e.g. --node node-1", false);
        if (pod != null) {
            checkName("--pod", pod, "a pod's name, e.g. --pod web-1 (or default/web-1)", true);
        }
        if (peer != null) {
            checkName("--peer", peer, "a node's name, e.g. --peer node-2", false);
        }
        if (pod != null && peer != null) {
            throw new IllegalArgumentException("--pod and --peer exclude each other: a fault is at a pod's port"
                    + " (--pod), on the tunnel to one peer (--peer), or with neither on the node's whole underlay");
        }
        if (node.equals(peer)) {
            throw new IllegalArgumentException("--peer must be another node than --node: no tunnel leads from "
                    + node + " to itself");
        }
        checkPercent("--loss", loss);
        checkPercent("--duplicate", duplicate);
        checkPercent("--reorder", reorder);
        checkPercent("--corrupt", corrupt);
        if (delay < 0 || delay > MAX_DELAY_NANOS) {
            throw new IllegalArgumentException(FaultArgs.delayUsage("--delay", "100ms"));
        }
        if (jitter < 0 || jitter > MAX_DELAY_NANOS) {
            throw new IllegalArgumentException(FaultArgs.delayUsage("--jitter", "10ms"));
        }
        if (jitter > 0 && delay == 0) {
            throw new IllegalArgumentException("--jitter needs --delay: jitter varies the delay, e.g. --delay 100ms"
                    + " --jitter 10ms");
        }
        if (jitter > delay) {
            throw new IllegalArgumentException("--jitter " + duration(jitter) + " exceeds --delay " + duration(delay)
                    + ": a frame cannot leave before it arrived; give a jitter up to the delay");
        }
        if (!(rate >= 0 && rate <= MAX_RATE_MBIT)) {
            throw new IllegalArgumentException(FaultArgs.RATE_USAGE);
        }
        if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
            throw new IllegalArgumentException(FaultArgs.MTU_USAGE);
        }
        if (drop != null && drop.matchesAll()) {
            throw new IllegalArgumentException(FaultArgs.DROP_USAGE);
        }
        boolean frames = loss > 0 || delay > 0 || duplicate > 0 || reorder > 0 || corrupt > 0 || rate > 0
                || drop != null || mtu > 0 || noFragNeeded;
        if (!pauses.isEmpty()) {
            if (pod != null || peer != null) {
                throw new IllegalArgumentException("--pause stops a loop of the whole node: give it without --pod"
                        + " or --peer");
            }
            if (frames) {
                throw new IllegalArgumentException("--pause goes alone: add the data-plane effects as a fault of"
                        + " their own");
            }
        } else if (!frames) {
            throw new IllegalArgumentException("a fault needs an effect: " + EFFECTS);
        }
    }

    private static void checkPercent(String option, double value) {
        if (!(value >= 0 && value <= 100)) {
            throw new IllegalArgumentException(FaultArgs.percentUsage(option));
        }
    }

    /** Kubernetes object names: lower-case DNS labels and dots; a pod may be namespace/name. */
    private static void checkName(String option, String name, String what, boolean namespaced) {
        String pattern = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";
        if (!name.matches(namespaced ? "(" + pattern + "/)?" + pattern : pattern)) {
            throw new IllegalArgumentException(option + " takes " + what + " (not \"" + name + "\")");
        }
    }

    // --- numbers as people write them ------------------------------------------------------------------

    /** "30%", "0.5%". */
    static String percent(double value) {
        return number(value) + "%";
    }

    /** "100ms", "1.5ms", "2s". */
    static String duration(long nanos) {
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        return new BigDecimal(nanos).movePointLeft(6).stripTrailingZeros().toPlainString() + "ms";
    }

    static String number(double value) {
        return new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
    }

    /** Builds a spec one part at a time; {@link #build()} checks it. */
    public static final class Builder {
        private String node;
        private String pod;
        private String peer;
        private double loss;
        private long delay;
        private long jitter;
        private double duplicate;
        private double reorder;
        private double corrupt;
        private double rate;
        private CaptureFilter drop;
        private int mtu;
        private boolean noFragNeeded;
        private final Set<Pause> pauses = EnumSet.noneOf(Pause.class);

        public Builder node(String name) {
            this.node = name;
            return this;
        }

        public Builder pod(String name) {
            this.pod = name;
            return this;
        }

        public Builder peer(String name) {
            this.peer = name;
            return this;
        }

        public Builder loss(double percent) {
            this.loss = percent;
            return this;
        }

        public Builder delayMillis(double millis) {
            this.delay = Math.round(millis * 1e6);
            return this;
        }

        public Builder jitterMillis(double millis) {
            this.jitter = Math.round(millis * 1e6);
            return this;
        }

        public Builder delayNanos(long nanos) {
            this.delay = nanos;
            return this;
        }

        public Builder jitterNanos(long nanos) {
            this.jitter = nanos;
            return this;
        }

        public Builder duplicate(double percent) {
            this.duplicate = percent;
            return this;
        }

        public Builder reorder(double percent) {
            this.reorder = percent;
            return this;
        }

        public Builder corrupt(double percent) {
            this.corrupt = percent;
            return this;
        }

        public Builder rateMbit(double mbit) {
            this.rate = mbit;
            return this;
        }

        /** Compiles {@code filter} with libpcap (see {@link CaptureFilter#parse}). */
        public Builder drop(String filter) {
            this.drop = FaultArgs.filter(filter);
            return this;
        }

        public Builder mtu(int bytes) {
            this.mtu = bytes;
            return this;
        }

        public Builder noFragNeeded() {
            this.noFragNeeded = true;
            return this;
        }

        public Builder pause(Pause what) {
            pauses.add(Objects.requireNonNull(what, "what"));
            return this;
        }

        public FaultSpec build() {
            return new FaultSpec(node, pod, peer, loss, delay, jitter, duplicate, reorder, corrupt, rate, drop, mtu,
                    noFragNeeded, pauses);
        }
    }
}
