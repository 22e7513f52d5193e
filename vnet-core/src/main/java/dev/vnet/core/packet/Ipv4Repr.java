package dev.vnet.core.packet;

/**
 * The parsed form of an IPv4 header (RFC 791) as vnet builds one: no options, never a fragment. The payload
 * is the caller's to write; {@link #emit} writes the 20 header bytes, its checksum included.
 *
 * @param dscpEcn        the second byte: DSCP in the top six bits, ECN in the low two
 * @param payloadLength  the bytes after the header; the total length field is 20 more
 */
public record Ipv4Repr(int source, int destination, int protocol, int ttl, int identification,
                       boolean dontFragment, int dscpEcn, int payloadLength) {

    /** The TTL vnet gives the packets it originates, as Linux does (net.ipv4.ip_default_ttl). */
    public static final int DEFAULT_TTL = 64;

    /** A packet vnet originates: TTL 64, identification 0, DF clear, DSCP/ECN 0. */
    public static Ipv4Repr of(int source, int destination, int protocol, int payloadLength) {
        return new Ipv4Repr(source, destination, protocol, DEFAULT_TTL, 0, false, 0, payloadLength);
    }

    /**
     * Reads the header, or returns null if {@link Ipv4Packet#checkLength} fails, the checksum does not verify,
     * or the packet is a fragment (a fragment's header does not describe the datagram). Options are skipped:
     * the record does not hold them.
     */
    public static Ipv4Repr parse(Ipv4Packet packet) {
        if (packet.checkLength() != DropReason.NONE || !packet.verifyChecksum() || packet.isFragment()) {
            return null;
        }
        return new Ipv4Repr(packet.source(), packet.destination(), packet.protocol(), packet.ttl(),
                packet.identification(), packet.dontFragment(), packet.dscpEcn(), packet.payloadLength());
    }

    /** Writes the 20-byte header, checksum included, into a view of at least {@link #bufferLength()} bytes. */
    public void emit(Ipv4Packet packet) {
        packet.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN);
        packet.setDscpEcn(dscpEcn);
        packet.setTotalLength(totalLength());
        packet.setIdentification(identification);
        packet.setFlags(dontFragment, false);
        packet.setFragmentOffset(0);
        packet.setTtl(ttl);
        packet.setProtocol(protocol);
        packet.setSource(source);
        packet.setDestination(destination);
        packet.fillChecksum();
    }

    /** The total length field: header plus payload. */
    public int totalLength() {
        return Ipv4Packet.HEADER_LEN + payloadLength;
    }

    /** The bytes {@link #emit} writes: the header alone. */
    public static int bufferLength() {
        return Ipv4Packet.HEADER_LEN;
    }
}
