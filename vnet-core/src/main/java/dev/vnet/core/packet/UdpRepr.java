package dev.vnet.core.packet;

/**
 * The parsed form of a UDP header (RFC 768). {@link #emit} writes the 8 header bytes and the checksum over
 * the IPv4 pseudo-header, the header and the payload, which must already be in place after the header.
 */
public record UdpRepr(int sourcePort, int destinationPort, int payloadLength) {

    /**
     * Reads the header, or returns null if {@link UdpPacket#checkLength} fails or the checksum (when present)
     * does not verify against the pseudo-header of {@code srcIp} and {@code dstIp}.
     */
    public static UdpRepr parse(UdpPacket packet, int srcIp, int dstIp) {
        if (packet.checkLength() != DropReason.NONE || !packet.verifyChecksum(srcIp, dstIp)) {
            return null;
        }
        return new UdpRepr(packet.sourcePort(), packet.destinationPort(), packet.payloadLength());
    }

    /** Writes the header and checksum into a view covering at least {@link #datagramLength()} bytes. */
    public void emit(UdpPacket packet, int srcIp, int dstIp) {
        packet.setSourcePort(sourcePort);
        packet.setDestinationPort(destinationPort);
        packet.setUdpLength(datagramLength());
        packet.fillChecksum(srcIp, dstIp);
    }

    /** The length field: header plus payload. */
    public int datagramLength() {
        return UdpPacket.HEADER_LEN + payloadLength;
    }

    /** The bytes {@link #emit} writes: the header alone. */
    public static int bufferLength() {
        return UdpPacket.HEADER_LEN;
    }
}
