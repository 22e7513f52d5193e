package dev.vnet.overlay;

import static dev.vnet.overlay.InnerFrames.flow;
import static dev.vnet.overlay.InnerFrames.ip;
import static dev.vnet.overlay.InnerFrames.vxlan;
import static dev.vnet.overlay.VxlanHeaderTest.KERNEL_VXLAN_ECHO_REQUEST;
import static dev.vnet.overlay.VxlanHeaderTest.place;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Node-1's VTEP (VNI 1) with peers node-2 (192.168.56.12) and node-3 (192.168.56.13), an in-memory underlay
 * and a handler that records what it is given.
 */
class VtepTest {

    private static final long NOW = 7_000_000_000L;
    private static final int NODE_2_UNDERLAY = ip("192.168.56.12");
    private static final int NODE_3_UNDERLAY = ip("192.168.56.13");
    private static final int STRANGER_UNDERLAY = ip("192.168.56.99");

    /** A frame node-1 tunnels to node-2: pod 10.244.1.2 to pod 10.244.2.7, UDP 40000 to 53. */
    private static final byte[] FRAME_TO_NODE_2 = flow(Ipv4Packet.PROTO_UDP, "10.244.1.2", 40000, "10.244.2.7", 53);

    /** What the handler was given: the inner frame copied out of [offset, offset+length), and the call's arguments. */
    record Handed(ByteBuffer buf, int offset, int length, byte[] frame, Peer from, long now) {
    }

    /** The router's seat: records each inner frame and answers with {@link #verdict}. */
    static final class RecordingHandler implements InnerFrameHandler {
        final List<Handed> handed = new ArrayList<>();
        DropReason verdict = DropReason.NONE;

        @Override
        public DropReason fromOverlay(ByteBuffer buf, int offset, int length, long offload, Peer from, long now) {
            byte[] frame = new byte[length];
            for (int i = 0; i < length; i++) {
                frame[i] = buf.get(offset + i);
            }
            handed.add(new Handed(buf, offset, length, frame, from, now));
            return verdict;
        }
    }

    private final PeerTable peers = new PeerTable();
    private final MemoryUnderlay underlay = new MemoryUnderlay();
    private final RecordingHandler handler = new RecordingHandler();
    private Vtep vtep;

    @BeforeEach
    void setUp() {
        peers.replace(List.of(PeerTableTest.NODE_2, PeerTableTest.NODE_3));
        vtep = new Vtep(Vtep.DEFAULT_VNI, peers, underlay);
        vtep.setHandler(handler);
    }

    private DropReason receive(byte[] datagram, int sourceIp) {
        return vtep.receive(ByteBuffer.wrap(datagram), 0, datagram.length, sourceIp, NOW);
    }

    // --- sending ---------------------------------------------------------------------------------------

    @Test
    void sendHandsTheFrameAndOurVniToTheSender() {
        DropReason verdict = vtep.send(PeerTableTest.NODE_2, ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length);

        assertEquals(DropReason.NONE, verdict);
        List<MemoryUnderlay.Sent> sent = underlay.drain();
        assertEquals(1, sent.size());
        assertSame(PeerTableTest.NODE_2, sent.get(0).peer());
        assertEquals(1, sent.get(0).vni());
        assertArrayEquals(FRAME_TO_NODE_2, sent.get(0).frame());
    }

    @Test
    void sendPassesOnlyLengthBytesOfALargerBuffer() {
        ByteBuffer scratch = ByteBuffer.allocateDirect(65536);
        scratch.put(0, FRAME_TO_NODE_2);

        vtep.send(PeerTableTest.NODE_3, scratch, FRAME_TO_NODE_2.length);

        MemoryUnderlay.Sent sent = underlay.drain().get(0);
        assertSame(PeerTableTest.NODE_3, sent.peer());
        assertArrayEquals(FRAME_TO_NODE_2, sent.frame());
    }

    @Test
    void sendPassesTheInnerFlowHashSoAFlowKeepsItsSourcePort() {
        vtep.send(PeerTableTest.NODE_2, ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length);

        assertEquals(FlowHash.of(ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length),
                underlay.drain().get(0).flowHash());
    }

