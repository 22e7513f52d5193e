package dev.vnet.node.router;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.FrameSink;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.Checksum;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.UdpPacket;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.IptablesTable;
import dev.vnet.nat.service.ServicePort;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.PeerTable;
import dev.vnet.overlay.UnderlaySender;
import dev.vnet.overlay.Vtep;
import dev.vnet.overlay.VxlanHeader;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.logging.Logger;

/**
 * Runs the forwarding code on a private, in-memory copy of a two-node data path before the lab's first packet,
 * so that the JIT has compiled it by then.
 *
 * <p>A JVM interprets a method until it has run it some thousands of times; a cold lab's first packets went
 * through the interpreter, at milliseconds each. Here two private nodes (their own bridge, gateway, router,
 * Service stage with one Service and VTEP, joined by an in-memory underlay) carry a few thousand rounds of what
 * pods send: ARP, pings on one node and across, a connection to a Service (DNAT there, un-DNAT back), UDP, and
 * TCP super-frames on one node and across (cut into segments, sent as one batch, joined again). Nothing of the
 * lab is touched: no device, counter, flow or capture sees it. Buffers are direct, as in the lab, so the code
 * compiled is the code the lab runs.
 */
public final class PathWarmup {
    private static final Logger LOG = Logger.getLogger(PathWarmup.class.getName());
    private static final long NOW = 1_000_000_000L;
    /** Rounds of every kind of packet: enough for the JIT's thresholds (C2 after some 10,000 calls). */
    public static final int ROUNDS = 4000;
    private static final int MSS = 1398;
    private static final int SEGMENTS = 8;
    private static final int SERVICE_IP = Ipv4Address.parse("10.96.0.10").bits();
    private static final int CLIENT_PORTS = 32;

    private static volatile boolean started;

    private final Side one = new Side(1);
    private final Side two = new Side(2);
    /** Datagrams on the in-memory underlay, delivered after the send that made them returns (as a socket would). */
    private final ByteBuffer[] wire = new ByteBuffer[2 * SEGMENTS + 8];
    private final int[] wireLength = new int[wire.length];
    private final Side[] wireTo = new Side[wire.length];
    private int onWire;
    private final ByteBuffer frame = ByteBuffer.allocateDirect(14 + 20 + 20 + SEGMENTS * MSS);

