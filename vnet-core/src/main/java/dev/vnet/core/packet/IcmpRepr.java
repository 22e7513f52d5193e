package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * The parsed form of an ICMP header (RFC 792): type, code and the 32 bits after the checksum, which are the
 * echo identifier and sequence number, the next-hop MTU of "fragmentation needed" (RFC 1191), or zero.
 * {@link #emit} writes the 8 header bytes and the checksum over the whole message, whose data (echo payload,
 * or the quoted datagram of an error) must be in place; {@link #emitError} puts the quote there first.
 */
public record IcmpRepr(int type, int code, int rest) {

    /** How much of the datagram an error quotes after its IP header: 64 bits (RFC 792). */
    public static final int QUOTED_PAYLOAD = 8;

    public static IcmpRepr echoRequest(int identifier, int sequenceNumber) {
        return new IcmpRepr(IcmpPacket.TYPE_ECHO_REQUEST, 0, (identifier & 0xffff) << 16 | (sequenceNumber & 0xffff));
    }

    public static IcmpRepr echoReply(int identifier, int sequenceNumber) {
        return new IcmpRepr(IcmpPacket.TYPE_ECHO_REPLY, 0, (identifier & 0xffff) << 16 | (sequenceNumber & 0xffff));
    }

    /** Time exceeded, code 0: the TTL reached zero in transit. */
    public static IcmpRepr timeExceeded() {
        return new IcmpRepr(IcmpPacket.TYPE_TIME_EXCEEDED, 0, 0);
    }

    /** Destination unreachable with {@code code}, such as {@link IcmpPacket#CODE_PORT_UNREACHABLE}. */
    public static IcmpRepr destinationUnreachable(int code) {
        return new IcmpRepr(IcmpPacket.TYPE_DEST_UNREACHABLE, code, 0);
    }

    /** Destination unreachable, fragmentation needed and DF set, with the next hop's MTU (RFC 1191). */
    public static IcmpRepr fragmentationNeeded(int nextHopMtu) {
        return new IcmpRepr(IcmpPacket.TYPE_DEST_UNREACHABLE, IcmpPacket.CODE_FRAG_NEEDED, nextHopMtu & 0xffff);
    }

    /** Reads the header, or returns null if the message is shorter than 8 bytes or its checksum fails. */
    public static IcmpRepr parse(IcmpPacket packet) {
        if (packet.checkLength() != DropReason.NONE || !packet.verifyChecksum()) {
            return null;
        }
        return new IcmpRepr(packet.type(), packet.code(), packet.identifier() << 16 | packet.sequenceNumber());
    }

    public int identifier() {
        return rest >>> 16;
    }

    public int sequenceNumber() {
        return rest & 0xffff;
    }

    public int nextHopMtu() {
        return rest & 0xffff;
    }

    /** True for an error message: one that quotes a datagram. */
    public boolean isError() {
        return IcmpPacket.isError(type);
    }

    /** Writes the header and the checksum over all {@link IcmpPacket#length()} bytes of {@code packet}. */
    public void emit(IcmpPacket packet) {
        packet.setType(type);
        packet.setCode(code);
        packet.setIdentifier(rest >>> 16);
        packet.setSequenceNumber(rest & 0xffff);
        packet.fillChecksum();
    }

    /** What an error about {@code original} quotes: its IP header and the first 64 bits of its payload (RFC 792). */
    public static int quoteLength(Ipv4Packet original) {
        return Math.min(original.headerLength() + QUOTED_PAYLOAD, original.totalLength());
    }

    /** The bytes of an error about {@code original}: header and quote. */
    public static int errorLength(Ipv4Packet original) {
        return IcmpPacket.HEADER_LEN + quoteLength(original);
    }

    /**
     * Writes this error about {@code original} (as received) into {@code packet}, which must cover exactly
     * {@link #errorLength} bytes: the quote, then the header and checksum.
     */
    public void emitError(IcmpPacket packet, Ipv4Packet original) {
        packet.buffer().put(packet.payloadOffset(), original.buffer(), original.offset(), quoteLength(original));
        emit(packet);
    }

    /**
     * Whether a router may send an ICMP error about this packet: never about an ICMP error, nor about a
     * fragment other than the first (RFC 1122 3.2.2).
     */
    public static boolean mayReportAbout(PacketContext original) {
        boolean icmpError = original.protocol() == Ipv4Packet.PROTO_ICMP && IcmpPacket.isError(original.icmpType());
        return !icmpError && original.ip().fragmentOffset() == 0;
    }

    /**
     * Writes the answer to the echo request {@code request} (a checked ICMP echo request) as an IPv4 packet at
     * {@code ipOffset} of {@code out}: a new 20-byte header from {@code source} back to the requester with a
     * fresh TTL, the request's identification, DF and DSCP/ECN kept, then the request's identifier, sequence
     * number and data with type "echo reply". {@code out} may be the request's own buffer. The views are
     * re-pointed at the reply. Returns the reply's IPv4 length.
     */
    public static int emitEchoReply(PacketContext request, int source, ByteBuffer out, int ipOffset,
                                    Ipv4Packet ipView, IcmpPacket icmpView) {
        Ipv4Packet in = request.ip();
        IcmpPacket echo = request.icmp();
        int identifier = echo.identifier();
        int sequence = echo.sequenceNumber();
        int icmpLength = echo.length();
        int icmpAt = ipOffset + Ipv4Packet.HEADER_LEN;
        Ipv4Repr ip = new Ipv4Repr(source, in.source(), Ipv4Packet.PROTO_ICMP, Ipv4Repr.DEFAULT_TTL,
                in.identification(), in.dontFragment(), in.dscpEcn(), icmpLength);
        out.put(icmpAt, echo.buffer(), echo.offset(), icmpLength); // before the header: they may overlap
        ip.emit(ipView.wrap(out, ipOffset, ip.totalLength()));
        // A full checksum: an incremental update can yield 0x0000 where 0xffff is due.
        echoReply(identifier, sequence).emit(icmpView.wrap(out, icmpAt, icmpLength));
        return ip.totalLength();
    }
}
