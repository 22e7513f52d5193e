package dev.vnet.nat.rewrite;

import dev.vnet.core.packet.Checksum;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * Rewrites the addresses and ports of an IPv4 packet in place, as DNAT and SNAT do, patching every checksum
 * that covers a changed field by RFC 1624 instead of summing the packet again. Static, allocation-free and
 * thread-safe (it keeps no state); absolute gets and puts only, so the buffer's position, limit and byte
 * order do not matter.
 *
 * <h2>What is read and written where</h2>
 * Offsets from the start of the IPv4 header ({@code ipOffset}) and of the transport header
 * ({@code l4 = ipOffset + IHL * 4}):
 * <pre>
 *   IPv4   +0 IHL (low nibble)   +2 total length   +6 fragment offset   +9 protocol
 *          +10 header checksum   +12 source address   +16 destination address
 *   TCP    l4+0 source port   l4+2 destination port   l4+16 checksum (pseudo-header: addresses)
 *   UDP    l4+0 source port   l4+2 destination port   l4+6 checksum (pseudo-header; 0 = none)
 *   ICMP   l4+0 type   l4+2 checksum (no pseudo-header)   l4+4 echo identifier
 * </pre>
 * A field whose value does not change is not written, and no checksum is touched for it.
 *
 * <h2>Preconditions (the caller has checked them; nothing here throws on a packet that meets them)</h2>
 * The IPv4 header passed {@link Ipv4Packet#checkLength()}, and unless it is a later fragment its transport
 * header fits: 20 bytes of TCP, 8 of UDP or ICMP. A later fragment (offset ≠ 0) has no transport header: only
 * its addresses change. A first fragment is fine: the checksum patch does not need the rest of the datagram.
 *
 * <h2>ICMP echo</h2>
 * The echo identifier plays the part of both ports, as in Linux conntrack: a conntrack tuple for ICMP
 * holds the identifier as its source and its destination port, so {@code newSrcPort == newDstPort}. Formally,
 * the identifier belongs to the side that sent the request: a request takes {@code newSrcPort}, a reply
 * {@code newDstPort}.
 *
 * <h2>Offloaded checksums</h2>
 * A frame read with {@code VIRTIO_NET_HDR_F_NEEDS_CSUM} carries in its TCP/UDP checksum field only the
 * pseudo-header sum, uncomplemented, for the device (or {@code Segmenter}) to finish over the whole
 * segment later. Only the addresses are in that sum: the ports are in the part still to be summed. So a
 * partial checksum takes the address change alone, and no port patch: {@link #rewrite(ByteBuffer, int, int,
 * int, int, int, boolean)} does that, and a caller that lets another class call {@link #rewrite} (the
 * Service proxy) saves the field with {@link #partialChecksum} first and puts it back with
 * {@link #restorePartialChecksum} after.
 */
public final class NatRewriter {

    private static final int IP_VERSION_IHL = 0;
    private static final int IP_TOTAL_LENGTH = 2;
    private static final int IP_FLAGS_FRAGMENT_OFFSET = 6;
    private static final int IP_PROTOCOL = 9;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_SOURCE = 12;
    private static final int IP_DESTINATION = 16;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_CHECKSUM = 6;
    private static final int ICMP_TYPE = 0;
    private static final int ICMP_CHECKSUM = 2;
    private static final int ICMP_IDENTIFIER = 4;
    private static final int TYPE_PARAMETER_PROBLEM = 12;

    /** Bytes of the quoted datagram an ICMP error must carry past its IP header (RFC 792): the ports. */
    private static final int QUOTED_TRANSPORT_MIN = 8;

    private NatRewriter() {
    }

    /**
     * Sets the packet's source and destination addresses and ports (for ICMP echo, the identifier) and
     * patches the IPv4 header checksum and the TCP, UDP or ICMP checksum. A UDP checksum of 0 ("none")
     * stays 0; one that comes out as 0 is sent as 0xFFFF. Other protocols get only their addresses changed.
     */
    public static void rewrite(ByteBuffer buf, int ipOffset, int newSrcIp, int newSrcPort, int newDstIp,
                               int newDstPort) {
        int oldSrcIp = get32(buf, ipOffset + IP_SOURCE);
        int oldDstIp = get32(buf, ipOffset + IP_DESTINATION);
        int l4 = ipOffset + (get8(buf, ipOffset + IP_VERSION_IHL) & 0x0F) * 4;
        boolean hasTransportHeader = (get16(buf, ipOffset + IP_FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) == 0;
        if (hasTransportHeader) {
            switch (get8(buf, ipOffset + IP_PROTOCOL)) {
                case Ipv4Packet.PROTO_TCP -> rewriteTransport(buf, l4, l4 + TCP_CHECKSUM, false,
                        oldSrcIp, oldDstIp, newSrcIp, newSrcPort, newDstIp, newDstPort);
                case Ipv4Packet.PROTO_UDP -> rewriteTransport(buf, l4, l4 + UDP_CHECKSUM, true,
                        oldSrcIp, oldDstIp, newSrcIp, newSrcPort, newDstIp, newDstPort);
                case Ipv4Packet.PROTO_ICMP -> rewriteEchoIdentifier(buf, l4, newSrcPort, newDstPort);
                default -> {
                    // Only the addresses: no other protocol is translated by port.
                }
            }
        }
        rewriteAddresses(buf, ipOffset, newSrcIp, newDstIp);
    }

    /**
     * Like {@link #rewrite(ByteBuffer, int, int, int, int, int)}; with {@code partialChecksum} (the frame's
     * offload metadata says NEEDS_CSUM), the TCP or UDP checksum field is a pseudo-header sum, which takes the
     * address change alone.
     */
    public static void rewrite(ByteBuffer buf, int ipOffset, int newSrcIp, int newSrcPort, int newDstIp,
                               int newDstPort, boolean partialChecksum) {
        if (!partialChecksum) {
            rewrite(buf, ipOffset, newSrcIp, newSrcPort, newDstIp, newDstPort);
            return;
        }
        int oldSrcIp = get32(buf, ipOffset + IP_SOURCE);
        int oldDstIp = get32(buf, ipOffset + IP_DESTINATION);
        int saved = partialChecksum(buf, ipOffset);
        rewrite(buf, ipOffset, newSrcIp, newSrcPort, newDstIp, newDstPort);
        restorePartialChecksum(buf, ipOffset, saved, oldSrcIp, oldDstIp);
    }

    /** The TCP or UDP checksum field of the packet (a partial sum, for a caller that will restore it), or -1. */
    public static int partialChecksum(ByteBuffer buf, int ipOffset) {
        int at = transportChecksumAt(buf, ipOffset);
        return at < 0 ? -1 : get16(buf, at);
    }

    /**
     * Puts back the partial checksum {@code partialBefore} that {@link #partialChecksum} read before the
     * packet's addresses were {@code oldSrcIp} → {@code oldDstIp}, moved to the addresses the packet has now:
     * what a partial checksum must be after NAT, whatever {@link #rewrite} made of the field meanwhile.
     */
    public static void restorePartialChecksum(ByteBuffer buf, int ipOffset, int partialBefore, int oldSrcIp,
                                              int oldDstIp) {
        int at = transportChecksumAt(buf, ipOffset);
        if (at < 0 || partialBefore < 0) {
            return;
        }
        int p = Checksum.updatePartial32(partialBefore, oldSrcIp, get32(buf, ipOffset + IP_SOURCE));
        put16(buf, at, Checksum.updatePartial32(p, oldDstIp, get32(buf, ipOffset + IP_DESTINATION)));
    }

    /** Where the TCP or UDP checksum of a packet that has a transport header is, or -1. */
    private static int transportChecksumAt(ByteBuffer buf, int ipOffset) {
        if ((get16(buf, ipOffset + IP_FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) != 0) {
            return -1;
        }
        int l4 = ipOffset + (get8(buf, ipOffset + IP_VERSION_IHL) & 0x0F) * 4;
        return switch (get8(buf, ipOffset + IP_PROTOCOL)) {
            case Ipv4Packet.PROTO_TCP -> l4 + TCP_CHECKSUM;
            case Ipv4Packet.PROTO_UDP -> l4 + UDP_CHECKSUM;
            default -> -1;
        };
    }

    /**
     * Translates an ICMP error (destination unreachable, time exceeded, parameter problem) about a
     * translated flow, keeping the outer source. See
     * {@link #rewriteIcmpError(ByteBuffer, int, int, int, int, int, int, int)}.
     */
    public static boolean rewriteIcmpError(ByteBuffer buf, int ipOffset, int newOuterDstIp,
                                           int embeddedSrcIp, int embeddedSrcPort,
                                           int embeddedDstIp, int embeddedDstPort) {
        return rewriteIcmpError(buf, ipOffset, get32(buf, ipOffset + IP_SOURCE), newOuterDstIp,
                embeddedSrcIp, embeddedSrcPort, embeddedDstIp, embeddedDstPort);
    }

    /**
     * Translates an ICMP error about a translated flow. The error quotes the start of a packet the flow
     * sent, as it looked after translation; the client must see it quote the packet it sent itself. For a
     * flow client C:c → VIP:80, DNATed to E:8080 (and maybe SNATed to S:s), an error about C's packet comes
     * back to C (or S), quoting C (or S):c → E:8080; it becomes an error to C quoting C:c → VIP:80:
     * <pre>
     *   rewriteIcmpError(buf, ip, E-or-VIP, C, C, c, VIP, 80)   // outer src, outer dst, quoted src, quoted dst
     * </pre>
     * i.e. the embedded tuple is the conntrack entry's original tuple and the outer destination its
     * original source. Linux also shows the error as coming from the VIP when the endpoint itself sent it:
     * pass the VIP as {@code newOuterSrcIp} then, or use the overload that keeps the source.
     *
     * <p>Rewrites the quoted IPv4 addresses and fixes the quoted header checksum; rewrites the quoted ports
     * (TCP, UDP) or echo identifier (ICMP echo, as in {@link #rewrite}) and patches the quoted transport
     * checksum if the quote holds it (a quote of only 8 transport bytes ends before TCP's checksum, which
     * then stays stale, as in Linux); patches the outer ICMP checksum for all of it; and rewrites the outer
     * addresses with their header checksum.
     *
     * @return false, changing nothing, if the packet is not an ICMP error or its quote is shorter than an
     *         IPv4 header plus 8 bytes
     */
    public static boolean rewriteIcmpError(ByteBuffer buf, int ipOffset, int newOuterSrcIp, int newOuterDstIp,
                                           int embeddedSrcIp, int embeddedSrcPort,
                                           int embeddedDstIp, int embeddedDstPort) {
        int end = ipOffset + get16(buf, ipOffset + IP_TOTAL_LENGTH);
        int icmp = ipOffset + (get8(buf, ipOffset + IP_VERSION_IHL) & 0x0F) * 4;
        if (get8(buf, ipOffset + IP_PROTOCOL) != Ipv4Packet.PROTO_ICMP || icmp + IcmpPacket.HEADER_LEN > end
                || !isError(get8(buf, icmp + ICMP_TYPE))) {
            return false;
        }
        int quote = icmp + IcmpPacket.HEADER_LEN;
        if (quote + Ipv4Packet.HEADER_LEN > end) {
            return false;
        }
        int quoteHeaderLength = (get8(buf, quote + IP_VERSION_IHL) & 0x0F) * 4;
        int quotedL4 = quote + quoteHeaderLength;
        if (quoteHeaderLength < Ipv4Packet.HEADER_LEN || quotedL4 + QUOTED_TRANSPORT_MIN > end) {
            return false;
        }

        // Every word changed inside the quote is also covered by the outer ICMP checksum. The quote starts
        // 8 bytes into the ICMP message and IP headers are multiples of 4, so every field is word-aligned.
        int icmpChecksum = get16(buf, icmp + ICMP_CHECKSUM);

        int oldQuotedSrc = get32(buf, quote + IP_SOURCE);
        int oldQuotedDst = get32(buf, quote + IP_DESTINATION);
        int oldQuoteChecksum = get16(buf, quote + IP_CHECKSUM);
        int quoteChecksum = patch32(patch32(oldQuoteChecksum, oldQuotedSrc, embeddedSrcIp), oldQuotedDst, embeddedDstIp);
        icmpChecksum = patch32(icmpChecksum, oldQuotedSrc, embeddedSrcIp);
        icmpChecksum = patch32(icmpChecksum, oldQuotedDst, embeddedDstIp);
        icmpChecksum = patch16(icmpChecksum, oldQuoteChecksum, quoteChecksum);
        put32(buf, quote + IP_SOURCE, embeddedSrcIp);
        put32(buf, quote + IP_DESTINATION, embeddedDstIp);
        put16(buf, quote + IP_CHECKSUM, quoteChecksum);

        boolean quotedHasTransportHeader =
                (get16(buf, quote + IP_FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) == 0;
        int quotedProtocol = quotedHasTransportHeader ? get8(buf, quote + IP_PROTOCOL) : -1;
        if (quotedProtocol == Ipv4Packet.PROTO_TCP || quotedProtocol == Ipv4Packet.PROTO_UDP) {
            int oldSrcPort = get16(buf, quotedL4 + SOURCE_PORT);
            int oldDstPort = get16(buf, quotedL4 + DESTINATION_PORT);
            boolean udp = quotedProtocol == Ipv4Packet.PROTO_UDP;
            int checksumAt = quotedL4 + (udp ? UDP_CHECKSUM : TCP_CHECKSUM);
            if (checksumAt + 2 <= end && !(udp && get16(buf, checksumAt) == 0)) {
                int old = get16(buf, checksumAt);
                int patched = patchTransportChecksum(old, udp, oldQuotedSrc, oldQuotedDst, embeddedSrcIp,
                        embeddedDstIp, oldSrcPort, oldDstPort, embeddedSrcPort, embeddedDstPort);
                icmpChecksum = patch16(icmpChecksum, old, patched);
                put16(buf, checksumAt, patched);
            }
            icmpChecksum = patch16(icmpChecksum, oldSrcPort, embeddedSrcPort);
            icmpChecksum = patch16(icmpChecksum, oldDstPort, embeddedDstPort);
            put16(buf, quotedL4 + SOURCE_PORT, embeddedSrcPort);
            put16(buf, quotedL4 + DESTINATION_PORT, embeddedDstPort);
        } else if (quotedProtocol == Ipv4Packet.PROTO_ICMP) {
            int type = get8(buf, quotedL4 + ICMP_TYPE);
            if (type == IcmpPacket.TYPE_ECHO_REQUEST || type == IcmpPacket.TYPE_ECHO_REPLY) {
                int id = type == IcmpPacket.TYPE_ECHO_REQUEST ? embeddedSrcPort : embeddedDstPort;
                int oldId = get16(buf, quotedL4 + ICMP_IDENTIFIER);
                int oldInner = get16(buf, quotedL4 + ICMP_CHECKSUM);
                int inner = patch16(oldInner, oldId, id);
                icmpChecksum = patch16(icmpChecksum, oldId, id);
                icmpChecksum = patch16(icmpChecksum, oldInner, inner);
                put16(buf, quotedL4 + ICMP_IDENTIFIER, id);
                put16(buf, quotedL4 + ICMP_CHECKSUM, inner);
            }
        }
        put16(buf, icmp + ICMP_CHECKSUM, icmpChecksum);
        rewriteAddresses(buf, ipOffset, newOuterSrcIp, newOuterDstIp);
        return true;
    }

    /** True for the ICMP types that quote the datagram they are about. */
    public static boolean isError(int icmpType) {
        return icmpType == IcmpPacket.TYPE_DEST_UNREACHABLE || icmpType == IcmpPacket.TYPE_TIME_EXCEEDED
                || icmpType == TYPE_PARAMETER_PROBLEM;
    }

    private static void rewriteAddresses(ByteBuffer buf, int ipOffset, int newSrcIp, int newDstIp) {
        int oldSrcIp = get32(buf, ipOffset + IP_SOURCE);
        int oldDstIp = get32(buf, ipOffset + IP_DESTINATION);
        if (oldSrcIp == newSrcIp && oldDstIp == newDstIp) {
            return;
        }
        int checksum = get16(buf, ipOffset + IP_CHECKSUM);
        checksum = patch32(checksum, oldSrcIp, newSrcIp);
        checksum = patch32(checksum, oldDstIp, newDstIp);
        put16(buf, ipOffset + IP_CHECKSUM, checksum);
        put32(buf, ipOffset + IP_SOURCE, newSrcIp);
        put32(buf, ipOffset + IP_DESTINATION, newDstIp);
    }

    /** Ports of TCP or UDP at {@code l4}, and the checksum at {@code checksumAt}, which covers addresses too. */
    private static void rewriteTransport(ByteBuffer buf, int l4, int checksumAt, boolean udp,
                                         int oldSrcIp, int oldDstIp, int newSrcIp, int newSrcPort,
                                         int newDstIp, int newDstPort) {
        int oldSrcPort = get16(buf, l4 + SOURCE_PORT);
        int oldDstPort = get16(buf, l4 + DESTINATION_PORT);
        int old = get16(buf, checksumAt);
        if (!(udp && old == 0)) {
            int patched = patchTransportChecksum(old, udp, oldSrcIp, oldDstIp, newSrcIp, newDstIp,
                    oldSrcPort, oldDstPort, newSrcPort, newDstPort);
            if (patched != old) {
                put16(buf, checksumAt, patched);
            }
        }
        if (oldSrcPort != newSrcPort) {
            put16(buf, l4 + SOURCE_PORT, newSrcPort);
        }
        if (oldDstPort != newDstPort) {
            put16(buf, l4 + DESTINATION_PORT, newDstPort);
        }
    }

    private static int patchTransportChecksum(int checksum, boolean udp, int oldSrcIp, int oldDstIp,
                                              int newSrcIp, int newDstIp, int oldSrcPort, int oldDstPort,
                                              int newSrcPort, int newDstPort) {
        int c = patch32(checksum, oldSrcIp, newSrcIp); // the pseudo-header
        c = patch32(c, oldDstIp, newDstIp);
        c = patch16(c, oldSrcPort, newSrcPort);
        c = patch16(c, oldDstPort, newDstPort);
        // 0 on the wire means "no checksum" for UDP; a computed 0 is sent as its other form, 0xFFFF (RFC 768).
        return udp && c == 0 ? 0xFFFF : c;
    }

    private static void rewriteEchoIdentifier(ByteBuffer buf, int l4, int newSrcPort, int newDstPort) {
        int type = get8(buf, l4 + ICMP_TYPE);
        if (type != IcmpPacket.TYPE_ECHO_REQUEST && type != IcmpPacket.TYPE_ECHO_REPLY) {
            return; // errors are translated by rewriteIcmpError; other types have nothing to translate
        }
        int id = type == IcmpPacket.TYPE_ECHO_REQUEST ? newSrcPort : newDstPort;
        int oldId = get16(buf, l4 + ICMP_IDENTIFIER);
        if (oldId != id) {
            put16(buf, l4 + ICMP_CHECKSUM, Checksum.update16(get16(buf, l4 + ICMP_CHECKSUM), oldId, id));
            put16(buf, l4 + ICMP_IDENTIFIER, id);
        }
    }

    /** RFC 1624 for one word, skipped when the word does not change (which keeps 0xFFFF from becoming 0). */
    private static int patch16(int checksum, int oldWord, int newWord) {
        return oldWord == newWord ? checksum : Checksum.update16(checksum, oldWord, newWord);
    }

    private static int patch32(int checksum, int oldValue, int newValue) {
        int c = patch16(checksum, oldValue >>> 16, newValue >>> 16);
        return patch16(c, oldValue & 0xFFFF, newValue & 0xFFFF);
    }

    private static int get8(ByteBuffer buf, int index) {
        return buf.get(index) & 0xFF;
    }

    private static int get16(ByteBuffer buf, int index) {
        return (buf.get(index) & 0xFF) << 8 | (buf.get(index + 1) & 0xFF);
    }

    private static void put16(ByteBuffer buf, int index, int value) {
        buf.put(index, (byte) (value >>> 8));
        buf.put(index + 1, (byte) value);
    }

    private static int get32(ByteBuffer buf, int index) {
        return get16(buf, index) << 16 | get16(buf, index + 2);
    }

    private static void put32(ByteBuffer buf, int index, int value) {
        put16(buf, index, value >>> 16);
        put16(buf, index + 2, value);
    }
}
