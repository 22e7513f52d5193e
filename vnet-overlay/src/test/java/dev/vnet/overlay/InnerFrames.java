package dev.vnet.overlay;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * Inner frames for the overlay tests, built with the core views: Ethernet + IPv4 (+ the first bytes of a
 * TCP or UDP header, where the ports live). Fields that a flow hash must ignore (TTL, identification,
 * payload) are parameters, so tests can vary them.
 */
final class InnerFrames {

    private InnerFrames() {
    }

    static final long VTEP_1 = mac("0a:58:0a:f4:01:00");
    static final long VTEP_2 = mac("0a:58:0a:f4:02:00");

    static int ip(String text) {
        return Ipv4Address.parse(text).bits();
    }

    static long mac(String text) {
        return MacAddress.parse(text).bits();
    }

    /** A TCP or UDP frame with the given 5-tuple, TTL 64, identification 1 and 8 payload bytes. */
    static byte[] flow(int protocol, String src, int srcPort, String dst, int dstPort) {
        return ipv4(Ipv4Packet.HEADER_LEN, protocol, ip(src), ip(dst), srcPort, dstPort, 64, 1, (byte) 0);
    }

    /**
     * Ethernet (VTEP 1 to VTEP 2) + IPv4 with a {@code headerLength}-byte header (options zeroed) + an 8-byte
     * transport header starting with the two ports + 8 payload bytes of {@code fill}.
     */
    static byte[] ipv4(int headerLength, int protocol, int src, int dst, int srcPort, int dstPort, int ttl,
            int identification, byte fill) {
        int ipLength = headerLength + 8 + 8;
        ByteBuffer buf = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + ipLength);
        EthernetFrame eth = EthernetFrame.of(buf, 0, buf.capacity());
        eth.setDestination(VTEP_2);
        eth.setSource(VTEP_1);
        eth.setEtherType(EthernetFrame.TYPE_IPV4);
        Ipv4Packet ipv4 = Ipv4Packet.of(buf, EthernetFrame.HEADER_LEN, ipLength);
        ipv4.setVersionAndHeaderLength(headerLength);
        ipv4.setTotalLength(ipLength);
        ipv4.setIdentification(identification);
        ipv4.setFlags(true, false);
        ipv4.setTtl(ttl);
        ipv4.setProtocol(protocol);
        ipv4.setSource(src);
        ipv4.setDestination(dst);
        ipv4.fillChecksum();
        int l4 = ipv4.payloadOffset();
        buf.putShort(l4, (short) srcPort);
        buf.putShort(l4 + 2, (short) dstPort);
        for (int i = l4 + 8; i < buf.capacity(); i++) {
            buf.put(i, fill);
        }
        return buf.array();
    }

    /** An Ethernet frame of another EtherType (ARP, IPv6...) from {@code src} to {@code dst}, zero payload. */
    static byte[] ethernet(long dst, long src, int etherType, int length) {
        ByteBuffer buf = ByteBuffer.allocate(length);
        EthernetFrame eth = EthernetFrame.of(buf, 0, length);
        eth.setDestination(dst);
        eth.setSource(src);
        eth.setEtherType(etherType);
        return buf.array();
    }

    /** A VXLAN datagram (UDP payload): the header with {@code vni}, then {@code inner}. */
    static byte[] vxlan(int vni, byte[] inner) {
        ByteBuffer buf = ByteBuffer.allocate(VxlanHeader.HEADER_LEN + inner.length);
        VxlanHeader.of(buf, 0, buf.capacity()).emit(vni);
        buf.put(VxlanHeader.HEADER_LEN, inner);
        return buf.array();
    }
}
