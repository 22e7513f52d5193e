package dev.vnet.node.router;

import static dev.vnet.node.router.Packets.ip;
import static dev.vnet.node.router.Packets.mac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.FrameSink;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.Checksum;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.IptablesTable;
import dev.vnet.nat.service.ServicePort;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.PeerTable;
import dev.vnet.overlay.Vtep;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Super-frames (TAP offloads) through node-1's router: kept whole where the way out takes them (a pod's TAP
 * with offloads, a TUN with offloads), cut into wire-sized segments with full checksums where it does not
 * (the underlay, a TUN without offloads), translated by the Service stage with their partial checksum kept
 * right, and judged by their segments' size against the overlay MTU.
 */
class NodeRouterOffloadTest {
    static final long NOW = 5_000_000_000L;
    static final int TUN_IP = ip("10.244.1.0");
    static final int GATEWAY_IP = ip("10.244.1.1");
    static final long GATEWAY_MAC = mac("0a:58:0a:f4:01:01");
    static final long VTEP_MAC = mac("0a:58:0a:f4:01:00");
    static final int POD_A = ip("10.244.1.2");
    static final long POD_A_MAC = mac("0a:58:0a:f4:01:02");
    static final int POD_B = ip("10.244.1.3");
    static final long POD_B_MAC = mac("0a:58:0a:f4:01:03");
    static final int REMOTE = ip("10.244.2.7");
    static final int OUTSIDE = ip("192.168.56.1");
    static final int WEB_IP = ip("10.96.0.2");
    static final Peer NODE_2 = Peer.of("node-2", Cidr.parse("10.244.2.0/24"), Ipv4Address.parse("192.168.56.12"),
            new MacAddress(mac("0a:58:0a:f4:02:00")));
    static final int OVERLAY_MTU = 1450;
    static final int TCP_HEADER = 32;
    static final int PAYLOAD = 30_000;
    static final int MSS = 1398; // 20 + 32 + 1398 = 1450, the overlay MTU

    /** A port that takes offloads, as a pod's TAP does: it records frames and their metadata. */
    static final class OffloadPort implements FrameSink {
        final List<byte[]> frames = new ArrayList<>();
        final List<Long> offloads = new ArrayList<>();

        @Override
        public boolean send(ByteBuffer frame, int length, long now) {
            return send(frame, length, VirtioNetHeader.NONE, now);
        }

        @Override
        public boolean takesOffloads() {
            return true;
        }

        @Override
        public boolean send(ByteBuffer frame, int length, long offload, long now) {
            byte[] copy = new byte[length];
            frame.get(0, copy);
            frames.add(copy);
            offloads.add(offload);
            return true;
        }
    }

    private Bridge bridge;
    private BridgePort podA;
    private OffloadPort podAOut;
    private OffloadPort podB;
    private NodeRouter router;
    private final List<byte[]> underlay = new ArrayList<>();
    private final List<byte[]> tun = new ArrayList<>();
    private final List<Long> tunOffloads = new ArrayList<>();
    private boolean tunTakesOffloads;

    @BeforeEach
    void wire() {
        bridge = new Bridge("br-node-1");
        GatewayPort gateway = new GatewayPort(bridge, GATEWAY_IP, GATEWAY_MAC);
        podAOut = new OffloadPort();
        podA = bridge.attach("pod-a", podAOut);
        podB = new OffloadPort();
        BridgePort pb = bridge.attach("pod-b", podB);
        bridge.fdb().learn(POD_A_MAC, podA, NOW);
        bridge.fdb().learn(POD_B_MAC, pb, NOW);
        PeerTable peers = new PeerTable();
        peers.replace(List.of(NODE_2));
        Vtep vtep = new Vtep(Vtep.DEFAULT_VNI, peers, (peer, vni, hash, frame, length) -> {
            byte[] copy = new byte[length];
            frame.get(0, copy);
            underlay.add(copy);
            return true;
        });
        router = new NodeRouter(Cidr.parse("10.244.1.0/24"), Cidr.parse("10.244.0.0/16"), TUN_IP, VTEP_MAC,
                OVERLAY_MTU, gateway, bridge, vtep);
        router.setTun(new IpSink() {
            @Override
            public boolean send(ByteBuffer buf, int offset, int length) {
                return send(buf, offset, length, VirtioNetHeader.NONE);
            }

            @Override
            public boolean takesOffloads() {
                return tunTakesOffloads;
            }

            @Override
            public boolean send(ByteBuffer buf, int offset, int length, long offload) {
                byte[] copy = new byte[length];
                buf.get(offset, copy);
                tun.add(copy);
                tunOffloads.add(offload);
                return true;
            }
        });
        router.podAdded(POD_A, POD_A_MAC);
        router.podAdded(POD_B, POD_B_MAC);
    }

