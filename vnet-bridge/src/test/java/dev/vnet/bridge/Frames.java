package dev.vnet.bridge;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * A tiny frame builder for the bridge tests, written with the core views' setters so each frame is what a
 * pod would send: Ethernet with any payload, Ethernet + ARP, Ethernet + IPv4 (+ ICMP echo) with checksums
 * filled. Also the addresses the tests share: a node whose pods live in 10.244.1.0/24.
 */
final class Frames {

    private Frames() {
    }

    static final long BROADCAST = MacAddress.BROADCAST.bits();

    static final int GATEWAY_IP = ip("10.244.1.1");
    static final long GATEWAY_MAC = mac("0a:58:0a:f4:01:01");
    static final int POD_A_IP = ip("10.244.1.2");
    static final long POD_A_MAC = mac("0a:58:0a:f4:01:02");
    static final int POD_B_IP = ip("10.244.1.3");
    static final long POD_B_MAC = mac("0a:58:0a:f4:01:03");
    static final int POD_C_IP = ip("10.244.1.4");
    static final long POD_C_MAC = mac("0a:58:0a:f4:01:04");
    /** A pod on another node, reached through the gateway. */
    static final int REMOTE_IP = ip("10.244.2.7");

    static long mac(String text) {
        return MacAddress.parse(text).bits();
    }

    static int ip(String text) {
        return Ipv4Address.parse(text).bits();
    }

    static String ipText(int ip) {
        return Ipv4Address.toString(ip);
    }

    /** An Ethernet frame of {@code length} bytes (at least 14); the payload counts up 0, 1, 2... */
    static byte[] ethernet(long dst, long src, int etherType, int length) {
        ByteBuffer buf = ByteBuffer.allocate(length);
        EthernetFrame eth = EthernetFrame.of(buf, 0, length);
        eth.setDestination(dst);
        eth.setSource(src);
        eth.setEtherType(etherType);
        for (int i = EthernetFrame.HEADER_LEN; i < length; i++) {
            buf.put(i, (byte) (i - EthernetFrame.HEADER_LEN));
        }
        return buf.array();
    }

    /** A 60-byte IPv4-typed frame from {@code src} to {@code dst}: enough for the bridge, which reads only MACs. */
    static byte[] ethernet(long dst, long src) {
        return ethernet(dst, src, EthernetFrame.TYPE_IPV4, 60);
    }

    /** Ethernet + ARP, 42 bytes, unpadded. */
    static byte[] arp(int operation, long ethDst, long ethSrc, long senderMac, int senderIp, long targetMac,
            int targetIp) {
        int length = EthernetFrame.HEADER_LEN + ArpPacket.HEADER_LEN;
        ByteBuffer buf = ByteBuffer.allocate(length);
        EthernetFrame eth = EthernetFrame.of(buf, 0, length);
        eth.setDestination(ethDst);
        eth.setSource(ethSrc);
        eth.setEtherType(EthernetFrame.TYPE_ARP);
        new ArpPacket.ArpRepr(operation, senderMac, senderIp, targetMac, targetIp)
                .emit(ArpPacket.of(buf, EthernetFrame.HEADER_LEN, ArpPacket.HEADER_LEN));
        return buf.array();
    }

    /** "Who has {@code targetIp}? Tell {@code senderIp}", broadcast from {@code senderMac}. */
    static byte[] arpRequest(long senderMac, int senderIp, int targetIp) {
        return arp(ArpPacket.OP_REQUEST, BROADCAST, senderMac, senderMac, senderIp, 0, targetIp);
    }

    /** Ethernet + IPv4 (20-byte header, TTL 64, DF, header checksum filled) + {@code payload}. */
    static byte[] ipv4(long ethDst, long ethSrc, int srcIp, int dstIp, int protocol, byte[] payload) {
        int ipLength = Ipv4Packet.HEADER_LEN + payload.length;
        ByteBuffer buf = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + ipLength);
        EthernetFrame eth = EthernetFrame.of(buf, 0, buf.capacity());
        eth.setDestination(ethDst);
        eth.setSource(ethSrc);
        eth.setEtherType(EthernetFrame.TYPE_IPV4);
        Ipv4Packet ip = Ipv4Packet.of(buf, EthernetFrame.HEADER_LEN, ipLength);
        ip.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN);
        ip.setDscpEcn(0);
        ip.setTotalLength(ipLength);
        ip.setIdentification(0x1c46);
        ip.setFlags(true, false);
        ip.setFragmentOffset(0);
        ip.setTtl(64);
        ip.setProtocol(protocol);
        ip.setSource(srcIp);
        ip.setDestination(dstIp);
        ip.fillChecksum();
        for (int i = 0; i < payload.length; i++) {
            buf.put(ip.payloadOffset() + i, payload[i]);
        }
        return buf.array();
    }

    /** An ICMP echo request or reply ({@code type}) with its checksum filled, inside {@link #ipv4}. */
    static byte[] icmpEcho(int type, long ethDst, long ethSrc, int srcIp, int dstIp, int identifier, int sequence,
            byte[] data) {
        ByteBuffer icmpBuf = ByteBuffer.allocate(IcmpPacket.HEADER_LEN + data.length);
        IcmpPacket icmp = IcmpPacket.of(icmpBuf, 0, icmpBuf.capacity());
        icmp.setType(type);
        icmp.setCode(0);
        icmp.setIdentifier(identifier);
        icmp.setSequenceNumber(sequence);
        icmpBuf.put(IcmpPacket.HEADER_LEN, data);
        icmp.fillChecksum();
        return ipv4(ethDst, ethSrc, srcIp, dstIp, Ipv4Packet.PROTO_ICMP, icmpBuf.array());
    }

    /** An echo request from {@code srcIp}/{@code srcMac} to {@code dstIp}, sent to Ethernet {@code ethDst}. */
    static byte[] echoRequest(long ethDst, long srcMac, int srcIp, int dstIp, int identifier, int sequence,
            byte[] data) {
        return icmpEcho(IcmpPacket.TYPE_ECHO_REQUEST, ethDst, srcMac, srcIp, dstIp, identifier, sequence, data);
    }

    /** Views over a frame held in a byte array. */
    static EthernetFrame eth(byte[] frame) {
        return EthernetFrame.of(ByteBuffer.wrap(frame), 0, frame.length);
    }

    static ArpPacket arpView(byte[] frame) {
        return ArpPacket.of(ByteBuffer.wrap(frame), EthernetFrame.HEADER_LEN, frame.length - EthernetFrame.HEADER_LEN);
    }

    static Ipv4Packet ipv4View(byte[] frame) {
        return Ipv4Packet.of(ByteBuffer.wrap(frame), EthernetFrame.HEADER_LEN, frame.length - EthernetFrame.HEADER_LEN);
    }

    /** The ICMP message inside {@code frame}; call {@code ipv4View(frame).checkLength()} first. */
    static IcmpPacket icmpView(byte[] frame) {
        Ipv4Packet ip = ipv4View(frame);
        return IcmpPacket.of(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
    }

    /** A copy of {@code frame} with the byte at {@code index} XORed with {@code mask}. */
    static byte[] flip(byte[] frame, int index, int mask) {
        byte[] copy = frame.clone();
        copy[index] ^= (byte) mask;
        return copy;
    }
}