    /** Starts one warm-up per JVM on a daemon thread; a second call does nothing. */
    public static void startOnce() {
        if (started) {
            return;
        }
        synchronized (PathWarmup.class) {
            if (started) {
                return;
            }
            started = true;
        }
        Thread t = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                new PathWarmup().run(ROUNDS);
                LOG.fine(() -> "data path warmed up in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            } catch (RuntimeException e) {
                LOG.warning("the data path's warm-up stopped: " + e); // the lab works, its first packets are slower
            }
        }, "path-warmup");
        t.setDaemon(true);
        t.start();
    }

    PathWarmup() {
        for (int i = 0; i < wire.length; i++) {
            wire[i] = ByteBuffer.allocateDirect(VxlanHeader.HEADER_LEN + 14 + 20 + 20 + MSS + 64);
        }
        one.peers.replace(List.of(two.asPeer()));
        two.peers.replace(List.of(one.asPeer()));
    }

    /** Frames each side's pods were handed, for the test that the rounds went where they should. */
    long deliveredOnOne() {
        return one.a.delivered + one.b.delivered;
    }

    long deliveredOnTwo() {
        return two.a.delivered + two.b.delivered;
    }

    /** Datagrams each way on the in-memory underlay, and the segments node two joined back. */
    long datagramsToTwo() {
        return two.vtep.rxPackets();
    }

    long datagramsToOne() {
        return one.vtep.rxPackets();
    }

    long joinedOnTwo() {
        return two.vtep.coalescedSegments();
    }

    long drops() {
        return one.vtep.dropsByReason().values().stream().mapToLong(Long::longValue).sum()
                + two.vtep.dropsByReason().values().stream().mapToLong(Long::longValue).sum()
                + one.router.counters().dropsByReason().values().stream().mapToLong(Long::longValue).sum()
                + two.router.counters().dropsByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    /** What each side's VTEP and router counted: where a warm-up packet went astray. */
    String counters() {
        return "one: " + one.counters() + "; two: " + two.counters();
    }

    /** {@code rounds} of every kind of packet. */
    void run(int rounds) {
        for (int r = 0; r < rounds; r++) {
            int port = 40000 + r % CLIENT_PORTS;
            arp(one, one.a, one.gatewayIp);
            ping(one, one.a, one.b.ip, one.b.mac, r);                  // same node
            ping(one, one.a, two.a.ip, one.gatewayMac, r);             // across, and the reply
            ping(two, two.a, one.a.ip, two.gatewayMac, r);
            tcp(one, one.a, SERVICE_IP, port, 80, TcpPacket.SYN, 0);   // to a Service on the other node
            tcp(two, two.a, one.a.ip, 8080, port, TcpPacket.SYN | TcpPacket.ACK, 0);
            tcp(one, one.a, SERVICE_IP, port, 80, TcpPacket.ACK, 0);
            udp(one, one.a, two.a.ip, port, 5000);
            tcp(one, one.a, two.a.ip, port, 5201, TcpPacket.ACK, SEGMENTS); // super-frames: across
            tcp(one, one.a, one.b.ip, port, 5201, TcpPacket.ACK, SEGMENTS); // and on one node
        }
    }

    private void arp(Side s, Pod from, int target) {
        ByteBuffer f = frame;
        int len = 14 + ArpPacket.HEADER_LEN;
        new EthernetRepr(0xFFFF_FFFF_FFFFL, from.mac, EthernetFrame.TYPE_ARP).emit(EthernetFrame.of(f, 0, len));
        ArpPacket a = ArpPacket.of(f, 14, ArpPacket.HEADER_LEN);
        a.setHardwareType(ArpPacket.HTYPE_ETHERNET);
        a.setProtocolType(EthernetFrame.TYPE_IPV4);
        a.setHardwareLength(6);
        a.setProtocolLength(4);
        a.setOperation(ArpPacket.OP_REQUEST);
        a.setSenderHardwareAddress(from.mac);
        a.setSenderProtocolAddress(from.ip);
        a.setTargetHardwareAddress(0);
        a.setTargetProtocolAddress(target);
        inject(s, from, len, VirtioNetHeader.NONE);
    }

    private void ping(Side s, Pod from, int dst, long dstMac, int seq) {
        int ipLen = 20 + 8 + 56;
        ip(from, dst, dstMac, Ipv4Packet.PROTO_ICMP, ipLen);
        IcmpPacket icmp = IcmpPacket.of(frame, 34, ipLen - 20);
        icmp.setType(IcmpPacket.TYPE_ECHO_REQUEST);
        icmp.setCode(0);
        icmp.setIdentifier(7);
        icmp.setSequenceNumber(seq & 0xFFFF);
        icmp.fillChecksum();
        inject(s, from, 14 + ipLen, VirtioNetHeader.NONE);
    }

    private void udp(Side s, Pod from, int dst, int srcPort, int dstPort) {
        int ipLen = 20 + 8 + 32;
        ip(from, dst, s.gatewayMac, Ipv4Packet.PROTO_UDP, ipLen);
        UdpPacket u = UdpPacket.of(frame, 34, ipLen - 20);
        u.setSourcePort(srcPort);
        u.setDestinationPort(dstPort);
        u.setUdpLength(ipLen - 20);
        u.fillChecksum(from.ip, dst);
        inject(s, from, 14 + ipLen, VirtioNetHeader.NONE);
    }

    /** A TCP segment, or with {@code segments > 0} a super-frame with a partial checksum as a pod's kernel hands it. */
    private void tcp(Side s, Pod from, int dst, int srcPort, int dstPort, int flags, int segments) {
        int payload = segments * MSS;
        int ipLen = 20 + 20 + payload;
        boolean local = s.subnet.contains(dst);
        ip(from, dst, local ? s.podMac(dst) : s.gatewayMac, Ipv4Packet.PROTO_TCP, ipLen);
        TcpPacket t = TcpPacket.of(frame, 34, ipLen - 20);
        t.setSourcePort(srcPort);
        t.setDestinationPort(dstPort);
        t.setSequenceNumber(1);
        t.setAcknowledgmentNumber((flags & TcpPacket.ACK) != 0 ? 1 : 0);
        t.setHeaderLengthAndFlags(20, flags);
        t.setWindow(64240);
        long offload = VirtioNetHeader.NONE;
        if (segments > 0) {
            // The kernel leaves the pseudo-header sum in the checksum field and asks for the rest (NEEDS_CSUM).
            t.setChecksum(Checksum.pseudoHeaderSum(from.ip, dst, Ipv4Packet.PROTO_TCP, ipLen - 20) & 0xFFFF);
            offload = VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 40, MSS, 20, 16);
        } else {
            t.fillChecksum(from.ip, dst);
        }
        inject(s, from, 14 + ipLen, offload);
    }

    private void ip(Pod from, int dst, long dstMac, int protocol, int ipLen) {
        ByteBuffer f = frame;
        new EthernetRepr(dstMac, from.mac, EthernetFrame.TYPE_IPV4).emit(EthernetFrame.of(f, 0, 14 + ipLen));
        Ipv4Packet ip = Ipv4Packet.of(f, 14, ipLen);
        ip.setVersionAndHeaderLength(20);
        ip.setTotalLength(ipLen);
        ip.setIdentification(1);
        ip.setFragmentOffset(0);
        ip.setFlags(true, false);
        ip.setTtl(64);
        ip.setProtocol(protocol);
        ip.setSource(from.ip);
        ip.setDestination(dst);
        ip.fillChecksum();
    }

    /** The frame enters the bridge through the pod's port; what went onto the underlay is delivered after. */
    private void inject(Side s, Pod from, int length, long offload) {
        s.bridge.receive(from.port, frame, length, offload, NOW);
        while (onWire > 0) {
            int n = onWire;
            onWire = 0;
            for (int i = 0; i < n; i++) {
                wireTo[i].vtep.receive(wire[i], 0, wireLength[i], wireTo[i] == two ? one.underlay : two.underlay, NOW);
            }
            one.vtep.flush(NOW);
            two.vtep.flush(NOW);
        }
    }

    private void toWire(Side to, ByteBuffer src, int offset, int length, int vni, boolean withHeader) {
        if (onWire == wire.length) {
            return; // dropped, as a full socket buffer would
        }
        ByteBuffer d = wire[onWire];
        int at = 0;
        if (!withHeader) {
            new VxlanHeader().wrap(d, 0, VxlanHeader.HEADER_LEN + length).emit(vni);
            at = VxlanHeader.HEADER_LEN;
        }
        d.put(at, src, offset, length);
        wireLength[onWire] = at + length;
        wireTo[onWire] = to;
        onWire++;
    }

    /** A pod's port that takes what the bridge sends it, super-frames included, and counts it. */
    private static final class Pod implements FrameSink {
        final int ip;
        final long mac;
        BridgePort port;
        long delivered;

        Pod(int ip) {
            this.ip = ip;
            this.mac = MacAddress.forPodIp(new Ipv4Address(ip)).bits();
        }

        @Override
        public boolean send(ByteBuffer frame, int length, long nowNanos) {
            delivered++;
            return true;
        }

        @Override
        public boolean takesOffloads() {
            return true;
        }

        @Override
        public boolean send(ByteBuffer frame, int length, long offload, long nowNanos) {
            delivered++;
            return true;
        }
    }

    /** One private node: 10.244.N.0/24, pods .2 and .3, underlay 192.168.56.1N (never used: all in memory). */
    private final class Side {
        final int n;
        final Cidr subnet;
        final int gatewayIp;
        final long gatewayMac;
        final long vtepMac;
        final int underlay;
        final PeerTable peers = new PeerTable();
        final Bridge bridge;
        final Vtep vtep;
        final NodeRouter router;
        final Pod a;
        final Pod b;

        Side(int n) {
            this.n = n;
            String net = "10.244." + n + ".";
            this.subnet = Cidr.parse(net + "0/24");
            this.gatewayIp = Ipv4Address.parse(net + "1").bits();
            this.gatewayMac = MacAddress.forPodIp(Ipv4Address.parse(net + "1")).bits();
            this.vtepMac = MacAddress.forPodIp(Ipv4Address.parse(net + "0")).bits();
            this.underlay = Ipv4Address.parse("192.168.56.1" + n).bits();
            this.bridge = new Bridge("warmup-" + n);
            GatewayPort gateway = new GatewayPort(bridge, gatewayIp, gatewayMac);
            this.vtep = new Vtep(Vtep.DEFAULT_VNI, peers, new UnderlaySender() {
                @Override
                public boolean send(Peer peer, int vni, int flowHash, ByteBuffer innerFrame, int length) {
                    toWire(other(), innerFrame, 0, length, vni, false);
                    return true;
                }

                @Override
                public boolean sendsSegmented() {
                    return true;
                }

                @Override
                public boolean sendSegmented(Peer peer, int flowHash, ByteBuffer batch, int length, int datagram) {
                    for (int at = 0; at < length; at += datagram) {
                        toWire(other(), batch, at, Math.min(datagram, length - at), 0, true);
                    }
                    return true;
                }
            });
            this.router = new NodeRouter(subnet, Cidr.parse("10.244.0.0/16"), Ipv4Address.parse(net + "0").bits(),
                    vtepMac, 1450, gateway, bridge, vtep);
            router.setTun(new IpSink() {
                @Override
                public boolean send(ByteBuffer buf, int offset, int length) {
                    return true;
                }
            });
            int endpoint = Ipv4Address.parse("10.244.2.2").bits();
            ServicePort web = new ServicePort("warmup/web:http", Ipv4Packet.PROTO_TCP, SERVICE_IP, 80, 0, 0,
                    List.of(new Endpoint(endpoint, 8080, "warmup-2", n == 2, true)), new RoundRobinBalancer(), 0,
                    false, false);
            router.setProxy(new ServiceProxy(new Conntrack(), Ipv4Address.parse(net + "0").bits(),
                    Cidr.parse("10.96.0.0/12"), new IptablesTable(List.of(web), underlay)));
            this.a = pod(router, net + "2");
            this.b = pod(router, net + "3");
        }

        private Pod pod(NodeRouter router, String ip) {
            Pod p = new Pod(Ipv4Address.parse(ip).bits());
            p.port = bridge.attach("warmup-" + ip, p);
            bridge.fdb().learn(p.mac, p.port, NOW);
            router.podAdded(p.ip, p.mac);
            return p;
        }

        String counters() {
            return "vxlan tx " + vtep.txPackets() + " rx " + vtep.rxPackets() + " drops " + vtep.dropsByReason()
                    + ", router drops " + router.counters().dropsByReason() + ", pods " + a.delivered + "/" + b.delivered;
        }

        long podMac(int ip) {
            return ip == a.ip ? a.mac : b.mac;
        }

        Side other() {
            return this == one ? two : one;
        }

        Peer asPeer() {
            return Peer.of("warmup-" + n, subnet, new Ipv4Address(underlay), new MacAddress(vtepMac));
        }
    }
}
