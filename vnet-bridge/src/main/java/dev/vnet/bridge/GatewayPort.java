package dev.vnet.bridge;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.ArpPacket.ArpRepr;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.core.trace.Probe;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The router's leg on a node's bridge: the pods' default gateway (10.244.N.1 by default).
 *
 * <p>It answers ARP for its own address, replies to ICMP echo sent to it, learns its neighbours from the
 * ARP it sees, and hands every other IPv4 packet to a {@link Router}, parsed once into a {@link PacketContext}
 * that the router's stages share. Replies are built with the typed builders ({@link ArpRepr}, {@link IcmpRepr})
 * in a buffer owned by the calling thread, never in the frame it was given, since a flooded frame is shared
 * with other ports.
 */
public final class GatewayPort implements FrameSink {
    private static final long BROADCAST = 0xffff_ffff_ffffL;

    private final Bridge bridge;
    private final int ip;
    private final long mac;
    private final BridgePort port;
    private final NeighborCache neighbors = new NeighborCache();
    private volatile Router router = Router.NONE;
    /** Other addresses the gateway answers ARP for, on the router's behalf (the node's TUN address). */
    private volatile int[] proxyArp = new int[0];
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private final LongAdder arpReplies = new LongAdder();
    private final LongAdder echoReplies = new LongAdder();
    private final LongAdder routed = new LongAdder();

    /** Per-thread views and reply buffer, so the data path allocates nothing per frame. */
    private static final class Scratch {
        final ByteBuffer buf = ByteBuffer.allocateDirect(65536 + 64);
        final EthernetFrame eth = new EthernetFrame();
        final ArpPacket arp = new ArpPacket();
        final Ipv4Packet ip = new Ipv4Packet();
        final IcmpPacket icmp = new IcmpPacket();
        final PacketContext packet = new PacketContext();
    }

    public GatewayPort(Bridge bridge, int ip, long mac) {
        this.bridge = bridge;
        this.ip = ip;
        this.mac = mac;
        this.port = bridge.attach("gateway", this);
        bridge.fdb().addStatic(mac, port);
    }

    public int ip() {
        return ip;
    }

    public long mac() {
        return mac;
    }

    public BridgePort port() {
        return port;
    }

    public NeighborCache neighbors() {
        return neighbors;
    }

    /** Also answer ARP for {@code address} with the gateway's MAC (proxy ARP for the router). */
    public synchronized void addProxyArp(int address) {
        int[] next = java.util.Arrays.copyOf(proxyArp, proxyArp.length + 1);
        next[proxyArp.length] = address;
        proxyArp = next;
    }

    private boolean answersArpFor(int target) {
        if (target == ip) {
            return true;
        }
        for (int a : proxyArp) {
            if (a == target) {
                return true;
            }
        }
        return false;
    }

    public void setRouter(Router router) {
        this.router = router;
    }

    public long arpReplies() {
        return arpReplies.sum();
    }

    public long echoReplies() {
        return echoReplies.sum();
    }

    public long routed() {
        return routed.sum();
    }

    @Override
    public boolean send(ByteBuffer frame, int length, long now) {
        return send(frame, length, VirtioNetHeader.NONE, now);
    }

    /** The router takes super-frames and partial checksums: it keeps them whole as far as it can. */
    @Override
    public boolean takesOffloads() {
        return true;
    }

    @Override
    public boolean send(ByteBuffer frame, int length, long offload, long now) {
        Scratch s = scratch.get();
        EthernetFrame eth = s.eth.wrap(frame, 0, length);
        if (eth.checkLength() != DropReason.NONE) {
            port.counters().drop(DropReason.TRUNCATED);
            return true;
        }
        DropReason verdict = switch (eth.etherType()) {
            case EthernetFrame.TYPE_ARP -> handleArp(s, frame, length, now);
            case EthernetFrame.TYPE_IPV4 -> eth.destination() == mac
                    ? handleIpv4(s, frame, length, offload, now)
                    : DropReason.NOT_FOR_US; // flooded IPv4 meant for another host
            default -> DropReason.UNSUPPORTED_PROTOCOL;
        };
        // A flooded frame for someone else is not a drop: the gateway simply is not its destination.
        if (verdict != DropReason.NONE && verdict != DropReason.NOT_FOR_US) {
            port.counters().drop(verdict);
        }
        return true; // the frame reached the gateway; what happened next is counted above
    }

