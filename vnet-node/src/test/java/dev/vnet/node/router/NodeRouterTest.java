package dev.vnet.node.router;

import static dev.vnet.core.packet.PacketContext.Origin.NODE;
import static dev.vnet.core.packet.PacketContext.Origin.OVERLAY;
import static dev.vnet.core.packet.PacketContext.Origin.POD;
import static dev.vnet.node.router.Packets.Proto.ICMP_ECHO;
import static dev.vnet.node.router.Packets.Proto.ICMP_ERROR;
import static dev.vnet.node.router.Packets.Proto.TCP;
import static dev.vnet.node.router.Packets.Proto.UDP;
import static dev.vnet.node.router.Packets.arp;
import static dev.vnet.node.router.Packets.arpRequest;
import static dev.vnet.node.router.Packets.bytes;
import static dev.vnet.node.router.Packets.ethernet;
import static dev.vnet.node.router.Packets.icmpView;
import static dev.vnet.node.router.Packets.ip;
import static dev.vnet.node.router.Packets.ipView;
import static dev.vnet.node.router.Packets.ipv4;
import static dev.vnet.node.router.Packets.mac;
import static dev.vnet.node.router.Packets.vxlan;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.IptablesTable;
import dev.vnet.nat.service.ServicePort;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.node.router.Packets.Proto;
import dev.vnet.node.router.RouterCounters.Route;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.PeerTable;
import dev.vnet.overlay.Vtep;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Node-1 wired as the node daemon wires it: a bridge with the gateway 10.244.1.1 and two pods, A (10.244.1.2)
 * and B (10.244.1.3); a VTEP whose peers are node-2 (10.244.2.0/24 at 192.168.56.12) and node-3
 * (10.244.3.0/24 at 192.168.56.13) over an in-memory underlay; and an in-memory TUN for 10.244.1.0. Packets
 * enter where they would in a running node: a pod's port, the VTEP, or the TUN; the tests look at every
 * place a packet can come out of.
 */
class NodeRouterTest {

    private static final long NOW = 5_000_000_000L;

    static final Cidr LOCAL_SUBNET = Cidr.parse("10.244.1.0/24");
    static final Cidr POD_CIDR = Cidr.parse("10.244.0.0/16");
    static final int TUN_IP = ip("10.244.1.0");
    static final int GATEWAY_IP = ip("10.244.1.1");
    static final long GATEWAY_MAC = mac("0a:58:0a:f4:01:01");
    static final long VTEP_MAC = mac("0a:58:0a:f4:01:00");
    static final int OVERLAY_MTU = 1450;

    static final String POD_A = "10.244.1.2";
    static final long POD_A_MAC = mac("0a:58:0a:f4:01:02");
    static final String POD_B = "10.244.1.3";
    static final long POD_B_MAC = mac("0a:58:0a:f4:01:03");

    static final int NODE_2_UNDERLAY = ip("192.168.56.12");
    static final long NODE_2_VTEP = mac("0a:58:0a:f4:02:00");
    static final Peer NODE_2 = Peer.of("node-2", Cidr.parse("10.244.2.0/24"), Ipv4Address.parse("192.168.56.12"),
            new MacAddress(NODE_2_VTEP));
    static final long NODE_3_VTEP = mac("0a:58:0a:f4:03:00");
    static final Peer NODE_3 = Peer.of("node-3", Cidr.parse("10.244.3.0/24"), Ipv4Address.parse("192.168.56.13"),
            new MacAddress(NODE_3_VTEP));

    /**
     * A VXLAN datagram's UDP payload as node-2's Linux kernel sent it: the echo reply of 10.244.2.0 (node-2's
     * VTEP address) to 10.244.1.0, from VTEP MAC 0a:58:0a:f4:02:00 to ours. Captured on Linux 6.18 between two
     * network namespaces joined by a veth, each with a kernel vxlan device ({@code id 1 dstport 4789}), with
     * {@code tcpdump -xx} during {@code ping -c 2 -s 16 10.244.2.0}; bytes 42.. of the frame.
     */
    static final byte[] KERNEL_VXLAN_ECHO_REPLY_FROM_NODE_2 = bytes(
            0x08, 0x00, 0x00, 0x00,             // VXLAN flags: I; reserved
            0x00, 0x00, 0x01, 0x00,             // VNI 1; reserved
            0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x00, // inner destination 0a:58:0a:f4:01:00 (our VTEP MAC)
            0x0a, 0x58, 0x0a, 0xf4, 0x02, 0x00, // inner source 0a:58:0a:f4:02:00 (node-2's VTEP MAC)
            0x08, 0x00,                         // EtherType IPv4
            0x45, 0x00,                         // version 4, IHL 5; DSCP/ECN 0
            0x00, 0x2c,                         // total length 44
            0xf0, 0x72,                         // identification
            0x00, 0x00,                         // no flags, fragment offset 0
            0x40, 0x01,                         // TTL 64; protocol ICMP
            0x71, 0x77,                         // header checksum
            0x0a, 0xf4, 0x02, 0x00,             // source 10.244.2.0
            0x0a, 0xf4, 0x01, 0x00,             // destination 10.244.1.0 (our TUN address)
            0x00, 0x00,                         // ICMP type 0 (echo reply), code 0
            0x7a, 0xd9,                         // ICMP checksum
            0x3b, 0x43, 0x00, 0x01,             // identifier, sequence 1
            0xa5, 0x46, 0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, // data: ping's struct timeval
            0x93, 0x30, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00);

    /** Where a packet can leave node-1. */
    enum Where { POD_A, POD_B, NODE_2, NODE_3, TUN }

    /** One packet that left: where, its Ethernet MACs (-1 for the TUN, which has none), and its IP bytes. */
    record Captured(Where where, long srcMac, long dstMac, int etherType, byte[] ip) {
        @Override
        public String toString() {
            Ipv4Packet v = ipView(ip);
            return where + " " + MacAddress.toString(srcMac) + ">" + MacAddress.toString(dstMac) + " "
                    + (etherType == EthernetFrame.TYPE_IPV4
                    ? Ipv4Address.toString(v.source()) + ">" + Ipv4Address.toString(v.destination()) + " ttl " + v.ttl()
                    : "type 0x" + Integer.toHexString(etherType));
        }
    }

    private Bridge bridge;
    private GatewayPort gateway;
    private MemoryPodPort podA;
    private MemoryPodPort podB;
    private final List<Captured> overlay = new ArrayList<>();
    private final List<Captured> tun = new ArrayList<>();
    private boolean underlayAccepting = true;
    /** False while measuring allocation: the underlay then only counts what it is given. */
    private boolean keepOverlayCopies = true;
    private long overlayCount;
    private boolean tunAccepting = true;
    private Vtep vtep;
    private NodeRouter router;

