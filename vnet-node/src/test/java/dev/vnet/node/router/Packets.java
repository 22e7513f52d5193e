package dev.vnet.node.router;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * Packets for the router tests, built with the core views so each is what a pod, a peer or the host stack
 * would send: IPv4 of a chosen size, TTL and DF over ICMP, UDP or TCP; Ethernet around it; VXLAN around that.
 */
final class Packets {

    private Packets() {
    }

    /** What an IPv4 packet carries; the router looks inside only to avoid answering an ICMP error with one. */
    enum Proto {
        ICMP_ECHO(Ipv4Packet.PROTO_ICMP, 28),
        /** A time-exceeded message: a router must not send an ICMP error about it. */
        ICMP_ERROR(Ipv4Packet.PROTO_ICMP, 28),
        UDP(Ipv4Packet.PROTO_UDP, 28),
        TCP(Ipv4Packet.PROTO_TCP, 40);

        final int number;
        final int minimumSize;

        Proto(int number, int minimumSize) {
            this.number = number;
            this.minimumSize = minimumSize;
        }
    }

    static int ip(String text) {
        return Ipv4Address.parse(text).bits();
    }

    static long mac(String text) {
        return MacAddress.parse(text).bits();
    }

    /**
     * An IPv4 packet of {@code totalLength} bytes: a 20-byte header (identification 0x1c46, checksum filled),
     * an ICMP/UDP/TCP header (ports 40000 to 53 or 80), and payload bytes counting up.
     */
    static byte[] ipv4(int src, int dst, Proto proto, int ttl, boolean df, int totalLength) {
        if (totalLength < proto.minimumSize) {
            throw new IllegalArgumentException(proto + " needs at least " + proto.minimumSize + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate(totalLength);
        for (int i = Ipv4Packet.HEADER_LEN; i < totalLength; i++) {
            buf.put(i, (byte) i);
        }
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, totalLength);
        ip.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN);
        ip.setDscpEcn(0);
        ip.setTotalLength(totalLength);
        ip.setIdentification(0x1c46);
        ip.setFlags(df, false);
        ip.setFragmentOffset(0);
        ip.setTtl(ttl);
        ip.setProtocol(proto.number);
        ip.setSource(src);
        ip.setDestination(dst);
        ip.fillChecksum();
        int l4 = Ipv4Packet.HEADER_LEN;
        int l4Length = totalLength - l4;
        switch (proto) {
            case ICMP_ECHO, ICMP_ERROR -> {
                IcmpPacket icmp = IcmpPacket.of(buf, l4, l4Length);
                icmp.setType(proto == Proto.ICMP_ECHO ? IcmpPacket.TYPE_ECHO_REQUEST : IcmpPacket.TYPE_TIME_EXCEEDED);
                icmp.setCode(0);
                icmp.setIdentifier(proto == Proto.ICMP_ECHO ? 0x0b0b : 0);
                icmp.setSequenceNumber(proto == Proto.ICMP_ECHO ? 1 : 0);
                icmp.fillChecksum();
            }
            case UDP -> {
                buf.putShort(l4, (short) 40000);
                buf.putShort(l4 + 2, (short) 53);
                buf.putShort(l4 + 4, (short) l4Length);
                buf.putShort(l4 + 6, (short) 0); // no checksum (allowed over IPv4); the router never reads it
            }
            case TCP -> {
                buf.putShort(l4, (short) 40000);
                buf.putShort(l4 + 2, (short) 80);
                buf.putInt(l4 + 4, 1000); // sequence number
                buf.putInt(l4 + 8, 0); // acknowledgment number
                buf.put(l4 + 12, (byte) 0x50); // data offset 5 words
                buf.put(l4 + 13, (byte) 0x02); // SYN
                buf.putShort(l4 + 14, (short) 64240); // window
                buf.putShort(l4 + 16, (short) 0); // checksum, unread by the router
                buf.putShort(l4 + 18, (short) 0); // urgent pointer
            }
            default -> throw new AssertionError(proto);
        }
        return buf.array();
    }

    /** Ethernet II from {@code src} to {@code dst} around {@code payload}. */
    static byte[] ethernet(long dst, long src, int etherType, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + payload.length);
        EthernetFrame eth = EthernetFrame.of(buf, 0, buf.capacity());
        eth.setDestination(dst);
        eth.setSource(src);
        eth.setEtherType(etherType);
        buf.put(EthernetFrame.HEADER_LEN, payload);
        return buf.array();
    }

    /** The UDP payload of a VXLAN datagram: I flag, {@code vni}, then {@code innerFrame}. */
    static byte[] vxlan(int vni, byte[] innerFrame) {
        ByteBuffer buf = ByteBuffer.allocate(8 + innerFrame.length);
        buf.putInt(0, 0x08 << 24);
        buf.putInt(4, vni << 8);
        buf.put(8, innerFrame);
        return buf.array();
    }

    /** "Who has {@code targetIp}? Tell {@code senderIp}", broadcast from {@code senderMac}: 42 bytes. */
    static byte[] arpRequest(long senderMac, int senderIp, int targetIp) {
        return arp(ArpPacket.OP_REQUEST, MacAddress.BROADCAST.bits(), senderMac, senderMac, senderIp, 0, targetIp);
    }

    /** Ethernet + ARP with the given operation and addresses. */
    static byte[] arp(int operation, long ethDst, long ethSrc, long senderMac, int senderIp, long targetMac,
            int targetIp) {
        ByteBuffer buf = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + ArpPacket.HEADER_LEN);
        EthernetFrame eth = EthernetFrame.of(buf, 0, buf.capacity());
        eth.setDestination(ethDst);
        eth.setSource(ethSrc);
        eth.setEtherType(EthernetFrame.TYPE_ARP);
        new ArpPacket.ArpRepr(operation, senderMac, senderIp, targetMac, targetIp)
                .emit(ArpPacket.of(buf, EthernetFrame.HEADER_LEN, ArpPacket.HEADER_LEN));
        return buf.array();
    }

    /** A view of the IPv4 packet held whole in {@code packet}. */
    static Ipv4Packet ipView(byte[] packet) {
        return Ipv4Packet.of(ByteBuffer.wrap(packet), 0, packet.length);
    }

    /** A view of the ICMP message inside the IPv4 packet {@code packet}. */
    static IcmpPacket icmpView(byte[] packet) {
        Ipv4Packet ip = ipView(packet);
        return IcmpPacket.of(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
    }

    /** Bytes written as unsigned ints, so a fixture reads like a hex dump. */
    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
