package dev.vnet.node.router;

import dev.vnet.core.capture.PacketTap;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.PacketContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The router as an ordered list of stages, each a small class with one job. A packet, parsed once into its
 * {@link PacketContext}, crosses the stages in the order of their {@link Slot}s until one sends it on or drops
 * it: Service translation, network policy, DNS steering, routing.
 *
 * <p>Design notes. What every stage needs is provided here once, not written into each stage:
 * <ul>
 *   <li>counters: per stage ({@link StageCounters}), and the router's totals ({@link RouterCounters}), where
 *       every drop is counted whichever stage made it;</li>
 *   <li>captures: a stage with a capture point is captured before and after it ("nat-before", "nat-after"
 *       around the Service stage), through one tap held in a volatile field, null when nobody captures;</li>
 *   <li>traces: each stage's decision about a probe is one hop under the stage's name, in order; a stage
 *       that said nothing is recorded as passing, sending or dropping; a drop ends the trace with its reason;</li>
 *   <li>ICMP errors: a stage that drops a packet may owe its sender an error (TTL exceeded, fragmentation
 *       needed, port unreachable); it is sent once the drop is counted and traced, so that whoever hears of
 *       the error can already see the count, by the {@link ErrorReporter}, which runs it through this pipeline
 *       again in a context of its own.</li>
 * </ul>
 * Stages are replaced copy-on-write: the data path reads one volatile array per packet, with no lock and no
 * allocation; {@link #put} and {@link #remove} are for wiring and tests.
 */
public final class Pipeline {

    /** The places a stage can take; packets cross them in this order. Each holds at most one stage. */
    public enum Slot {
        /** kube-proxy's job: conntrack, DNAT to an endpoint, SNAT where Kubernetes does. */
        SERVICE,
        /** Network policy, after DNAT because policies speak of pod IPs. */
        POLICY,
        /**
         * Queries to the cluster DNS address, answered by this node's own resolver: after policy, which judges
         * them as if the resolver were a kube-system pod of this node (as CoreDNS pods would be).
         */
        DNS,
        /** To a local pod, another node over VXLAN, this node's TUN, or out of the cluster. */
        ROUTING
    }

    /** A stage in its slot, with its counters. */
    public record Installed(Slot slot, Stage stage, StageCounters counters) {
        public String name() {
            return stage.name();
        }
    }

    /** Sends the ICMP error a dropped packet is owed (see {@link PacketContext#icmpErrorOwed}). */
    @FunctionalInterface
    interface ErrorReporter {
        void report(PacketContext about, long now);
    }

    /** One installed stage with its capture point names, made once so that capturing allocates nothing. */
    private record Entry(Slot slot, Stage stage, StageCounters counters, String before, String after) {
        static Entry of(Slot slot, Stage stage, StageCounters counters) {
            String point = stage.capturePoint();
            return new Entry(slot, stage, counters, point == null ? null : point + "-before",
                    point == null ? null : point + "-after");
        }
    }

    private final RouterCounters totals;
    private final Map<Slot, StageCounters> counters = new EnumMap<>(Slot.class);
    private volatile Entry[] entries = new Entry[0];
    private volatile PacketTap tap;
    private volatile ErrorReporter errors = (about, now) -> { };
    private volatile String node = "?";

    public Pipeline(RouterCounters totals) {
        this.totals = totals;
    }

    /**
     * Puts {@code stage} in {@code slot}, replacing the stage there if any. The slot keeps its counters
     * across replacements, so a restarted stage goes on counting.
     */
    public synchronized void put(Slot slot, Stage stage) {
        StageCounters c = counters.computeIfAbsent(slot, s -> new StageCounters());
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) {
            if (e.slot() != slot) {
                next.add(e);
            }
        }
        next.add(Entry.of(slot, stage, c));
        next.sort((a, b) -> a.slot().compareTo(b.slot()));
        entries = next.toArray(new Entry[0]);
    }

    /** Empties {@code slot}; returns the stage that was there, or null. */
    public synchronized Stage remove(Slot slot) {
        List<Entry> next = new ArrayList<>();
        Stage removed = null;
        for (Entry e : entries) {
            if (e.slot() == slot) {
                removed = e.stage();
            } else {
                next.add(e);
            }
        }
        entries = next.toArray(new Entry[0]);
        return removed;
    }

    /** The stages in the order packets cross them. */
    public List<Installed> stages() {
        List<Installed> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(new Installed(e.slot(), e.stage(), e.counters()));
        }
        return out;
    }

    /** The stages' names in order, such as [dns, service, router]. */
    public List<String> stageNames() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.stage().name());
        }
        return out;
    }

    /** Captures before and after each stage that has a capture point; null to stop. */
    public void setTap(PacketTap t) {
        this.tap = t;
    }

    /** The node this pipeline belongs to, for traces. */
    public void setNodeName(String name) {
        this.node = name;
    }

    void setErrorReporter(ErrorReporter reporter) {
        this.errors = reporter;
    }

    /**
     * Runs the parsed packet through the stages in order. Its frame is the pipeline's to rewrite for the call.
     * Returns {@link DropReason#NONE} if a stage sent it on, else why it was dropped (counted already).
     */
    public DropReason run(PacketContext packet, long now) {
        String here = node;
        for (Entry e : entries) {
            Stage stage = e.stage();
            packet.beginStage(here, stage.name());
            PacketTap t = tap;
            if (t != null && e.before() != null) {
                t.packet(e.before(), packet.buffer(), packet.frameOffset(), packet.frameLength(), 1,
                        packet.origin().comment());
            }
            Verdict verdict = stage.process(packet, now);
            if (t != null && e.after() != null) {
                t.packet(e.after(), packet.buffer(), packet.frameOffset(), packet.frameLength(), 1,
                        stage.captureComment(verdict, packet));
            }
            e.counters().count(verdict, packet.dropReason());
            if (packet.traced()) {
                trace(packet, here, stage, verdict);
            }
            switch (verdict) {
                case CONTINUE -> { }
                case SENT -> {
                    return DropReason.NONE;
                }
                case DROPPED -> {
                    DropReason reason = totals.drop(packet.dropReason());
                    if (packet.icmpErrorOwed() != null) {
                        errors.report(packet, now);
                    }
                    return reason;
                }
                default -> throw new AssertionError(verdict);
            }
        }
        if (packet.traced()) {
            packet.end("dropped on " + here + ": no stage of its router took it");
        }
        packet.setDropReason(DropReason.NO_ROUTE);
        return totals.drop(DropReason.NO_ROUTE);
    }

    /** The hop of a stage that said nothing, and the end of a journey a drop ended. */
    private static void trace(PacketContext packet, String here, Stage stage, Verdict verdict) {
        DropReason reason = packet.dropReason();
        if (!packet.spoke()) {
            packet.say(switch (verdict) {
                case CONTINUE -> "passed";
                case SENT -> "sent on";
                case DROPPED -> "dropped: " + reason.description();
            });
        }
        if (verdict == Verdict.DROPPED && !packet.ended()) {
            packet.end("dropped on " + here + " by the " + stage.name() + " stage: " + reason.description());
        }
    }
}