    @Test
    void sendCountsPacketsAndBytesIncludingTheVxlanHeader() {
        vtep.send(PeerTableTest.NODE_2, ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length);
        vtep.send(PeerTableTest.NODE_3, ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length);

        assertEquals(2, vtep.txPackets());
        assertEquals(2L * (FRAME_TO_NODE_2.length + VxlanHeader.HEADER_LEN), vtep.txBytes());
        assertEquals(Map.of(), vtep.dropsByReason());
    }

    @Test
    void sendDropsQueueFullWhenTheSenderRefuses() {
        underlay.setAccepting(false);

        DropReason verdict = vtep.send(PeerTableTest.NODE_2, ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length);

        assertEquals(DropReason.QUEUE_FULL, verdict);
        assertEquals(Map.of(DropReason.QUEUE_FULL, 1L), vtep.dropsByReason());
        assertEquals(0, vtep.txPackets());
        assertEquals(0, vtep.txBytes());
    }

    private static PacketContext parsed(ByteBuffer buf, int offset, int length) {
        PacketContext p = new PacketContext();
        assertEquals(DropReason.NONE, p.parse(buf, offset, length, PacketContext.Origin.POD));
        return p;
    }

    @Test
    void sendOfAParsedPacketTunnelsTheSameBytesWithTheContextsFlowHash() {
        ByteBuffer scratch = ByteBuffer.allocateDirect(65536);
        scratch.put(0, FRAME_TO_NODE_2);
        PacketContext packet = parsed(scratch, 0, FRAME_TO_NODE_2.length);

        assertEquals(DropReason.NONE, vtep.send(PeerTableTest.NODE_2, packet));

        MemoryUnderlay.Sent sent = underlay.drain().get(0);
        assertArrayEquals(FRAME_TO_NODE_2, sent.frame());
        assertEquals(FlowHash.of(ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length), sent.flowHash());
        assertEquals(1, vtep.txPackets());
    }

    @Test
    void sendOfAParsedPacketTracesTheProbeMatchedWhenItWasParsed() {
        // An echo request (type 8 where the ports would be), identifier 0, IP identification 77.
        byte[] echo = InnerFrames.ipv4(Ipv4Packet.HEADER_LEN, Ipv4Packet.PROTO_ICMP, ip("10.244.1.2"), ip("10.244.2.7"),
                0x0800, 0, 64, 77, (byte) 0);
        Probe probe = new Probe(77, Ipv4Packet.PROTO_ICMP, 0);
        PacketContext packet;
        Tracing.begin(probe);
        try {
            packet = parsed(ByteBuffer.wrap(echo), 0, echo.length);
        } finally {
            Tracing.end(probe);
        }
        vtep.setNodeName("node-1");

        vtep.send(PeerTableTest.NODE_2, packet); // no trace is active now: only the context knows the probe

        assertEquals(1, probe.hops().size(), probe.hops().toString());
        assertEquals("vxlan", probe.hops().get(0).stage());
        assertTrue(probe.hops().get(0).decision().startsWith("encapsulated with VNI 1 → node-2"));
    }

    @Test
    void aParsedPacketMustStartAtIndexZero() {
        ByteBuffer buf = ByteBuffer.allocate(FRAME_TO_NODE_2.length + 4);
        buf.put(4, FRAME_TO_NODE_2);
        PacketContext packet = parsed(buf, 4, FRAME_TO_NODE_2.length);

        assertThrows(IllegalArgumentException.class, () -> vtep.send(PeerTableTest.NODE_2, packet));
    }

    // --- receiving -------------------------------------------------------------------------------------

    @Test
    void receiveHandsExactlyTheInnerFrameToTheHandler() {
        // The datagram sits after 42 bytes of outer headers in a larger buffer, as a socket read leaves it.
        ByteBuffer buf = place(KERNEL_VXLAN_ECHO_REQUEST, 42, 16);

        DropReason verdict = vtep.receive(buf, 42, KERNEL_VXLAN_ECHO_REQUEST.length, NODE_2_UNDERLAY, NOW);

        assertEquals(DropReason.NONE, verdict);
        assertEquals(1, handler.handed.size());
        Handed h = handler.handed.get(0);
        assertSame(buf, h.buf(), "the inner frame is handed over in place, not copied");
        assertEquals(42 + 8, h.offset());
        assertEquals(KERNEL_VXLAN_ECHO_REQUEST.length - 8, h.length());
        assertArrayEquals(Arrays.copyOfRange(KERNEL_VXLAN_ECHO_REQUEST, 8, KERNEL_VXLAN_ECHO_REQUEST.length), h.frame());
    }