    @BeforeEach
    void wireNode1() {
        bridge = new Bridge("br-node-1");
        gateway = new GatewayPort(bridge, GATEWAY_IP, GATEWAY_MAC);
        podA = new MemoryPodPort(bridge, "pod-a");
        podB = new MemoryPodPort(bridge, "pod-b");
        // The pods have spoken before, so the bridge knows their ports (their own frames taught it).
        bridge.fdb().learn(POD_A_MAC, podA.port(), NOW);
        bridge.fdb().learn(POD_B_MAC, podB.port(), NOW);
        PeerTable peers = new PeerTable();
        peers.replace(List.of(NODE_2, NODE_3));
        vtep = new Vtep(Vtep.DEFAULT_VNI, peers, (peer, vni, hash, frame, length) -> {
            if (!underlayAccepting) {
                return false;
            }
            if (!keepOverlayCopies) {
                overlayCount++;
                return true;
            }
            assertEquals(1, vni, "VNI");
            byte[] copy = copy(frame, 0, length);
            overlay.add(captured(peer == NODE_2 ? Where.NODE_2 : Where.NODE_3, copy));
            return true;
        });
        router = new NodeRouter(LOCAL_SUBNET, POD_CIDR, TUN_IP, VTEP_MAC, OVERLAY_MTU, gateway, bridge, vtep);
        router.setTun((buf, offset, length) -> {
            if (tunAccepting) {
                tun.add(new Captured(Where.TUN, -1, -1, EthernetFrame.TYPE_IPV4, copy(buf, offset, length)));
            }
            return tunAccepting;
        });
        router.podAdded(ip(POD_A), POD_A_MAC);
        router.podAdded(ip(POD_B), POD_B_MAC);
    }

    // --- the packet-flow table -------------------------------------------------------------------------

    enum Kind { FORWARDED, DROPPED, ICMP_ERROR_BACK }

    /**
     * What must come of a packet: where it leaves (nowhere if dropped), its TTL there and its MACs; for an ICMP
     * error, the drop reason of the original and the error's type, code and next-hop MTU.
     */
    record Expect(Kind kind, Where where, DropReason drop, int ttl, long srcMac, long dstMac, int icmpType,
                  int icmpCode, int mtu) {
    }

    static Expect to(Where where, int ttl, long srcMac, long dstMac) {
        return new Expect(Kind.FORWARDED, where, DropReason.NONE, ttl, srcMac, dstMac, 0, 0, 0);
    }

    static Expect toTun(int ttl) {
        return to(Where.TUN, ttl, -1, -1);
    }

    static Expect dropped(DropReason reason) {
        return new Expect(Kind.DROPPED, null, reason, 0, 0, 0, 0, 0, 0);
    }

    static Expect icmpBack(DropReason reason, int type, int code, int mtu, Where where, int ttl, long srcMac,
            long dstMac) {
        return new Expect(Kind.ICMP_ERROR_BACK, where, reason, ttl, srcMac, dstMac, type, code, mtu);
    }

    static Expect timeExceededBack(Where where, int ttl, long srcMac, long dstMac) {
        return icmpBack(DropReason.TTL_EXCEEDED, IcmpPacket.TYPE_TIME_EXCEEDED, 0, 0, where, ttl, srcMac, dstMac);
    }

    static Expect fragNeededBack(Where where, int ttl, long srcMac, long dstMac) {
        return icmpBack(DropReason.FRAG_NEEDED, IcmpPacket.TYPE_DEST_UNREACHABLE, IcmpPacket.CODE_FRAG_NEEDED,
                OVERLAY_MTU, where, ttl, srcMac, dstMac);
    }