    static long tso(int mss) {
        return VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 20 + TCP_HEADER, mss, 20, 16);
    }

    /** An IPv4 TCP super-frame at {@code at} of a new buffer, its checksum partial as a kernel with TSO leaves it. */
    static ByteBuffer superPacket(int at, int src, int sport, int dst, int dport) {
        int ipTotal = 20 + TCP_HEADER + PAYLOAD;
        ByteBuffer b = ByteBuffer.allocateDirect(65536 + 64);
        Ipv4Packet ip = Ipv4Packet.of(b, at, ipTotal);
        ip.setVersionAndHeaderLength(20);
        ip.setTotalLength(ipTotal);
        ip.setIdentification(0x4000);
        ip.setFlags(true, false);
        ip.setTtl(64);
        ip.setProtocol(Ipv4Packet.PROTO_TCP);
        ip.setSource(src);
        ip.setDestination(dst);
        ip.fillChecksum();
        TcpPacket tcp = TcpPacket.of(b, at + 20, TCP_HEADER + PAYLOAD);
        tcp.setSourcePort(sport);
        tcp.setDestinationPort(dport);
        tcp.setSequenceNumber(1);
        tcp.setHeaderLengthAndFlags(TCP_HEADER, TcpPacket.ACK);
        tcp.setWindow(1000);
        for (int i = 0; i < PAYLOAD; i++) {
            b.put(at + 20 + TCP_HEADER + i, (byte) (i * 31 + (i >>> 9)));
        }
        tcp.setChecksum(Checksum.sum(b, 0, 0, Checksum.pseudoHeaderSum(src, dst, 6, TCP_HEADER + PAYLOAD)));
        return b;
    }

    /** Pod A's kernel hands the super-frame to its TAP, to the gateway's MAC. */
    private void fromPodA(int dst, int dport, long offload) {
        ByteBuffer b = superPacket(14, POD_A, 40000, dst, dport);
        int length = 14 + 20 + TCP_HEADER + PAYLOAD;
        new EthernetRepr(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4).emit(EthernetFrame.of(b, 0, length));
        bridge.receive(podA, b, length, offload, NOW);
    }

    static byte[] payload() {
        ByteBuffer b = superPacket(0, 0, 0, 0, 0);
        byte[] out = new byte[PAYLOAD];
        b.get(20 + TCP_HEADER, out);
        return out;
    }

    /** Checks each wire-sized IPv4 packet at {@code ipAt} of its frame and returns their payloads, joined. */
    static byte[] checkSegments(List<byte[]> frames, int ipAt, int src, int dst, int ttl) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f);
            Ipv4Packet ip = Ipv4Packet.of(b, ipAt, f.length - ipAt);
            assertTrue(ip.totalLength() <= OVERLAY_MTU, "wire-sized: " + ip.totalLength());
            assertTrue(ip.verifyChecksum());
            assertEquals(ttl, ip.ttl());
            assertEquals(src, ip.source());
            assertEquals(dst, ip.destination());
            TcpPacket tcp = TcpPacket.of(b, ipAt + 20, ip.totalLength() - 20);
            assertTrue(tcp.verifyChecksum(src, dst), "TCP checksum");
            data.write(f, ipAt + 20 + TCP_HEADER, ip.totalLength() - 20 - TCP_HEADER);
        }
        return data.toByteArray();
    }

    static int segments() {
        return (PAYLOAD + MSS - 1) / MSS;
    }

    @Test
    void aSuperFrameToAnotherNodeIsCutIntoWireSizedSegmentsBeforeVxlan() {
        fromPodA(REMOTE, 5201, tso(MSS));
        assertEquals(segments(), underlay.size());
        assertArrayEquals(payload(), checkSegments(underlay, 14, POD_A, REMOTE, 63));
        EthernetFrame inner = EthernetFrame.of(ByteBuffer.wrap(underlay.get(0)), 0, underlay.get(0).length);
        assertEquals(VTEP_MAC, inner.source());
        assertEquals(1, router.counters().routed(RouterCounters.Route.OVERLAY), "one packet routed");
    }

    @Test
    void thePathMtuCheckUsesTheSegmentSizeNotTheSuperFrames() {
        fromPodA(REMOTE, 5201, tso(MSS + 50)); // segments of 1500 bytes: too big with DF
        assertEquals(0, underlay.size());
        assertEquals(1, router.counters().drops(DropReason.FRAG_NEEDED));
        assertEquals(1, podAOut.frames.size(), "fragmentation needed back to pod A");
        ByteBuffer err = ByteBuffer.wrap(podAOut.frames.get(0));
        IcmpPacket icmp = IcmpPacket.of(err, 34, err.capacity() - 34);
        assertEquals(IcmpPacket.TYPE_DEST_UNREACHABLE, icmp.type());
        assertEquals(IcmpPacket.CODE_FRAG_NEEDED, icmp.code());
        assertEquals(OVERLAY_MTU, err.getShort(34 + 6) & 0xFFFF, "next-hop MTU");
        assertTrue(icmp.verifyChecksum());

        fromPodA(REMOTE, 5201, tso(MSS)); // 64 KiB long, but its segments fit
        assertEquals(segments(), underlay.size());
    }

    @Test
    void aServiceTranslatesASuperFrameAndItsSegmentsCarryTheEndpointsChecksums() {
        ServicePort web = new ServicePort("default/web:http", Ipv4Packet.PROTO_TCP, WEB_IP, 80, 0, 0,
                List.of(new Endpoint(REMOTE, 8080, "node-2", false, true)), new RoundRobinBalancer(), 0, false, false);
        router.setProxy(new ServiceProxy(new Conntrack(), TUN_IP, Cidr.parse("10.96.0.0/12"),
                new IptablesTable(List.of(web), ip("192.168.56.11"))));
        fromPodA(WEB_IP, 80, tso(MSS));
        assertEquals(segments(), underlay.size());
        assertArrayEquals(payload(), checkSegments(underlay, 14, POD_A, REMOTE, 63));
        ByteBuffer first = ByteBuffer.wrap(underlay.get(0));
        assertEquals(8080, TcpPacket.of(first, 34, first.capacity() - 34).destinationPort());
    }

    @Test
    void aSuperFrameFromTheNodeToALocalPodWithOffloadsStaysWholeAndItsChecksumCompletesRight() {
        ByteBuffer buf = router.threadBuffer();
        ByteBuffer packet = superPacket(14, TUN_IP, 40000, POD_B, 80);
        int ipLength = 20 + TCP_HEADER + PAYLOAD;
        buf.put(14, packet, 14, ipLength);
        assertEquals(DropReason.NONE, router.fromTun(buf, ipLength, tso(MSS), NOW));
        assertEquals(1, podB.frames.size(), "one write to the pod's TAP");
        assertEquals(tso(MSS), podB.offloads.get(0));
        byte[] f = podB.frames.get(0);
        assertEquals(14 + ipLength, f.length);
        ByteBuffer b = ByteBuffer.wrap(f);
        assertEquals(63, Ipv4Packet.of(b, 14, ipLength).ttl());
        assertTrue(Ipv4Packet.of(b, 14, ipLength).verifyChecksum());
        Segmenter.completeChecksum(b, 34, f.length, 34 + 16, false); // what the pod's kernel may do
        assertTrue(TcpPacket.of(b, 34, ipLength - 20).verifyChecksum(TUN_IP, POD_B));
    }

    /**
     * As NodeRouterTest's allocation test does for wire-sized packets: a super-frame from a pod cut into segments
     * and laid out for a segmented send, and segments from the overlay joined by the VTEP and delivered whole to
     * a pod's TAP, allocate nothing once the threads' buffers exist.
     */
    @Test
    void superFramesAllocateNothingOnTheWayOutOrIn() {
        long[] datagrams = new long[1];
        PeerTable peers = new PeerTable();
        peers.replace(List.of(NODE_2));
        Vtep batching = new Vtep(Vtep.DEFAULT_VNI, peers, new dev.vnet.overlay.UnderlaySender() {
            @Override
            public boolean send(Peer peer, int vni, int hash, ByteBuffer frame, int length) {
                datagrams[0]++;
                return true;
            }

            @Override
            public boolean sendsSegmented() {
                return true;
            }

            @Override
            public boolean sendSegmented(Peer peer, int hash, ByteBuffer batch, int length, int datagramLength) {
                datagrams[0] += (length + datagramLength - 1) / datagramLength;
                return true;
            }
        });
        Bridge br = new Bridge("br-node-1");
        GatewayPort gw = new GatewayPort(br, GATEWAY_IP, GATEWAY_MAC);
        BridgePort a = br.attach("pod-a", new FrameSink() {
            @Override
            public boolean send(ByteBuffer frame, int length, long now) {
                return true;
            }

            @Override
            public boolean takesOffloads() {
                return true;
            }

            @Override
            public boolean send(ByteBuffer frame, int length, long offload, long now) {
                return true;
            }
        });
        br.fdb().learn(POD_A_MAC, a, NOW);
        gw.neighbors().update(POD_A, POD_A_MAC, NOW); // pod A has spoken ARP, as a running pod has
        NodeRouter r = new NodeRouter(Cidr.parse("10.244.1.0/24"), Cidr.parse("10.244.0.0/16"), TUN_IP, VTEP_MAC,
                OVERLAY_MTU, gw, br, batching);
        r.podAdded(POD_A, POD_A_MAC);
        int length = 14 + 20 + TCP_HEADER + PAYLOAD;
        ByteBuffer out = superPacket(14, POD_A, 40000, REMOTE, 5201);
        new EthernetRepr(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4).emit(EthernetFrame.of(out, 0, length));
        // What node-2 sent us: pod 10.244.2.7's segments toward pod A, VXLAN-encapsulated.
        List<ByteBuffer> in = new ArrayList<>();
        ByteBuffer reply = superPacket(14, REMOTE, 5201, POD_A, 40000);
        new EthernetRepr(VTEP_MAC, NODE_2.vtepMac().bits(), EthernetFrame.TYPE_IPV4)
                .emit(EthernetFrame.of(reply, 0, length));
        Segmenter cut = new Segmenter();
        assertEquals(DropReason.NONE, cut.start(reply, 0, length, 14, tso(MSS)));
        for (int i = 0; i < cut.pieces(); i++) {
            ByteBuffer d = ByteBuffer.allocateDirect(2048);
            int n = cut.next(d, 8);
            dev.vnet.overlay.VxlanHeader.of(d, 0, 8 + n).emit(1);
            d.limit(8 + n);
            in.add(d);
        }
        int node2 = NODE_2.underlayIp().bits();
        ByteBuffer[] datagramsIn = in.toArray(ByteBuffer[]::new); // indexed: a list's iterator would be counted
        Runnable round = () -> {
            br.receive(a, out, length, tso(MSS), NOW);
            for (int d = 0; d < datagramsIn.length; d++) {
                batching.receive(datagramsIn[d], 0, datagramsIn[d].limit(), node2, NOW);
            }
            batching.flush(NOW);
        };
        for (int i = 0; i < 3_000; i++) {
            round.run();
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 2_000; i++) {
            round.run();
        }
        long perRound = (mx.getThreadAllocatedBytes(tid) - before) / 2_000;
        assertEquals(0, perRound, "bytes allocated per super-frame out and per super-frame's worth of segments in");
        assertEquals(5_000L * segments(), datagrams[0]);
        assertEquals(5_000L * segments(), batching.coalescedSegments());
        assertEquals(5_000L, a.counters().txPackets(), "one write to pod A per joined super-frame");
        assertEquals(5_000L * segments(), a.counters().txSegments());
    }

    @Test
    void aTunWithoutOffloadsGetsSegmentsAndOneWithThemTheSuperFrame() {
        fromPodA(OUTSIDE, 443, tso(MSS));
        assertEquals(segments(), tun.size());
        assertArrayEquals(payload(), checkSegments(tun, 0, POD_A, OUTSIDE, 64));
        tun.clear();
        tunOffloads.clear();

        tunTakesOffloads = true;
        fromPodA(OUTSIDE, 443, tso(MSS));
        assertEquals(1, tun.size());
        assertEquals(tso(MSS), tunOffloads.get(0));
        assertEquals(20 + TCP_HEADER + PAYLOAD, tun.get(0).length);
    }
}