    @Test
    void receiveTellsTheHandlerWhichPeerSentItAndWhen() {
        receive(vxlan(1, FRAME_TO_NODE_2), NODE_2_UNDERLAY);
        receive(vxlan(1, FRAME_TO_NODE_2), NODE_3_UNDERLAY);

        assertEquals(2, handler.handed.size());
        assertSame(PeerTableTest.NODE_2, handler.handed.get(0).from());
        assertSame(PeerTableTest.NODE_3, handler.handed.get(1).from());
        assertEquals(NOW, handler.handed.get(0).now());
    }

    @Test
    void receiveCountsPacketsAndBytesOfTheUdpPayload() {
        receive(KERNEL_VXLAN_ECHO_REQUEST, NODE_2_UNDERLAY);

        assertEquals(1, vtep.rxPackets());
        assertEquals(KERNEL_VXLAN_ECHO_REQUEST.length, vtep.rxBytes());
        assertEquals(Map.of(), vtep.dropsByReason());
    }

    /** A datagram that must not reach the router: {name, datagram, underlay source, expected drop}. */
    record BadDatagram(String name, byte[] datagram, int sourceIp, DropReason expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadDatagram> badDatagrams() {
        byte[] good = KERNEL_VXLAN_ECHO_REQUEST;
        byte[] noIFlag = good.clone();
        noIFlag[0] = 0;
        byte[] reservedFlagsOnly = good.clone();
        reservedFlagsOnly[0] = (byte) 0xf7;
        byte[] vni1InTheReservedByte = good.clone();
        vni1InTheReservedByte[6] = 0;
        vni1InTheReservedByte[7] = 1;
        byte[] vni1InTheHighByte = good.clone();
        vni1InTheHighByte[4] = 1;
        vni1InTheHighByte[6] = 0;
        return Stream.of(
                new BadDatagram("from an underlay address that is no peer", good, STRANGER_UNDERLAY,
                        DropReason.UNKNOWN_PEER),
                new BadDatagram("from a pod address rather than an underlay one", good, ip("10.244.2.7"),
                        DropReason.UNKNOWN_PEER),
                new BadDatagram("garbage from a stranger: the peer is checked first", new byte[3], STRANGER_UNDERLAY,
                        DropReason.UNKNOWN_PEER),
                new BadDatagram("VNI 2", vxlan(2, FRAME_TO_NODE_2), NODE_2_UNDERLAY, DropReason.BAD_VNI),
                new BadDatagram("VNI 0", vxlan(0, FRAME_TO_NODE_2), NODE_2_UNDERLAY, DropReason.BAD_VNI),
                new BadDatagram("VNI 0x010000 (a 1 in the VNI's high byte)", vni1InTheHighByte, NODE_2_UNDERLAY,
                        DropReason.BAD_VNI),
                new BadDatagram("VNI 0 with 1 in the reserved byte", vni1InTheReservedByte, NODE_2_UNDERLAY,
                        DropReason.BAD_VNI),
                new BadDatagram("I flag clear", noIFlag, NODE_2_UNDERLAY, DropReason.BAD_VXLAN),
                new BadDatagram("only reserved flags set", reservedFlagsOnly, NODE_2_UNDERLAY, DropReason.BAD_VXLAN),
                new BadDatagram("empty", new byte[0], NODE_2_UNDERLAY, DropReason.TRUNCATED),
                new BadDatagram("a VXLAN header alone", Arrays.copyOf(good, 8), NODE_2_UNDERLAY, DropReason.TRUNCATED),
                new BadDatagram("one byte short of an inner Ethernet header", Arrays.copyOf(good, 21), NODE_2_UNDERLAY,
                        DropReason.TRUNCATED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDatagrams")
    void badDatagramIsDroppedCountedAndNeverReachesTheHandler(BadDatagram d) {
        DropReason verdict = receive(d.datagram(), d.sourceIp());

        assertEquals(d.expected(), verdict);
        assertEquals(List.of(), handler.handed);
        assertEquals(Map.of(d.expected(), 1L), vtep.dropsByReason());
        assertEquals(1, vtep.drops(d.expected()));
        assertEquals(1, vtep.rxPackets(), "every arriving datagram is counted, dropped or not");
        assertEquals(d.datagram().length, vtep.rxBytes());
    }

    @Test
    void receiveReturnsAndCountsTheHandlersDrop() {
        handler.verdict = DropReason.NOT_FOR_US;

        DropReason verdict = receive(KERNEL_VXLAN_ECHO_REQUEST, NODE_2_UNDERLAY);

        assertEquals(DropReason.NOT_FOR_US, verdict);
        assertEquals(1, handler.handed.size());
        assertEquals(Map.of(DropReason.NOT_FOR_US, 1L), vtep.dropsByReason());
    }

    @Test
    void withoutAHandlerEveryInnerFrameIsDroppedNoRoute() {
        Vtep bare = new Vtep(Vtep.DEFAULT_VNI, peers, underlay);

        DropReason verdict = bare.receive(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0,
                KERNEL_VXLAN_ECHO_REQUEST.length, NODE_2_UNDERLAY, NOW);

        assertEquals(DropReason.NO_ROUTE, verdict);
        assertEquals(1, bare.drops(DropReason.NO_ROUTE));
    }

    @Test
    void aVtepOnAnotherVniAcceptsOnlyThatVni() {
        Vtep vni42 = new Vtep(42, peers, underlay);
        vni42.setHandler(handler);

        assertEquals(DropReason.BAD_VNI, vni42.receive(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0,
                KERNEL_VXLAN_ECHO_REQUEST.length, NODE_2_UNDERLAY, NOW));
        byte[] on42 = vxlan(42, FRAME_TO_NODE_2);
        assertEquals(DropReason.NONE, vni42.receive(ByteBuffer.wrap(on42), 0, on42.length, NODE_2_UNDERLAY, NOW));
        vni42.send(PeerTableTest.NODE_2, ByteBuffer.wrap(FRAME_TO_NODE_2), FRAME_TO_NODE_2.length);
        assertEquals(42, underlay.drain().get(0).vni());
    }

    @Test
    void peerTableChangesApplyToTheNextDatagram() {
        peers.replace(List.of(PeerTableTest.NODE_3));

        assertEquals(DropReason.UNKNOWN_PEER, receive(KERNEL_VXLAN_ECHO_REQUEST, NODE_2_UNDERLAY));
        assertEquals(DropReason.NONE, receive(KERNEL_VXLAN_ECHO_REQUEST, NODE_3_UNDERLAY));
    }

    @Test
    void countersAreExactOverAMixedRun() {
        ByteBuffer frame = ByteBuffer.wrap(FRAME_TO_NODE_2);
        vtep.send(PeerTableTest.NODE_2, frame, FRAME_TO_NODE_2.length);
        vtep.send(PeerTableTest.NODE_3, frame, FRAME_TO_NODE_2.length);
        underlay.setAccepting(false);
        vtep.send(PeerTableTest.NODE_2, frame, FRAME_TO_NODE_2.length);
        byte[] good = KERNEL_VXLAN_ECHO_REQUEST;
        byte[] vni2 = vxlan(2, FRAME_TO_NODE_2);
        receive(good, NODE_2_UNDERLAY);
        receive(good, NODE_3_UNDERLAY);
        receive(good, STRANGER_UNDERLAY);
        receive(vni2, NODE_2_UNDERLAY);
        receive(Arrays.copyOf(good, 10), NODE_2_UNDERLAY);

        assertEquals(2, vtep.txPackets());
        assertEquals(2L * (FRAME_TO_NODE_2.length + 8), vtep.txBytes());
        assertEquals(5, vtep.rxPackets());
        assertEquals(3L * good.length + vni2.length + 10, vtep.rxBytes());
        assertEquals(Map.of(DropReason.QUEUE_FULL, 1L, DropReason.UNKNOWN_PEER, 1L, DropReason.BAD_VNI, 1L,
                DropReason.TRUNCATED, 1L), vtep.dropsByReason());
        assertEquals(2, handler.handed.size());
        assertTrue(underlay.drain().size() == 2);
    }
}