    /** One row: a packet entering node-1 from {@code origin} (pod A, node-2's VTEP, or the TUN). */
    record Flow(String name, Origin origin, String src, String dst, Proto proto, int ttl, boolean df, int size,
                Expect expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Flow> packetFlows() {
        final boolean df = true;
        final boolean noDf = false;
        final Where podA = Where.POD_A;
        final Where podB = Where.POD_B;
        final Where node2 = Where.NODE_2;
        final Where node3 = Where.NODE_3;
        return Stream.of(
                // From pod A, through the gateway port.
                new Flow("pod A to a pod on node-2: overlay, our VTEP MAC to node-2's, TTL-1",
                        POD, POD_A, "10.244.2.7", UDP, 64, df, 100, to(node2, 63, VTEP_MAC, NODE_2_VTEP)),
                new Flow("pod A to a pod on node-3: overlay to node-3's VTEP MAC",
                        POD, POD_A, "10.244.3.9", TCP, 64, df, 60, to(node3, 63, VTEP_MAC, NODE_3_VTEP)),
                new Flow("pod A to node-2's TUN address: overlay to node-2",
                        POD, POD_A, "10.244.2.0", ICMP_ECHO, 64, df, 84, to(node2, 63, VTEP_MAC, NODE_2_VTEP)),
                new Flow("pod A with TTL 2 to node-2: leaves with TTL 1",
                        POD, POD_A, "10.244.2.7", UDP, 2, df, 100, to(node2, 1, VTEP_MAC, NODE_2_VTEP)),
                new Flow("pod A to pod B through the gateway: back into the bridge from the gateway MAC",
                        POD, POD_A, POD_B, ICMP_ECHO, 64, df, 84, to(podB, 63, GATEWAY_MAC, POD_B_MAC)),
                new Flow("pod A to this node's TUN address 10.244.1.0: TUN, TTL untouched",
                        POD, POD_A, "10.244.1.0", ICMP_ECHO, 64, df, 84, toTun(64)),
                new Flow("pod A to the TUN address with TTL 1: TUN, no hop taken",
                        POD, POD_A, "10.244.1.0", UDP, 1, df, 60, toTun(1)),
                new Flow("pod A to an outside address 192.168.56.1: TUN, to leave through the host stack",
                        POD, POD_A, "192.168.56.1", TCP, 64, df, 60, toTun(64)),
                new Flow("pod A to 10.244.9.9, a subnet of no node: NO_ROUTE",
                        POD, POD_A, "10.244.9.9", UDP, 64, df, 60, dropped(DropReason.NO_ROUTE)),
                new Flow("pod A with TTL 1 to node-2: time exceeded back to pod A from 10.244.1.1",
                        POD, POD_A, "10.244.2.7", UDP, 1, df, 100, timeExceededBack(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("pod A with TTL 1 to pod B through the gateway: time exceeded back to pod A",
                        POD, POD_A, POD_B, TCP, 1, df, 60, timeExceededBack(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("pod A, TTL 1, an ICMP error itself: dropped with no ICMP error about it",
                        POD, POD_A, "10.244.2.7", ICMP_ERROR, 1, df, 56, dropped(DropReason.TTL_EXCEEDED)),
                new Flow("pod A, 1500 bytes with DF to node-2: frag needed (3/4, MTU 1450) back, none to the overlay",
                        POD, POD_A, "10.244.2.7", TCP, 64, df, 1500, fragNeededBack(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("pod A, 1451 bytes with DF to node-2: frag needed",
                        POD, POD_A, "10.244.2.7", UDP, 64, df, 1451, fragNeededBack(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("pod A, 1450 bytes with DF to node-2: fits the overlay MTU exactly",
                        POD, POD_A, "10.244.2.7", UDP, 64, df, 1450, to(node2, 63, VTEP_MAC, NODE_2_VTEP)),
                new Flow("pod A, 1500 bytes without DF to node-2: sent to the overlay",
                        POD, POD_A, "10.244.2.7", UDP, 64, noDf, 1500, to(node2, 63, VTEP_MAC, NODE_2_VTEP)),

                // From node-2, decapsulated by our VTEP.
                new Flow("node-2 pod to pod A: delivered from the gateway MAC to pod A's MAC, TTL-1",
                        OVERLAY, "10.244.2.7", POD_A, UDP, 64, df, 100, to(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("node-2 pod to pod B: delivered to pod B",
                        OVERLAY, "10.244.2.7", POD_B, ICMP_ECHO, 64, df, 84, to(podB, 63, GATEWAY_MAC, POD_B_MAC)),
                new Flow("node-2 to this node's TUN address: TUN, TTL untouched",
                        OVERLAY, "10.244.2.0", "10.244.1.0", ICMP_ECHO, 64, df, 84, toTun(64)),
                new Flow("node-2 pod, 1500 bytes without DF, to pod A: delivered whole",
                        OVERLAY, "10.244.2.7", POD_A, UDP, 64, noDf, 1500, to(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("node-2 pod to a node-3 pod would re-enter the tunnel: LOOP",
                        OVERLAY, "10.244.2.7", "10.244.3.9", UDP, 64, df, 100, dropped(DropReason.LOOP)),
                new Flow("node-2 pod to another node-2 pod would go back: LOOP",
                        OVERLAY, "10.244.2.7", "10.244.2.8", UDP, 64, df, 100, dropped(DropReason.LOOP)),
                new Flow("node-2 pod to an outside address: NO_ROUTE (only our pods leave through our TUN)",
                        OVERLAY, "10.244.2.7", "192.168.56.1", TCP, 64, df, 60, dropped(DropReason.NO_ROUTE)),
                new Flow("node-2 pod to 10.244.9.9, a subnet of no node: NO_ROUTE",
                        OVERLAY, "10.244.2.7", "10.244.9.9", UDP, 64, df, 60, dropped(DropReason.NO_ROUTE)),
                new Flow("node-2 pod with TTL 1 to pod A: time exceeded back through the overlay to node-2",
                        OVERLAY, "10.244.2.7", POD_A, UDP, 1, df, 100,
                        timeExceededBack(node2, 63, VTEP_MAC, NODE_2_VTEP)),

                // From this node's host stack, read from the TUN.
                new Flow("TUN to a pod on node-2: overlay, TTL-1",
                        NODE, "10.244.1.0", "10.244.2.7", TCP, 64, df, 60, to(node2, 63, VTEP_MAC, NODE_2_VTEP)),
                new Flow("TUN to pod A: into the bridge from the gateway MAC, TTL-1",
                        NODE, "10.244.1.0", POD_A, TCP, 64, df, 60, to(podA, 63, GATEWAY_MAC, POD_A_MAC)),
                new Flow("TUN to its own address would come straight back: LOOP",
                        NODE, "10.244.1.0", "10.244.1.0", UDP, 64, df, 60, dropped(DropReason.LOOP)),
                new Flow("TUN to an outside address: NO_ROUTE",
                        NODE, "10.244.1.0", "192.168.56.1", UDP, 64, df, 60, dropped(DropReason.NO_ROUTE)),
                new Flow("TUN with TTL 1 to pod A: time exceeded back to the TUN",
                        NODE, "10.244.1.0", POD_A, UDP, 1, df, 60, timeExceededBack(Where.TUN, 64, -1, -1)),
                new Flow("TUN, 1500 bytes with DF to node-2: frag needed back to the TUN",
                        NODE, "10.244.1.0", "10.244.2.7", TCP, 64, df, 1500, fragNeededBack(Where.TUN, 64, -1, -1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packetFlows")
    void packetFlow(Flow flow) {
        byte[] sent = ipv4(ip(flow.src()), ip(flow.dst()), flow.proto(), flow.ttl(), flow.df(), flow.size());

        DropReason verdict = inject(flow.origin(), sent);

        Expect expect = flow.expect();
        List<Captured> out = drainAll();
        RouterCounters counters = router.counters();
        assertEquals(expect.drop(), verdict, "verdict");
        switch (expect.kind()) {
            case FORWARDED -> {
                assertEquals(1, out.size(), () -> "expected one packet out, got " + out);
                Captured c = out.get(0);
                assertWhereAndMacs(expect, c);
                Ipv4Packet ip = ipView(c.ip());
                assertEquals(expect.ttl(), ip.ttl(), "TTL after");
                assertTrue(ip.verifyChecksum(), "IPv4 header checksum after the TTL change");
                assertArrayEquals(withoutTtlAndChecksum(sent), withoutTtlAndChecksum(c.ip()),
                        "nothing but TTL and checksum changes");
                assertEquals(routedOnce(routeTo(expect.where())), routed(counters));
                assertEquals(Map.of(), counters.dropsByReason());
                assertEquals(0, counters.icmpErrors());
            }
            case DROPPED -> {
                assertEquals(List.of(), out);
                assertEquals(Map.of(expect.drop(), 1L), counters.dropsByReason());
                assertEquals(routedOnce(null), routed(counters));
                assertEquals(0, counters.icmpErrors());
            }
            case ICMP_ERROR_BACK -> {
                assertEquals(1, out.size(), () -> "expected only the ICMP error out, got " + out);
                Captured c = out.get(0);
                assertWhereAndMacs(expect, c);
                assertIcmpErrorAbout(sent, expect, c.ip());
                assertEquals(Map.of(expect.drop(), 1L), counters.dropsByReason());
                assertEquals(routedOnce(routeTo(expect.where())), routed(counters), "the error itself is routed");
                assertEquals(1, counters.icmpErrors());
            }
            default -> throw new AssertionError(expect.kind());
        }
    }

    private static void assertWhereAndMacs(Expect expect, Captured c) {
        assertEquals(expect.where(), c.where(), "output");
        assertEquals(EthernetFrame.TYPE_IPV4, c.etherType(), "EtherType");
        assertEquals(MacAddress.toString(expect.srcMac()), MacAddress.toString(c.srcMac()), "source MAC");
        assertEquals(MacAddress.toString(expect.dstMac()), MacAddress.toString(c.dstMac()), "destination MAC");
    }

    /** An ICMP error from the gateway's address to the original source, quoting its header and 8 bytes. */
    private static void assertIcmpErrorAbout(byte[] original, Expect expect, byte[] error) {
        Ipv4Packet ip = ipView(error);
        assertEquals(DropReason.NONE, ip.checkLength());
        assertEquals(Ipv4Packet.PROTO_ICMP, ip.protocol());
        assertEquals(Ipv4Address.toString(GATEWAY_IP), Ipv4Address.toString(ip.source()), "error source");
        assertEquals(Ipv4Address.toString(ipView(original).source()), Ipv4Address.toString(ip.destination()),
                "error destination: the original's source");
        assertEquals(expect.ttl(), ip.ttl(), "TTL of the error where it leaves");
        assertTrue(ip.verifyChecksum(), "IPv4 header checksum of the error");
        assertEquals(Ipv4Packet.HEADER_LEN + IcmpPacket.HEADER_LEN + Ipv4Packet.HEADER_LEN + 8, ip.totalLength());
        IcmpPacket icmp = icmpView(error);
        assertEquals(expect.icmpType(), icmp.type(), "ICMP type");
        assertEquals(expect.icmpCode(), icmp.code(), "ICMP code");
        assertEquals(0, icmp.identifier(), "unused half-word");
        assertEquals(expect.mtu(), icmp.nextHopMtu(), "next-hop MTU (RFC 1191), 0 when unused");
        assertTrue(icmp.verifyChecksum(), "ICMP checksum");
        assertArrayEquals(Arrays.copyOf(original, Ipv4Packet.HEADER_LEN + 8),
                Arrays.copyOfRange(error, icmp.payloadOffset(), error.length),
                "quotes the original IP header, as received, and its first 8 payload bytes");
    }

    // --- overlay edge cases ----------------------------------------------------------------------------

    @Test
    void kernelVxlanEchoReplyFromNode2ReachesTheTunByteForByte() {
        byte[] datagram = KERNEL_VXLAN_ECHO_REPLY_FROM_NODE_2;

        DropReason verdict = vtep.receive(ByteBuffer.wrap(datagram), 0, datagram.length, NODE_2_UNDERLAY, NOW);

        assertEquals(DropReason.NONE, verdict);
        List<Captured> out = drainAll();
        assertEquals(1, out.size(), () -> "outputs " + out);
        assertEquals(Where.TUN, out.get(0).where());
        assertArrayEquals(Arrays.copyOfRange(datagram, 8 + 14, datagram.length), out.get(0).ip());
        assertEquals(1, router.counters().routed(Route.NODE_TUN));
    }

    @Test
    void overlayFrameForAnotherVtepMacIsDroppedNotForUs() {
        byte[] inner = ethernet(NODE_3_VTEP, NODE_2_VTEP, EthernetFrame.TYPE_IPV4,
                ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100));

        DropReason verdict = fromNode2(inner);

        assertEquals(DropReason.NOT_FOR_US, verdict);
        assertEquals(List.of(), drainAll());
        assertEquals(Map.of(DropReason.NOT_FOR_US, 1L), router.counters().dropsByReason());
        assertEquals(1, vtep.drops(DropReason.NOT_FOR_US), "the VTEP counts its handler's drop too");
    }

    @Test
    void overlayFrameForThePodsMacRatherThanOurVtepIsDroppedNotForUs() {
        byte[] inner = ethernet(POD_A_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4,
                ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100));

        assertEquals(DropReason.NOT_FOR_US, fromNode2(inner));
        assertEquals(List.of(), drainAll());
    }

    @Test
    void overlayArpToOurVtepMacIsDroppedUnsupportedProtocol() {
        byte[] inner = arp(ArpPacket.OP_REQUEST, VTEP_MAC, NODE_2_VTEP, NODE_2_VTEP, ip("10.244.2.0"), 0, TUN_IP);

        assertEquals(DropReason.UNSUPPORTED_PROTOCOL, fromNode2(inner));
        assertEquals(List.of(), drainAll());
        assertEquals(Map.of(DropReason.UNSUPPORTED_PROTOCOL, 1L), router.counters().dropsByReason());
    }

    @Test
    void overlayIpv4WithABadHeaderChecksumIsDropped() {
        byte[] packet = ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100);
        packet[10] ^= 0x01;

        assertEquals(DropReason.BAD_CHECKSUM, fromNode2(ethernet(VTEP_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4, packet)));
        assertEquals(List.of(), drainAll());
        assertEquals(Map.of(DropReason.BAD_CHECKSUM, 1L), router.counters().dropsByReason());
    }

    @Test
    void overlayInnerFrameTooShortForAnIpv4HeaderIsDroppedTruncated() {
        byte[] packet = Arrays.copyOf(ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100), 19);

        assertEquals(DropReason.TRUNCATED, fromNode2(ethernet(VTEP_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4, packet)));
        assertEquals(Map.of(DropReason.TRUNCATED, 1L), router.counters().dropsByReason());
    }

    @Test
    void overlayIpv4ShorterThanItsTotalLengthIsDroppedTruncated() {
        byte[] packet = Arrays.copyOf(ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100), 60);

        assertEquals(DropReason.TRUNCATED, fromNode2(ethernet(VTEP_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4, packet)));
        assertEquals(List.of(), drainAll());
    }

    @Test
    void overlayQueueFullIsCountedAsTheRoutersDrop() {
        underlayAccepting = false;

        DropReason verdict = inject(POD, ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 64, true, 100));

        assertEquals(DropReason.QUEUE_FULL, verdict);
        assertEquals(Map.of(DropReason.QUEUE_FULL, 1L), router.counters().dropsByReason());
        assertEquals(0, router.counters().routed(Route.OVERLAY));
        assertEquals(0, vtep.txPackets());
    }

    @Test
    void tunRefusingTheWriteIsDroppedDeviceError() {
        tunAccepting = false;

        DropReason verdict = inject(POD, ipv4(ip(POD_A), ip("192.168.56.1"), TCP, 64, true, 60));

        assertEquals(DropReason.DEVICE_ERROR, verdict);
        assertEquals(Map.of(DropReason.DEVICE_ERROR, 1L), router.counters().dropsByReason());
        assertEquals(0, router.counters().routed(Route.NODE_TUN));
    }

    @Test
    void tunPacketWithABadHeaderChecksumIsDropped() {
        byte[] packet = ipv4(TUN_IP, ip(POD_A), UDP, 64, true, 60);
        packet[11] ^= 0x10;

        assertEquals(DropReason.BAD_CHECKSUM, inject(NODE, packet));
        assertEquals(List.of(), drainAll());
    }

    @Test
    void theFramesTheRouterIsGivenAreNotModified() {
        byte[] podFrame = ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4,
                ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 64, true, 100));
        byte[] datagram = vxlan(1, ethernet(VTEP_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4,
                ipv4(ip("10.244.2.7"), ip(POD_B), UDP, 64, true, 100)));
        ByteBuffer overlayBuf = ByteBuffer.wrap(datagram.clone());

        ByteBuffer podBuf = podA.inject(podFrame, NOW);
        vtep.receive(overlayBuf, 0, datagram.length, NODE_2_UNDERLAY, NOW);

        assertEquals(2, drainAll().size());
        assertArrayEquals(podFrame, copy(podBuf, 0, podFrame.length), "pod A's frame (shared with other ports)");
        assertArrayEquals(datagram, overlayBuf.array(), "the datagram read from the UDP socket");
    }

    // --- ARP: proxy for the TUN address, and resolving local next hops -------------------------------

    @Test
    void gatewayAnswersArpForTheTunAddressWithItsOwnMac() {
        podA.inject(arpRequest(POD_A_MAC, ip(POD_A), TUN_IP), NOW);

        List<byte[]> replies = podA.drain();
        assertEquals(1, replies.size());
        assertArrayEquals(arp(ArpPacket.OP_REPLY, POD_A_MAC, GATEWAY_MAC, GATEWAY_MAC, TUN_IP, POD_A_MAC, ip(POD_A)),
                replies.get(0), "10.244.1.0 is-at 0a:58:0a:f4:01:01, to pod A alone");
        List<byte[]> atB = podB.drain();
        assertEquals(1, atB.size(), "pod B saw the broadcast request, not the reply");
        assertArrayEquals(arpRequest(POD_A_MAC, ip(POD_A), TUN_IP), atB.get(0));
        assertEquals(1, gateway.arpReplies());
    }

    @Test
    void unknownLocalDestinationIsDroppedAndTheGatewayBroadcastsAnArpRequest() {
        int stranger = ip("10.244.1.77"); // in our subnet, but no pod was registered there and none spoke ARP

        DropReason verdict = inject(OVERLAY, ipv4(ip("10.244.2.7"), stranger, UDP, 64, true, 100));

        assertEquals(DropReason.NEIGHBOR_UNKNOWN, verdict);
        byte[] whoHas = arp(ArpPacket.OP_REQUEST, MacAddress.BROADCAST.bits(), GATEWAY_MAC, GATEWAY_MAC, GATEWAY_IP,
                0, stranger);
        List<byte[]> atA = podA.drain();
        List<byte[]> atB = podB.drain();
        assertEquals(1, atA.size());
        assertArrayEquals(whoHas, atA.get(0), "who has 10.244.1.77? tell 10.244.1.1, broadcast");
        assertEquals(1, atB.size());
        assertArrayEquals(whoHas, atB.get(0));
        assertEquals(List.of(), overlay);
        assertEquals(List.of(), tun);
        assertEquals(Map.of(DropReason.NEIGHBOR_UNKNOWN, 1L), router.counters().dropsByReason());
        assertEquals(routedOnce(null), routed(router.counters()));
    }

    @Test
    void aPodKnownOnlyFromItsArpReplyIsReachedAtTheMacItGave() {
        MemoryPodPort podC = new MemoryPodPort(bridge, "pod-c");
        int podCIp = ip("10.244.1.4");
        long podCMac = mac("0a:58:0a:f4:01:04");
        byte[] packet = ipv4(ip("10.244.2.7"), podCIp, UDP, 64, true, 100);
        inject(OVERLAY, packet);
        drainAll();
        podC.drain();

        podC.inject(arp(ArpPacket.OP_REPLY, GATEWAY_MAC, podCMac, podCMac, podCIp, GATEWAY_MAC, GATEWAY_IP), NOW);
        DropReason verdict = inject(OVERLAY, packet);

        assertEquals(DropReason.NONE, verdict);
        List<byte[]> atC = podC.drain();
        assertEquals(1, atC.size());
        EthernetFrame eth = EthernetFrame.of(ByteBuffer.wrap(atC.get(0)), 0, atC.get(0).length);
        assertEquals(MacAddress.toString(podCMac), MacAddress.toString(eth.destination()));
        assertEquals(MacAddress.toString(GATEWAY_MAC), MacAddress.toString(eth.source()));
        assertEquals(Map.of(DropReason.NEIGHBOR_UNKNOWN, 1L), router.counters().dropsByReason());
        assertEquals(1, router.counters().routed(Route.LOCAL_POD));
    }

    @Test
    void aRemovedPodIsNoLongerReachable() {
        router.podRemoved(ip(POD_A));

        DropReason verdict = inject(OVERLAY, ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100));

        assertEquals(DropReason.NEIGHBOR_UNKNOWN, verdict);
        assertEquals(Map.of(DropReason.NEIGHBOR_UNKNOWN, 1L), router.counters().dropsByReason());
    }

    @Test
    void routesAndDropsAddUpOverAMixedRun() {
        inject(POD, ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 64, true, 100));
        inject(POD, ipv4(ip(POD_A), ip("10.244.3.9"), UDP, 64, true, 100));
        inject(OVERLAY, ipv4(ip("10.244.2.7"), ip(POD_B), UDP, 64, true, 100));
        inject(NODE, ipv4(TUN_IP, ip(POD_B), UDP, 64, true, 100));
        inject(POD, ipv4(ip(POD_A), ip("192.168.56.1"), UDP, 64, true, 100));
        inject(POD, ipv4(ip(POD_A), ip("10.244.9.9"), UDP, 64, true, 100));
        inject(POD, ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 1, true, 100));

        RouterCounters c = router.counters();
        Map<Route, Long> expected = new EnumMap<>(Route.class);
        expected.put(Route.OVERLAY, 2L);
        expected.put(Route.LOCAL_POD, 3L); // two packets, and the time-exceeded error to pod A
        expected.put(Route.NODE_TUN, 1L);
        assertEquals(expected, routed(c));
        assertEquals(Map.of(DropReason.NO_ROUTE, 1L, DropReason.TTL_EXCEEDED, 1L), c.dropsByReason());
        assertEquals(1, c.icmpErrors());
        assertEquals(6, drainAll().size(), "five packets routed, one time-exceeded error, one NO_ROUTE drop");
    }

    // --- found bugs ------------------------------------------------------------------------------------

    @Test
    void echoRequestFromNode2ToOurGatewayAddressIsAnswered() {
        DropReason verdict = inject(OVERLAY, ipv4(ip("10.244.2.7"), GATEWAY_IP, ICMP_ECHO, 64, true, 84));

        List<Captured> out = drainAll();
        assertEquals(DropReason.NONE, verdict);
        assertEquals(1, out.size(), () -> "outputs " + out);
        assertEquals(Where.NODE_2, out.get(0).where());
        assertEquals(IcmpPacket.TYPE_ECHO_REPLY, icmpView(out.get(0).ip()).type());
        assertEquals(GATEWAY_IP, ipView(out.get(0).ip()).source());
    }

    @Test
    void noIcmpErrorAboutANonInitialFragment() {
        byte[] fragment = ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 1, false, 100);
        Ipv4Packet view = ipView(fragment);
        view.setFlags(false, true);
        view.setFragmentOffset(1480 / 8);
        view.fillChecksum();

        DropReason verdict = inject(POD, fragment);

        assertEquals(DropReason.TTL_EXCEEDED, verdict);
        assertEquals(List.of(), drainAll());
        assertEquals(0, router.counters().icmpErrors());
    }

    @Test
    void fromOverlayReadsMacsWhateverTheBuffersByteOrder() {
        byte[] frame = ethernet(VTEP_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4,
                ipv4(ip("10.244.2.7"), ip(POD_A), UDP, 64, true, 100));
        ByteBuffer le = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);

        assertEquals(DropReason.NONE, router.fromOverlay(le, 0, frame.length, NODE_2, NOW));
        assertEquals(1, podA.drain().size());
    }

    // --- flow events: a drop is reported with the packet that was dropped -----------------------------

    /** A Service with no endpoints (REJECT), on a ClusterIP of the default Service range. */
    static final int EMPTY_SERVICE_IP = ip("10.96.0.6");

    static ServiceProxy proxyWithAnEmptyService() {
        ServicePort empty = new ServicePort("default/empty:http", Ipv4Packet.PROTO_TCP, EMPTY_SERVICE_IP, 80, 0, 0,
                List.of(), new RoundRobinBalancer(), 0, false, false);
        return new ServiceProxy(new Conntrack(), TUN_IP, Cidr.parse("10.96.0.0/12"),
                new IptablesTable(List.of(empty), ip("192.168.56.11")));
    }

    /** A packet dropped with an ICMP error sent back: the event must name the packet, not the error. */
    record DroppedWithAnError(String name, byte[] packet, DropReason reason, String protocol, String src,
                              String dst) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<DroppedWithAnError> droppedWithAnError() {
        return Stream.of(
                new DroppedWithAnError("TTL exceeded toward node-2",
                        ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 1, true, 100), DropReason.TTL_EXCEEDED,
                        "udp", POD_A + ":40000", "10.244.2.7:53"),
                new DroppedWithAnError("TTL exceeded toward pod B",
                        ipv4(ip(POD_A), ip(POD_B), TCP, 1, true, 60), DropReason.TTL_EXCEEDED,
                        "tcp", POD_A + ":40000", POD_B + ":80"),
                new DroppedWithAnError("fragmentation needed toward node-2",
                        ipv4(ip(POD_A), ip("10.244.2.7"), TCP, 64, true, 1500), DropReason.FRAG_NEEDED,
                        "tcp", POD_A + ":40000", "10.244.2.7:80"),
                new DroppedWithAnError("REJECT by a Service without endpoints",
                        ipv4(ip(POD_A), EMPTY_SERVICE_IP, TCP, 64, true, 60), DropReason.NO_ENDPOINTS,
                        "tcp", POD_A + ":40000", "10.96.0.6:80"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("droppedWithAnError")
    void aDropAnsweredWithAnIcmpErrorIsLoggedWithTheDroppedPacket(DroppedWithAnError c) {
        FlowLog log = new FlowLog();
        router.setFlowLog(log);
        router.setNodeName("node-1");
        router.setProxy(proxyWithAnEmptyService());

        DropReason verdict = inject(POD, c.packet());

        assertEquals(c.reason(), verdict);
        List<Captured> out = drainAll();
        assertEquals(1, out.size(), () -> "the ICMP error back, and nothing else: " + out);
        assertEquals(Ipv4Packet.PROTO_ICMP, ipView(out.get(0).ip()).protocol());
        List<FlowLog.Event> events = log.since(0);
        assertEquals(1, events.size(), events::toString);
        FlowLog.Event e = events.get(0);
        assertEquals(List.of("node-1", c.protocol(), c.src(), c.dst(), "dropped", c.reason().description()),
                List.of(e.node(), e.protocol(), e.src(), e.dst(), e.verdict(), e.detail()));
    }

    @Test
    void aDropFromTheOverlayIsLoggedWithItsAddressesAndPorts() {
        FlowLog log = new FlowLog();
        router.setFlowLog(log);
        router.setNodeName("node-1");

        inject(OVERLAY, ipv4(ip("10.244.2.7"), ip("10.244.3.9"), UDP, 64, true, 100));

        FlowLog.Event e = log.since(0).get(0);
        assertEquals(List.of("udp", "10.244.2.7:40000", "10.244.3.9:53", DropReason.LOOP.description()),
                List.of(e.protocol(), e.src(), e.dst(), e.detail()));
    }

    @Test
    void packetsSentOnAreNotFlowEvents() {
        FlowLog log = new FlowLog();
        router.setFlowLog(log);

        inject(POD, ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 64, true, 100));

        assertEquals(List.of(), log.since(0));
    }

    // --- the pipeline: its stages, one added and one removed, traces, captures ----------------------------

    /** A Service web at 10.96.0.2:80 whose one endpoint is 10.244.2.7:8080, a pod on node-2. */
    static final int WEB_IP = ip("10.96.0.2");

    static ServiceProxy proxyWithWeb() {
        ServicePort web = new ServicePort("default/web:http", Ipv4Packet.PROTO_TCP, WEB_IP, 80, 0, 0,
                List.of(new Endpoint(ip("10.244.2.7"), 8080, "node-2", false, true)), new RoundRobinBalancer(), 0,
                false, false);
        return new ServiceProxy(new Conntrack(), TUN_IP, Cidr.parse("10.96.0.0/12"),
                new IptablesTable(List.of(web), ip("192.168.56.11")));
    }

    /** A policy-slot stage for the tests: counts what it sees (after DNAT) and drops TCP to one port. */
    static final class DenyPort implements Stage {
        final int port;
        final List<String> seen = new ArrayList<>();

        DenyPort(int port) {
            this.port = port;
        }

        @Override
        public String name() {
            return "policy";
        }

        @Override
        public Verdict process(dev.vnet.core.packet.PacketContext packet, long now) {
            seen.add(Ipv4Address.toString(packet.destination()) + ":" + packet.destinationPort());
            if (packet.destinationPort() == port) {
                packet.say("TCP to port " + port + " is denied → dropped");
                return Verdict.drop(packet, DropReason.NOT_FOR_US);
            }
            return Verdict.CONTINUE;
        }
    }

    /** Sends {@code ipPacket} from pod A as the probe it is (IP id 0x1c46 and, for TCP, sequence 1000). */
    private Probe traced(Proto proto, byte[] ipPacket) {
        Probe probe = proto == TCP ? new Probe(0x1c46, Ipv4Packet.PROTO_TCP, 1000)
                : new Probe(0x1c46, Ipv4Packet.PROTO_ICMP, 0x0b0b);
        assertTrue(Tracing.begin(probe));
        try {
            inject(POD, ipPacket);
        } finally {
            Tracing.end(probe);
        }
        return probe;
    }

    private static List<String> stages(Probe probe) {
        return probe.hops().stream().map(Probe.Hop::stage).toList();
    }

    @Test
    void theRoutersStagesAreServicePolicyDnsThenRouting() {
        assertEquals(List.of("service", "policy", "dns", "router"), router.pipeline().stageNames());
        assertEquals(List.of(Pipeline.Slot.SERVICE, Pipeline.Slot.POLICY, Pipeline.Slot.DNS, Pipeline.Slot.ROUTING),
                router.pipeline().stages().stream().map(Pipeline.Installed::slot).toList());
    }

    @Test
    void aTraceCrossesTheStagesInOrderAndEachSaysWhatItDecided() {
        router.setNodeName("node-1");
        router.setProxy(proxyWithWeb());

        Probe probe = traced(ICMP_ECHO, ipv4(ip(POD_A), ip("10.244.2.7"), ICMP_ECHO, 64, true, 84));

        assertEquals(List.of("bridge", "service", "policy", "dns", "router", "vxlan"), stages(probe),
                probe.hops().toString());
        List<String> decisions = probe.hops().stream().map(Probe.Hop::decision).toList();
        assertEquals("no Service address and no translated flow → unchanged", decisions.get(1));
        assertEquals("no NetworkPolicy in the cluster → allowed", decisions.get(2));
        assertEquals("this node answers no DNS itself → next stage", decisions.get(3));
        assertTrue(decisions.get(4).contains("is in node-2's subnet 10.244.2.0/24 → VXLAN to 192.168.56.12; TTL 64 → 63"),
                decisions.get(4));
        assertEquals(List.of("node-1", "node-1", "node-1", "node-1"),
                probe.hops().subList(1, 5).stream().map(Probe.Hop::node).toList());
    }

    @Test
    void aStageInThePolicySlotSeesTheTranslatedPacketAndItsDropIsCountedTracedAndLogged() {
        router.setNodeName("node-1");
        router.setProxy(proxyWithWeb());
        FlowLog log = new FlowLog();
        router.setFlowLog(log);
        byte[] toWeb = ipv4(ip(POD_A), WEB_IP, TCP, 64, true, 60);
        DenyPort policy = new DenyPort(8080);

        router.pipeline().put(Pipeline.Slot.POLICY, policy);
        Probe probe = traced(TCP, toWeb);

        assertEquals(List.of("bridge", "service", "service", "policy"), stages(probe), probe.hops().toString());
        assertEquals(List.of("10.244.2.7:8080"), policy.seen, "policy runs after DNAT: it speaks of pod IPs");
        assertEquals(List.of(), drainAll(), "nothing left node-1");
        assertEquals(Map.of(DropReason.NOT_FOR_US, 1L), router.counters().dropsByReason());
        assertEquals(Map.of(DropReason.NOT_FOR_US, 1L), router.pipeline().stages().get(1).counters().dropsByReason());
        assertEquals("dropped on node-1 by the policy stage: " + DropReason.NOT_FOR_US.description(), probe.outcome());
        FlowLog.Event e = log.since(0).get(0);
        assertEquals(List.of("tcp", POD_A + ":40000", "10.244.2.7:8080"), List.of(e.protocol(), e.src(), e.dst()),
                "the event shows the packet as it was dropped, translated");
    }

    @Test
    void withAPassingPolicyStageAddedAndTheServiceStageRemovedTheBytesOutFollow() {
        ServiceProxy proxy = proxyWithWeb();
        router.setProxy(proxy);
        byte[] toWeb = ipv4(ip(POD_A), WEB_IP, TCP, 64, true, 60);
        DenyPort policy = new DenyPort(22);
        router.pipeline().put(Pipeline.Slot.POLICY, policy);

        assertEquals(DropReason.NONE, inject(POD, toWeb));
        List<Captured> translated = drainAll();
        assertEquals(1, translated.size(), translated::toString);
        assertEquals(Where.NODE_2, translated.get(0).where(), "DNATed to the endpoint on node-2");
        Ipv4Packet out = ipView(translated.get(0).ip());
        assertEquals("10.244.2.7", Ipv4Address.toString(out.destination()));
        assertEquals(63, out.ttl());
        assertTrue(out.verifyChecksum());
        assertEquals(List.of("10.244.2.7:8080"), policy.seen);

        Stage removed = router.pipeline().remove(Pipeline.Slot.SERVICE);
        assertEquals("service", removed.name());
        assertEquals(List.of("policy", "dns", "router"), router.pipeline().stageNames());
        proxy.conntrack().removeIf(e -> true); // else the bridge hands the flow's packets to the router itself
        Probe probe = traced(TCP, toWeb);

        List<Captured> untranslated = drainAll();
        assertEquals(1, untranslated.size(), untranslated::toString);
        assertEquals(Where.TUN, untranslated.get(0).where(), "no Service stage: 10.96.0.2 is outside the cluster");
        assertArrayEquals(toWeb, untranslated.get(0).ip(), "untouched: not translated, no hop taken to the TUN");
        assertEquals(List.of("bridge", "policy", "dns", "router"), stages(probe));
        assertEquals(List.of("10.244.2.7:8080", "10.96.0.2:80"), policy.seen);

        router.pipeline().put(Pipeline.Slot.SERVICE, removed);
        router.pipeline().remove(Pipeline.Slot.POLICY);
        assertEquals(List.of("service", "dns", "router"), router.pipeline().stageNames());
        inject(POD, toWeb);
        assertEquals(Where.NODE_2, drainAll().get(0).where(), "the Service stage is back");
    }

    @Test
    void dnsToTheClusterDnsAddressIsSteeredIntoTheNodesStackUntouched() {
        int dns = ip("10.96.0.10");
        router.setLocalDns(dns);
        router.setProxy(proxyWithWeb());
        byte[] query = ipv4(ip(POD_A), dns, UDP, 64, true, 60); // UDP 40000 → 53
        byte[] tcpQuery = ipv4(ip(POD_A), dns, TCP, 64, true, 60);
        tcpQuery[Ipv4Packet.HEADER_LEN + 3] = 53; // destination port 80 → 53; the router reads no TCP checksum

        assertEquals(DropReason.NONE, inject(POD, query));
        assertEquals(DropReason.NONE, inject(OVERLAY, query));
        assertEquals(DropReason.NONE, inject(POD, tcpQuery));

        List<Captured> out = drainAll();
        assertEquals(List.of(Where.TUN, Where.TUN, Where.TUN), out.stream().map(Captured::where).toList());
        assertArrayEquals(query, out.get(0).ip());
        assertArrayEquals(tcpQuery, out.get(2).ip());
        assertEquals(3, router.pipeline().stages().get(2).counters().sent(), "the dns stage sent them");
        assertEquals(3, router.pipeline().stages().get(0).counters().passed(), "the Service stage left them alone");
        assertEquals(0, router.proxy().newFlows(), "no flow was translated for them");
    }

    @Test
    void dnsFromTheNodeItselfOrToAnotherPortIsNotSteered() {
        int dns = ip("10.96.0.10");
        router.setLocalDns(dns);

        assertEquals(DropReason.NO_ROUTE, inject(NODE, ipv4(TUN_IP, dns, UDP, 64, true, 60)),
                "the node's own queries would come straight back");
        assertEquals(DropReason.NONE, inject(POD, ipv4(ip(POD_A), dns, TCP, 64, true, 60)),
                "TCP to port 80 of the DNS address is no DNS: it leaves through the TUN as any outside address");
        assertEquals(0, router.pipeline().stages().get(0).counters().sent());
        assertEquals(2, router.pipeline().stages().get(0).counters().passed());
    }

    @Test
    void capturesAroundTheServiceStageShowTheTranslationAndTheTunCarriesItsOwnPoint() {
        record Seen(String point, String dst, String comment) {}
        List<Seen> seen = new ArrayList<>();
        router.setProxy(proxyWithWeb());
        router.setTap((point, buf, off, len, linkType, comment) -> {
            int ipAt = linkType == 1 ? off + EthernetFrame.HEADER_LEN : off;
            seen.add(new Seen(point, Ipv4Address.toString(Ipv4Packet.of(buf, ipAt, len).destination()), comment));
        });

        inject(POD, ipv4(ip(POD_A), WEB_IP, TCP, 64, true, 60));
        inject(POD, ipv4(ip(POD_A), ip("192.168.56.1"), TCP, 64, true, 60));
        router.setTap(null);
        inject(POD, ipv4(ip(POD_A), WEB_IP, TCP, 64, true, 60));

        assertEquals(List.of(
                new Seen("nat-before", "10.96.0.2", "from pod"),
                new Seen("nat-after", "10.244.2.7", "TRANSLATED"),
                new Seen("nat-before", "192.168.56.1", "from pod"),
                new Seen("nat-after", "192.168.56.1", "PASS"),
                new Seen("tun-out", "192.168.56.1", "to the node's stack")), seen);
    }

    @Test
    void aRejectIsCapturedAsRejectAndCountedAtTheServiceStage() {
        List<String> comments = new ArrayList<>();
        router.setProxy(proxyWithAnEmptyService());
        router.setTap((point, buf, off, len, linkType, comment) -> {
            if (point.equals("nat-after")) {
                comments.add(comment);
            }
        });

        inject(POD, ipv4(ip(POD_A), EMPTY_SERVICE_IP, TCP, 64, true, 60));

        assertEquals("REJECT", comments.get(0), "the first packet: the error about it passes the stage after");
        assertEquals(Map.of(DropReason.NO_ENDPOINTS, 1L), router.pipeline().stages().get(0).counters().dropsByReason());
        assertEquals(1, router.counters().icmpErrors());
    }

    /**
     * As TraceAndIdleCostTest does for the bridge: with no capture and no trace, the gateway, the pipeline and
     * the VTEP allocate nothing per packet. Without a ServiceProxy: its own cost is vnet-nat's to measure.
     */
    @Test
    void routingAPodsPacketToAnotherNodeAllocatesNothingWhenNobodyWatches() {
        keepOverlayCopies = false;
        byte[] frame = ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4,
                ipv4(ip(POD_A), ip("10.244.2.7"), UDP, 64, true, 100));
        ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
        buf.put(0, frame);
        for (int i = 0; i < 200_000; i++) { // let the JIT compile the path first
            bridge.receive(podA.port(), buf, frame.length, NOW);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            bridge.receive(podA.port(), buf, frame.length, NOW);
        }
        long perPacket = (mx.getThreadAllocatedBytes(tid) - before) / 100_000;
        assertEquals(0, perPacket, "bytes allocated per routed packet with no capture or trace attached");
        assertEquals(300_000, overlayCount);
        assertEquals(300_000, router.counters().routed(Route.OVERLAY));
    }

    // --- wiring helpers --------------------------------------------------------------------------------

    /** Sends an IP packet into node-1 from {@code origin}; returns the router's verdict. */
    private DropReason inject(Origin origin, byte[] ipPacket) {
        switch (origin) {
            case POD -> {
                // Pod A's kernel sends everything off-subnet to its default gateway's MAC.
                // The bridge returns nothing; the gateway counts the router's verdict as a drop on its port.
                Map<DropReason, Long> before = gateway.port().counters().dropsByReason();
                podA.inject(ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4, ipPacket), NOW);
                Map<DropReason, Long> after = gateway.port().counters().dropsByReason();
                for (Map.Entry<DropReason, Long> e : after.entrySet()) {
                    if (!e.getValue().equals(before.get(e.getKey()))) {
                        return e.getKey();
                    }
                }
                return DropReason.NONE;
            }
            case OVERLAY -> {
                return fromNode2(ethernet(VTEP_MAC, NODE_2_VTEP, EthernetFrame.TYPE_IPV4, ipPacket));
            }
            case NODE -> {
                // As the TUN reader does: the packet at index 14, room in front for the Ethernet header.
                ByteBuffer buf = ByteBuffer.allocateDirect(65536 + 64);
                buf.put(EthernetFrame.HEADER_LEN, ipPacket);
                return router.fromTun(buf, ipPacket.length, NOW);
            }
            default -> throw new AssertionError(origin);
        }
    }

    /** Node-2 tunnels {@code innerFrame} to us over VNI 1. */
    private DropReason fromNode2(byte[] innerFrame) {
        byte[] datagram = vxlan(1, innerFrame);
        return vtep.receive(ByteBuffer.wrap(datagram), 0, datagram.length, NODE_2_UNDERLAY, NOW);
    }

    /** Everything that left node-1 since the last call: pod ports, then the overlay, then the TUN. */
    private List<Captured> drainAll() {
        List<Captured> out = new ArrayList<>();
        podA.drain().forEach(f -> out.add(captured(Where.POD_A, f)));
        podB.drain().forEach(f -> out.add(captured(Where.POD_B, f)));
        out.addAll(overlay);
        overlay.clear();
        out.addAll(tun);
        tun.clear();
        return out;
    }

    private static Captured captured(Where where, byte[] frame) {
        EthernetFrame eth = EthernetFrame.of(ByteBuffer.wrap(frame), 0, frame.length);
        return new Captured(where, eth.source(), eth.destination(), eth.etherType(),
                Arrays.copyOfRange(frame, EthernetFrame.HEADER_LEN, frame.length));
    }

    private static byte[] copy(ByteBuffer buf, int offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = buf.get(offset + i);
        }
        return out;
    }

    /** The packet with its TTL and header checksum zeroed: what a router must leave alone. */
    private static byte[] withoutTtlAndChecksum(byte[] ip) {
        byte[] out = ip.clone();
        out[8] = 0;
        out[10] = 0;
        out[11] = 0;
        return out;
    }

    private static Route routeTo(Where where) {
        return switch (where) {
            case POD_A, POD_B -> Route.LOCAL_POD;
            case NODE_2, NODE_3 -> Route.OVERLAY;
            case TUN -> Route.NODE_TUN;
        };
    }

    private static Map<Route, Long> routed(RouterCounters counters) {
        Map<Route, Long> out = new EnumMap<>(Route.class);
        for (Route r : Route.values()) {
            out.put(r, counters.routed(r));
        }
        return out;
    }

    /** One packet routed to {@code route} and none elsewhere ({@code null}: none at all). */
    private static Map<Route, Long> routedOnce(Route route) {
        Map<Route, Long> out = new EnumMap<>(Route.class);
        for (Route r : Route.values()) {
            out.put(r, r == route ? 1L : 0L);
        }
        return out;
    }
}
