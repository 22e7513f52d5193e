package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * Userspace GSO: turns a frame that carries offload metadata ({@link VirtioNetHeader}) into the wire-sized
 * frames with complete checksums that a port without offloads (or the overlay) must be given, as the
 * kernel's software GSO does for a device without TSO.
 *
 * <ul>
 *   <li>TCPv4 super-frame ({@code GSO_TCPV4}, with or without ECN): segments of {@code gso_size} payload
 *       bytes; each repeats the link, IPv4 and TCP headers (options included) with the IPv4 identification
 *       incremented per segment and its total length and header checksum set, the TCP sequence number advanced
 *       by the payload before it, PSH and FIN only on the last segment, CWR only on the first, and a full TCP
 *       checksum;</li>
 *   <li>UDP super-frame ({@code GSO_UDP_L4}, IPv4): datagrams of {@code gso_size} payload bytes, each with
 *       its UDP length and a full checksum;</li>
 *   <li>partial checksum only ({@code NEEDS_CSUM}, no GSO): one frame, its checksum completed over
 *       {@code [csum_start, end)} and stored at {@code csum_start + csum_offset}.</li>
 * </ul>
 * The checksums are computed from the bytes, never from the partial value a super-frame carries, so a stage
 * that rewrote addresses (NAT) before segmentation needs no care here.
 *
 * <p>Use: {@link #start} checks the frame and says how many pieces it makes, then each {@link #next} writes
 * one at the index given in a buffer of the caller's and returns its length, -1 after the last. Nothing is
 * allocated; not thread-safe (one per thread); the source frame is only read, so a flooded frame may be
 * segmented for several ports.
 */
public final class Segmenter {
    private static final int IP_TOTAL_LENGTH = 2;
    private static final int IP_IDENTIFICATION = 4;
    private static final int IP_FLAGS_FRAGMENT = 6;
    private static final int IP_PROTOCOL = 9;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_SOURCE = 12;
    private static final int IP_DESTINATION = 16;
    private static final int TCP_SEQUENCE = 4;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_LENGTH = 4;
    private static final int UDP_CHECKSUM = 6;

    private enum Kind { CHECKSUM, TCP, UDP }

    private ByteBuffer src;
    private int offset;
    private int linkHeader;
    private Kind kind;
    /** Bytes every piece repeats, from the frame's start: link + IP + transport headers (CHECKSUM: the whole). */
    private int headers;
    private int ipHeaderLength;
    private int payloadStart;
    private int payloadEnd;
    private int mss;
    private int csumStart;
    private int csumOffset;
    private int pieces;
    private int nextPiece;

    /**
     * Prepares to cut the frame {@code [offset, offset + length)} of {@code src}, whose IPv4 header starts
     * {@code linkHeader} bytes in (14 for Ethernet, 0 for a TUN's bare packet). Returns NONE, or why the frame
     * cannot be resolved (BAD_OFFLOAD, UNSUPPORTED_PROTOCOL for IPv6 or UFO, or the IPv4 header's own fault);
     * {@code next} then returns -1 at once. Bytes past the IPv4 total length (padding) are left out.
     */
    public DropReason start(ByteBuffer src, int offset, int length, int linkHeader, long offload) {
        this.src = src;
        this.offset = offset;
        this.linkHeader = linkHeader;
        pieces = 0;
        nextPiece = 0;
        int ip = offset + linkHeader;
        if (length < linkHeader + Ipv4Packet.HEADER_LEN) {
            return DropReason.TRUNCATED;
        }
        int versionIhl = src.get(ip) & 0xFF;
        if (versionIhl >>> 4 != 4) {
            return VirtioNetHeader.gsoType(offload) == VirtioNetHeader.GSO_TCPV6
                    ? DropReason.UNSUPPORTED_PROTOCOL : DropReason.BAD_VERSION;
        }
        ipHeaderLength = (versionIhl & 0x0F) * 4;
        int total = get16(ip + IP_TOTAL_LENGTH);
        if (ipHeaderLength < Ipv4Packet.HEADER_LEN || total < ipHeaderLength || linkHeader + total > length) {
            return DropReason.BAD_TOTAL_LENGTH;
        }
        int l4 = ip + ipHeaderLength;
        int end = ip + total;
        int protocol = src.get(ip + IP_PROTOCOL) & 0xFF;
        boolean fragment = (get16(ip + IP_FLAGS_FRAGMENT) & 0x3FFF) != 0;
        int gso = VirtioNetHeader.gsoType(offload) & ~VirtioNetHeader.GSO_ECN;
        switch (gso) {
            case VirtioNetHeader.GSO_NONE -> {
                if (!VirtioNetHeader.needsChecksum(offload)) {
                    kind = Kind.CHECKSUM; // nothing to do: one piece, copied as it is
                    csumStart = -1;
                } else {
                    kind = Kind.CHECKSUM;
                    csumStart = ip + VirtioNetHeader.csumStart(offload);
                    csumOffset = VirtioNetHeader.csumOffset(offload);
                    if (csumStart < l4 || csumStart + csumOffset + 2 > end) {
                        return DropReason.BAD_OFFLOAD;
                    }
                }
                headers = end - offset;
                pieces = 1;
                return DropReason.NONE;
            }
            case VirtioNetHeader.GSO_TCPV4 -> {
                if (protocol != Ipv4Packet.PROTO_TCP || fragment || l4 + TcpPacket.HEADER_LEN > end) {
                    return DropReason.BAD_OFFLOAD;
                }
                int tcpHeaderLength = ((src.get(l4 + TCP_DATA_OFFSET) & 0xFF) >>> 4) * 4;
                if (tcpHeaderLength < TcpPacket.HEADER_LEN || l4 + tcpHeaderLength > end) {
                    return DropReason.BAD_OFFLOAD;
                }
                kind = Kind.TCP;
                payloadStart = l4 + tcpHeaderLength;
            }
            case VirtioNetHeader.GSO_UDP_L4 -> {
                if (protocol != Ipv4Packet.PROTO_UDP || fragment || l4 + UdpPacket.HEADER_LEN > end) {
                    return DropReason.BAD_OFFLOAD;
                }
                kind = Kind.UDP;
                payloadStart = l4 + UdpPacket.HEADER_LEN;
            }
            default -> {
                return DropReason.UNSUPPORTED_PROTOCOL; // TCPv6 (pods have no IPv6) and UFO (never offered)
            }
        }
        mss = VirtioNetHeader.gsoSize(offload);
        if (mss == 0) {
            return DropReason.BAD_OFFLOAD;
        }
        payloadEnd = end;
        headers = payloadStart - offset;
        int payload = payloadEnd - payloadStart;
        pieces = Math.max(1, (payload + mss - 1) / mss);
        return DropReason.NONE;
    }

    /**
     * How many wire-sized segments the frame stands for, for counters: 1 for a frame that is no super-frame,
     * else its payload over {@code gso_size}, rounded up. Reads the IPv4 and TCP header lengths only; a frame
     * too short to have them counts as 1.
     */
    public static int segmentsOf(ByteBuffer buf, int offset, int length, int linkHeader, long offload) {
        int mss = VirtioNetHeader.gsoSize(offload);
        if (!VirtioNetHeader.isGso(offload) || mss == 0 || length < linkHeader + Ipv4Packet.HEADER_LEN) {
            return 1;
        }
        int ip = offset + linkHeader;
        int headers = (buf.get(ip) & 0x0F) * 4;
        if ((VirtioNetHeader.gsoType(offload) & ~VirtioNetHeader.GSO_ECN) == VirtioNetHeader.GSO_UDP_L4) {
            headers += UdpPacket.HEADER_LEN;
        } else if (length >= linkHeader + headers + TcpPacket.HEADER_LEN) {
            headers += ((buf.get(ip + headers + TCP_DATA_OFFSET) & 0xFF) >>> 4) * 4;
        }
        int payload = length - linkHeader - headers;
        return payload <= mss ? 1 : (payload + mss - 1) / mss;
    }

    /** How many frames the one given to {@link #start} makes. */
    public int pieces() {
        return pieces;
    }

    /**
     * Writes the next frame at {@code at} of {@code out} (room for the headers plus {@code gso_size} bytes)
     * and returns its length, or -1 when all were written.
     */
    public int next(ByteBuffer out, int at) {
        if (nextPiece >= pieces) {
            return -1;
        }
        int i = nextPiece++;
        out.put(at, src, offset, headers);
        if (kind == Kind.CHECKSUM) {
            if (csumStart >= 0) {
                completeChecksum(out, at + (csumStart - offset), at + headers, at + (csumStart - offset) + csumOffset,
                        (src.get(offset + linkHeader + IP_PROTOCOL) & 0xFF) == Ipv4Packet.PROTO_UDP);
            }
            return headers;
        }
        int from = payloadStart + i * mss;
        int chunk = Math.min(mss, payloadEnd - from);
        out.put(at + headers, src, from, chunk);
        int length = headers + chunk;
        int ip = at + linkHeader;
        int l4 = ip + ipHeaderLength;
        int ipTotal = length - linkHeader;
        put16(out, ip + IP_TOTAL_LENGTH, ipTotal);
        put16(out, ip + IP_IDENTIFICATION, get16(offset + linkHeader + IP_IDENTIFICATION) + i);
        put16(out, ip + IP_CHECKSUM, 0);
        put16(out, ip + IP_CHECKSUM, Checksum.fold(Checksum.sum(out, ip, ipHeaderLength, 0)));
        int l4Length = ipTotal - ipHeaderLength;
        int pseudo = Checksum.pseudoHeaderSum(get32(out, ip + IP_SOURCE), get32(out, ip + IP_DESTINATION),
                kind == Kind.TCP ? Ipv4Packet.PROTO_TCP : Ipv4Packet.PROTO_UDP, l4Length);
        if (kind == Kind.TCP) {
            long seq = get32(out, l4 + TCP_SEQUENCE) & 0xFFFF_FFFFL;
            put32(out, l4 + TCP_SEQUENCE, (int) (seq + (long) i * mss));
            int flags = out.get(l4 + TCP_FLAGS) & 0xFF;
            if (i != pieces - 1) {
                flags &= ~(TcpPacket.PSH | TcpPacket.FIN);
            }
            if (i != 0) {
                flags &= ~TcpPacket.CWR;
            }
            out.put(l4 + TCP_FLAGS, (byte) flags);
            put16(out, l4 + TCP_CHECKSUM, 0);
            put16(out, l4 + TCP_CHECKSUM, Checksum.fold(Checksum.sum(out, l4, l4Length, pseudo)));
        } else {
            put16(out, l4 + UDP_LENGTH, l4Length);
            put16(out, l4 + UDP_CHECKSUM, 0);
            int c = Checksum.fold(Checksum.sum(out, l4, l4Length, pseudo));
            put16(out, l4 + UDP_CHECKSUM, c == 0 ? 0xFFFF : c);
        }
        return length;
    }

    /**
     * Completes a partial checksum in place: sums {@code [from, end)} of {@code buf}, the partial value at
     * {@code field} included, and stores the complement there. A UDP checksum that comes out 0 is sent as
     * 0xFFFF (0 means "none", RFC 768).
     */
    public static void completeChecksum(ByteBuffer buf, int from, int end, int field, boolean udp) {
        int c = Checksum.fold(Checksum.sum(buf, from, end - from, 0));
        put16(buf, field, udp && c == 0 ? 0xFFFF : c);
    }

    private int get16(int at) {
        return (src.get(at) & 0xFF) << 8 | (src.get(at + 1) & 0xFF);
    }

    private static int get32(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 24 | (b.get(at + 1) & 0xFF) << 16 | (b.get(at + 2) & 0xFF) << 8
                | (b.get(at + 3) & 0xFF);
    }

    private static void put16(ByteBuffer b, int at, int v) {
        b.put(at, (byte) (v >>> 8));
        b.put(at + 1, (byte) v);
    }

    private static void put32(ByteBuffer b, int at, int v) {
        put16(b, at, v >>> 16);
        put16(b, at + 2, v);
    }
}
