package dev.vnet.nat.rewrite;

import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.UdpPacket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds IPv4 packets from scratch with the core views, every checksum summed in full: the reference that
 * the incremental rewrites are compared with.
 */
final class Packets {

    private Packets() {
    }

    /** An IPv4 packet around {@code l4}: DF set, TTL 64, the given options (a multiple of 4 bytes). */
    static byte[] ipv4(int protocol, int src, int dst, byte[] options, byte[] l4) {
        int headerLength = Ipv4Packet.HEADER_LEN + options.length;
        ByteBuffer buf = ByteBuffer.allocate(headerLength + l4.length);
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, buf.capacity());
        ip.setVersionAndHeaderLength(headerLength);
        ip.setTotalLength(headerLength + l4.length);
        ip.setIdentification(0x1c46);
        ip.setFlags(true, false);
        ip.setTtl(64);
        ip.setProtocol(protocol);
        ip.setSource(src);
        ip.setDestination(dst);
        buf.put(Ipv4Packet.HEADER_LEN, options);
        buf.put(headerLength, l4);
        ip.fillChecksum();
        return buf.array();
    }

    static byte[] ipv4(int protocol, int src, int dst, byte[] l4) {
        return ipv4(protocol, src, dst, new byte[0], l4);
    }

    /** A TCP segment (PSH+ACK) with its checksum over the pseudo-header of {@code src} → {@code dst}. */
    static byte[] tcp(int src, int sport, int dst, int dport, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(TcpPacket.HEADER_LEN + payload.length);
        TcpPacket tcp = TcpPacket.of(buf, 0, buf.capacity());
        tcp.setSourcePort(sport);
        tcp.setDestinationPort(dport);
        tcp.setSequenceNumber(0xf0e1d2c3L);
        tcp.setAcknowledgmentNumber(0x01020304L);
        tcp.setHeaderLength(TcpPacket.HEADER_LEN);
        tcp.setFlags(TcpPacket.PSH | TcpPacket.ACK);
        tcp.setWindow(64240);
        buf.put(TcpPacket.HEADER_LEN, payload);
        tcp.fillChecksum(src, dst);
        return buf.array();
    }

    /** A UDP datagram, with its checksum or with 0 ("none"). */
    static byte[] udp(int src, int sport, int dst, int dport, byte[] payload, boolean checksum) {
        ByteBuffer buf = ByteBuffer.allocate(UdpPacket.HEADER_LEN + payload.length);
        UdpPacket udp = UdpPacket.of(buf, 0, buf.capacity());
        udp.setSourcePort(sport);
        udp.setDestinationPort(dport);
        udp.setUdpLength(buf.capacity());
        buf.put(UdpPacket.HEADER_LEN, payload);
        if (checksum) {
            udp.fillChecksum(src, dst);
        }
        return buf.array();
    }

    /** An ICMP echo request or reply. */
    static byte[] echo(int type, int id, int sequence, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(IcmpPacket.HEADER_LEN + payload.length);
        IcmpPacket icmp = IcmpPacket.of(buf, 0, buf.capacity());
        icmp.setType(type);
        icmp.setIdentifier(id);
        icmp.setSequenceNumber(sequence);
        buf.put(IcmpPacket.HEADER_LEN, payload);
        icmp.fillChecksum();
        return buf.array();
    }

    /** An ICMP error of {@code type}/{@code code} quoting {@code quote}. */
    static byte[] icmpError(int type, int code, byte[] quote) {
        ByteBuffer buf = ByteBuffer.allocate(IcmpPacket.HEADER_LEN + quote.length);
        IcmpPacket icmp = IcmpPacket.of(buf, 0, buf.capacity());
        icmp.setType(type);
        icmp.setCode(code);
        buf.put(IcmpPacket.HEADER_LEN, quote);
        icmp.fillChecksum();
        return buf.array();
    }

    /**
     * {@code packet} at {@code offset} in a buffer with spare bytes after it. Little-endian on purpose:
     * nothing may depend on the buffer's byte order.
     */
    static ByteBuffer place(byte[] packet, int offset) {
        ByteBuffer buf = ByteBuffer.allocate(offset + packet.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(offset, packet);
        return buf;
    }

    static byte[] read(ByteBuffer buf, int offset, int length) {
        byte[] out = new byte[length];
        buf.get(offset, out);
        return out;
    }

    static byte[] first(byte[] bytes, int n) {
        return java.util.Arrays.copyOf(bytes, n);
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