    private DropReason handleArp(Scratch s, ByteBuffer frame, int length, long now) {
        ArpPacket arp = s.arp.wrap(frame, EthernetFrame.HEADER_LEN, length - EthernetFrame.HEADER_LEN);
        DropReason bad = arp.checkLength();
        if (bad != DropReason.NONE) {
            return bad;
        }
        int senderIp = arp.senderProtocolAddress();
        long senderMac = arp.senderHardwareAddress();
        if (senderIp != 0) { // 0.0.0.0 is an address probe (RFC 5227): nothing to learn
            neighbors.update(senderIp, senderMac, now);
        }
        if (arp.operation() != ArpPacket.OP_REQUEST || !answersArpFor(arp.targetProtocolAddress())) {
            return arp.operation() == ArpPacket.OP_REPLY ? DropReason.NONE : DropReason.NOT_FOR_US;
        }
        ArpRepr reply = ArpRepr.parse(arp).replyFrom(mac); // a checked request: parse cannot refuse it
        ByteBuffer out = s.buf;
        int replyLen = EthernetFrame.HEADER_LEN + ArpRepr.bufferLength();
        new EthernetRepr(senderMac, mac, EthernetFrame.TYPE_ARP).emit(s.eth.wrap(out, 0, replyLen));
        reply.emit(s.arp.wrap(out, EthernetFrame.HEADER_LEN, ArpRepr.bufferLength()));
        arpReplies.increment();
        bridge.receive(port, out, replyLen, now);
        return DropReason.NONE;
    }

    private DropReason handleIpv4(Scratch s, ByteBuffer frame, int length, long offload, long now) {
        PacketContext packet = s.packet;
        DropReason bad = packet.parse(frame, 0, length, PacketContext.Origin.POD);
        if (bad != DropReason.NONE) {
            return bad;
        }
        packet.setOffload(offload);
        if (!packet.ip().verifyChecksum()) {
            return DropReason.BAD_CHECKSUM;
        }
        if (packet.destination() != ip) {
            DropReason verdict = router.route(packet, now);
            if (verdict == DropReason.NONE) {
                routed.increment();
            }
            return verdict;
        }
        if (packet.ip().isFragment()) {
            return DropReason.FRAGMENTED;
        }
        if (packet.protocol() != Ipv4Packet.PROTO_ICMP) {
            return DropReason.UNSUPPORTED_PROTOCOL;
        }
        if (!packet.hasTransportHeader()) {
            return DropReason.TRUNCATED;
        }
        IcmpPacket icmp = packet.icmp();
        if (!icmp.verifyChecksum()) {
            return DropReason.BAD_CHECKSUM;
        }
        if (icmp.type() != IcmpPacket.TYPE_ECHO_REQUEST) {
            return DropReason.UNSUPPORTED_PROTOCOL;
        }
        Probe probe = packet.probe();
        if (probe != null) {
            probe.hop(bridge.node(), "gateway", "echo request to the gateway " + Ipv4Address.toString(ip)
                    + " → echo reply");
            probe.end("answered by " + bridge.node() + "'s gateway");
        }
        return echoReply(s, packet, now);
    }

    /** Answers the echo request with a new packet: from the gateway back to the pod, data echoed. */
    private DropReason echoReply(Scratch s, PacketContext request, long now) {
        long client = request.ethernet().source();
        ByteBuffer out = s.buf;
        int ipLength = IcmpRepr.emitEchoReply(request, ip, out, EthernetFrame.HEADER_LEN, s.ip, s.icmp);
        int replyLen = EthernetFrame.HEADER_LEN + ipLength;
        new EthernetRepr(client, mac, EthernetFrame.TYPE_IPV4).emit(s.eth.wrap(out, 0, replyLen));
        echoReplies.increment();
        bridge.receive(port, out, replyLen, now);
        return DropReason.NONE;
    }

    /** Broadcasts an ARP request for {@code targetIp} (the router resolving a next hop). */
    public void requestArp(int targetIp, long now) {
        Scratch s = scratch.get();
        ByteBuffer out = s.buf;
        int len = EthernetFrame.HEADER_LEN + ArpPacket.HEADER_LEN;
        new EthernetRepr(BROADCAST, mac, EthernetFrame.TYPE_ARP).emit(s.eth.wrap(out, 0, len));
        new ArpRepr(ArpPacket.OP_REQUEST, mac, ip, 0, targetIp)
                .emit(s.arp.wrap(out, EthernetFrame.HEADER_LEN, ArpPacket.HEADER_LEN));
        bridge.receive(port, out, len, now);
    }
}
