package dev.vnet.fault;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.Ipv4Repr;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.TcpRepr;
import dev.vnet.core.packet.UdpPacket;
import dev.vnet.core.packet.UdpRepr;
import java.nio.ByteBuffer;

/**
 * Frames of a small lab built with the core's typed builders: pod web-1 (10.244.1.2) on node-1 talks to pod
 * db-1 (10.244.2.2) on node-2 through the gateway 10.244.1.1. UDP frames carry a sequence number in their first
 * four data bytes, so tests can tell the order frames arrive in.
 */
final class TestFrames {

    static final int WEB = Ipv4Address.parse("10.244.1.2").bits();
    static final int GATEWAY = Ipv4Address.parse("10.244.1.1").bits();
    static final int DB = Ipv4Address.parse("10.244.2.2").bits();
    static final long WEB_MAC = MacAddress.forPodIp(new Ipv4Address(WEB)).bits();
    static final long GATEWAY_MAC = MacAddress.parse("0a:58:0a:f4:01:01").bits();

    /** Ethernet (14) + IPv4 (20) + UDP (8): where a UDP frame's data starts. */
    static final int UDP_DATA = EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + UdpPacket.HEADER_LEN;

    private TestFrames() {
    }

    /** A UDP frame from web-1 port 40000 to db-1 port {@code dport} whose IPv4 total length is {@code ipLength}. */
    static ByteBuffer udp(int seq, int dport, int ipLength) {
        int data = ipLength - Ipv4Packet.HEADER_LEN - UdpPacket.HEADER_LEN;
        UdpRepr udp = new UdpRepr(40000, dport, data);
        ByteBuffer buf = ip(WEB, DB, Ipv4Packet.PROTO_UDP, udp.datagramLength());
        for (int i = 0; i < data; i++) {
            buf.put(UDP_DATA + i, (byte) (i * 7));
        }
        if (data >= 4) {
            buf.putInt(UDP_DATA, seq);
        }
        int at = EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN;
        udp.emit(UdpPacket.of(buf, at, udp.datagramLength()), WEB, DB);
        return buf;
    }

    /** A UDP frame with sequence number {@code seq} to port 5000, 100 bytes of IP. */
    static ByteBuffer udp(int seq) {
        return udp(seq, 5000, 100);
    }

    /** The sequence number of a frame {@link #udp} built. */
    static int seq(ByteBuffer frame) {
        return frame.getInt(UDP_DATA);
    }

    /** A TCP SYN from web-1 to db-1 {@code dport}. */
    static ByteBuffer tcpSyn(int dport) {
        ByteBuffer buf = ip(WEB, DB, Ipv4Packet.PROTO_TCP, TcpPacket.HEADER_LEN);
        int at = EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN;
        new TcpRepr(41000, dport, 1000, 0, TcpPacket.SYN, 64240)
                .emit(TcpPacket.of(buf, at, TcpPacket.HEADER_LEN), WEB, DB);
        return buf;
    }

    /** An ICMP echo request from web-1 to db-1. */
    static ByteBuffer echo() {
        int length = IcmpPacket.HEADER_LEN + 8;
        ByteBuffer buf = ip(WEB, DB, Ipv4Packet.PROTO_ICMP, length);
        IcmpRepr.echoRequest(0x1234, 1).emit(IcmpPacket.of(buf, EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN,
                length));
        return buf;
    }

    /** The gateway's ICMP error {@code error} to web-1 about a 1500-byte datagram web-1 sent to db-1. */
    static ByteBuffer icmpError(IcmpRepr error) {
        ByteBuffer original = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + UdpPacket.HEADER_LEN);
        Ipv4Packet quoted = Ipv4Packet.of(original, 0, original.capacity());
        new Ipv4Repr(WEB, DB, Ipv4Packet.PROTO_UDP, 64, 7, true, 0, 1480).emit(quoted);
        quoted.wrap(original, 0, original.capacity());
        int length = IcmpRepr.errorLength(quoted);
        ByteBuffer buf = ip(GATEWAY, WEB, Ipv4Packet.PROTO_ICMP, length);
        error.emitError(IcmpPacket.of(buf, EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN, length), quoted);
        return buf;
    }

    /** Destination unreachable, fragmentation needed, next-hop MTU {@code mtu}: what PMTU discovery needs. */
    static ByteBuffer fragNeeded(int mtu) {
        return icmpError(IcmpRepr.fragmentationNeeded(mtu));
    }

    /** web-1 asks for its gateway's MAC. */
    static ByteBuffer arpRequest() {
        ByteBuffer buf = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + ArpPacket.HEADER_LEN);
        new EthernetRepr(MacAddress.BROADCAST.bits(), WEB_MAC, EthernetFrame.TYPE_ARP)
                .emit(EthernetFrame.of(buf, 0, EthernetFrame.HEADER_LEN));
        new ArpPacket.ArpRepr(ArpPacket.OP_REQUEST, WEB_MAC, WEB, 0, GATEWAY)
                .emit(ArpPacket.of(buf, EthernetFrame.HEADER_LEN, ArpPacket.HEADER_LEN));
        return buf;
    }

    /** An Ethernet frame holding an IPv4 header (checksum filled) and room for {@code payload} bytes. */
    static ByteBuffer ip(int src, int dst, int protocol, int payload) {
        Ipv4Repr ip = Ipv4Repr.of(src, dst, protocol, payload);
        ByteBuffer buf = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + ip.totalLength());
        new EthernetRepr(GATEWAY_MAC, WEB_MAC, EthernetFrame.TYPE_IPV4)
                .emit(EthernetFrame.of(buf, 0, EthernetFrame.HEADER_LEN));
        ip.emit(Ipv4Packet.of(buf, EthernetFrame.HEADER_LEN, ip.totalLength()));
        return buf;
    }

    static byte[] bytes(ByteBuffer frame, int length) {
        byte[] out = new byte[length];
        frame.get(0, out);
        return out;
    }
}
