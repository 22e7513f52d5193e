package dev.vnet.node.router;

import static dev.vnet.node.router.Packets.Proto.ICMP_ECHO;
import static dev.vnet.node.router.Packets.ethernet;
import static dev.vnet.node.router.Packets.ip;
import static dev.vnet.node.router.Packets.ipv4;
import static dev.vnet.node.router.Packets.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import dev.vnet.node.router.Pipeline.Slot;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pipeline itself, with stages made for the test: the order of the slots, the counters, captures and trace
 * hops it provides around every stage, and the ICMP error it sends once a drop is counted.
 */
class PipelineTest {
    private static final long NOW = 1_000L;
    /** Packets.ipv4's identification, and the echo identifier of its ICMP echo requests. */
    private static final int IP_ID = 0x1c46;
    private static final int ECHO_ID = 0x0b0b;

    private final RouterCounters totals = new RouterCounters();
    private final Pipeline pipeline = new Pipeline(totals);
    /** The names of the stages in the order they were given a packet. */
    private final List<String> ran = new ArrayList<>();

    /** A stage that records that it ran and answers {@code verdict} (dropping with {@code reason}). */
    private Stage stage(String name, Verdict verdict, DropReason reason) {
        return new Stage() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Verdict process(PacketContext packet, long now) {
                ran.add(name);
                return verdict == Verdict.DROPPED ? Verdict.drop(packet, reason) : verdict;
            }
        };
    }

    private Stage passing(String name) {
        return stage(name, Verdict.CONTINUE, DropReason.NONE);
    }

    private static PacketContext packet() {
        byte[] frame = ethernet(mac("0a:58:0a:f4:01:01"), mac("0a:58:0a:f4:01:02"), EthernetFrame.TYPE_IPV4,
                ipv4(ip("10.244.1.2"), ip("10.244.2.7"), ICMP_ECHO, 64, true, 84));
        ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
        buf.put(0, frame);
        PacketContext p = new PacketContext();
        assertEquals(DropReason.NONE, p.parse(buf, 0, frame.length, Origin.POD));
        return p;
    }

    /** Runs a packet that is the probe, and returns the probe with the hops the stages recorded. */
    private Probe traced() {
        Probe probe = new Probe(IP_ID, 1, ECHO_ID);
        assertTrue(Tracing.begin(probe));
        try {
            pipeline.run(packet(), NOW);
        } finally {
            Tracing.end(probe);
        }
        return probe;
    }

    private static List<String> stagesOf(Probe probe) {
        return probe.hops().stream().map(h -> h.stage() + ": " + h.decision()).toList();
    }

    @Test
    void stagesRunInTheOrderOfTheirSlotsWhateverOrderTheyWerePutIn() {
        pipeline.put(Slot.ROUTING, stage("router", Verdict.SENT, DropReason.NONE));
        pipeline.put(Slot.DNS, passing("dns"));
        pipeline.put(Slot.SERVICE, passing("service"));

        DropReason verdict = pipeline.run(packet(), NOW);

        assertEquals(DropReason.NONE, verdict);
        assertEquals(List.of("service", "dns", "router"), ran);
        assertEquals(List.of("service", "dns", "router"), pipeline.stageNames());
        assertEquals(List.of(Slot.SERVICE, Slot.DNS, Slot.ROUTING),
                pipeline.stages().stream().map(Pipeline.Installed::slot).toList());
    }

    @Test
    void aStageThatSendsThePacketOnEndsThePipelineAndEachStageCountsWhatItDid() {
        pipeline.put(Slot.SERVICE, passing("service"));
        pipeline.put(Slot.DNS, stage("dns", Verdict.SENT, DropReason.NONE));
        pipeline.put(Slot.ROUTING, passing("router"));

        pipeline.run(packet(), NOW);
        pipeline.run(packet(), NOW);

        assertEquals(List.of("service", "dns", "service", "dns"), ran, "routing never saw them");
        List<Pipeline.Installed> stages = pipeline.stages();
        assertEquals(List.of(2L, 2L, 0L), stages.stream().map(s -> s.counters().packets()).toList());
        assertEquals(2, stages.get(0).counters().passed());
        assertEquals(2, stages.get(1).counters().sent());
        assertEquals(Map.of(), totals.dropsByReason());
    }

    @Test
    void aDropIsCountedAtItsStageAndInTheRoutersTotalsWithItsReason() {
        pipeline.put(Slot.SERVICE, passing("service"));
        pipeline.put(Slot.POLICY, stage("policy", Verdict.DROPPED, DropReason.NOT_FOR_US));
        pipeline.put(Slot.ROUTING, passing("router"));

        DropReason verdict = pipeline.run(packet(), NOW);

        assertEquals(DropReason.NOT_FOR_US, verdict);
        assertEquals(List.of("service", "policy"), ran);
        assertEquals(Map.of(DropReason.NOT_FOR_US, 1L), pipeline.stages().get(1).counters().dropsByReason());
        assertEquals(Map.of(DropReason.NOT_FOR_US, 1L), totals.dropsByReason());
    }

    @Test
    void aPacketNoStageTakesIsDroppedNoRoute() {
        pipeline.put(Slot.DNS, passing("dns"));

        PacketContext p = packet();
        assertEquals(DropReason.NO_ROUTE, pipeline.run(p, NOW));
        assertEquals(DropReason.NO_ROUTE, p.dropReason());
        assertEquals(Map.of(DropReason.NO_ROUTE, 1L), totals.dropsByReason());
    }

    @Test
    void putReplacesTheStageInASlotWhichKeepsItsCountersAndRemoveEmptiesIt() {
        Stage first = passing("first");
        pipeline.put(Slot.POLICY, first);
        pipeline.run(packet(), NOW);
        pipeline.put(Slot.POLICY, passing("second"));
        pipeline.run(packet(), NOW);

        assertEquals(List.of("first", "second"), ran);
        assertEquals(2, pipeline.stages().get(0).counters().packets(), "the slot's counters go on");
        assertEquals("second", pipeline.remove(Slot.POLICY).name());
        assertEquals(List.of(), pipeline.stageNames());
        assertNull(pipeline.remove(Slot.POLICY));
    }

    @Test
    void aTracedPacketGetsOneHopPerStageInOrderAndADropEndsItsJourney() {
        pipeline.setNodeName("node-1");
        pipeline.put(Slot.DNS, passing("dns"));
        pipeline.put(Slot.SERVICE, new Stage() {
            @Override
            public String name() {
                return "service";
            }

            @Override
            public Verdict process(PacketContext packet, long now) {
                packet.say("no Service here");
                return Verdict.CONTINUE;
            }
        });
        pipeline.put(Slot.ROUTING, stage("router", Verdict.DROPPED, DropReason.NO_ROUTE));

        Probe probe = traced();

        assertEquals(List.of("service: no Service here", "dns: passed", "router: dropped: no route to the destination"),
                stagesOf(probe));
        assertEquals(List.of("node-1", "node-1", "node-1"), probe.hops().stream().map(Probe.Hop::node).toList());
        assertEquals("dropped on node-1 by the router stage: no route to the destination", probe.outcome());
    }

    @Test
    void anUntracedPacketLeavesNoHops() {
        pipeline.put(Slot.ROUTING, stage("router", Verdict.SENT, DropReason.NONE));
        Probe other = new Probe(IP_ID + 1, 1, ECHO_ID);
        Tracing.begin(other);
        try {
            pipeline.run(packet(), NOW);
        } finally {
            Tracing.end(other);
        }
        assertEquals(List.of(), other.hops());
    }

    @Test
    void aStageWithACapturePointIsCapturedBeforeAndAfterWithItsComment() {
        record Seen(String point, int length, String comment) {}
        List<Seen> seen = new ArrayList<>();
        pipeline.setTap((point, buf, off, len, linkType, comment) -> seen.add(new Seen(point, len, comment)));
        pipeline.put(Slot.DNS, passing("dns"));
        pipeline.put(Slot.SERVICE, new Stage() {
            @Override
            public String name() {
                return "service";
            }

            @Override
            public Verdict process(PacketContext packet, long now) {
                return Verdict.CONTINUE;
            }

            @Override
            public String capturePoint() {
                return "nat";
            }

            @Override
            public String captureComment(Verdict verdict, PacketContext packet) {
                return "PASS";
            }
        });
        pipeline.put(Slot.ROUTING, stage("router", Verdict.SENT, DropReason.NONE));

        pipeline.run(packet(), NOW);
        pipeline.setTap(null);
        pipeline.run(packet(), NOW);

        int frame = EthernetFrame.HEADER_LEN + 84;
        assertEquals(List.of(new Seen("nat-before", frame, "from pod"), new Seen("nat-after", frame, "PASS")), seen);
    }

    @Test
    void anOwedIcmpErrorIsSentAfterTheDropIsCounted() {
        List<Long> countedWhenReported = new ArrayList<>();
        List<PacketContext> about = new ArrayList<>();
        pipeline.setErrorReporter((packet, now) -> {
            about.add(packet);
            countedWhenReported.add(totals.drops(DropReason.TTL_EXCEEDED));
        });
        pipeline.put(Slot.ROUTING, new Stage() {
            @Override
            public String name() {
                return "router";
            }

            @Override
            public Verdict process(PacketContext packet, long now) {
                packet.oweIcmpError(IcmpRepr.timeExceeded());
                return Verdict.drop(packet, DropReason.TTL_EXCEEDED);
            }
        });
        PacketContext p = packet();

        pipeline.run(p, NOW);

        assertEquals(List.of(1L), countedWhenReported, "counted before anyone could hear of the error");
        assertSame(p, about.get(0));
    }

    @Test
    void aDropWithoutAnOwedErrorReportsNothing() {
        List<PacketContext> about = new ArrayList<>();
        pipeline.setErrorReporter((packet, now) -> about.add(packet));
        pipeline.put(Slot.ROUTING, stage("router", Verdict.DROPPED, DropReason.LOOP));

        pipeline.run(packet(), NOW);

        assertEquals(List.of(), about);
    }
}
