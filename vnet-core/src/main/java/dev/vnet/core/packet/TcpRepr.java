package dev.vnet.core.packet;

/**
 * The parsed form of a TCP header without options (RFC 9293), as vnet builds one for a trace probe's SYN.
 * {@link #emit} writes the 20 header bytes, urgent pointer 0, and the checksum over the IPv4 pseudo-header
 * and the whole segment: the view must cover exactly the header and the payload, already in place.
 */
public record TcpRepr(int sourcePort, int destinationPort, long sequenceNumber, long acknowledgmentNumber,
                      int flags, int window) {

    /**
     * Reads the header, or returns null if {@link TcpPacket#checkLength} fails or the checksum over the
     * pseudo-header of {@code srcIp} and {@code dstIp} does not verify. Options are skipped.
     */
    public static TcpRepr parse(TcpPacket packet, int srcIp, int dstIp) {
        if (packet.checkLength() != DropReason.NONE || !packet.verifyChecksum(srcIp, dstIp)) {
            return null;
        }
        return new TcpRepr(packet.sourcePort(), packet.destinationPort(), packet.sequenceNumber(),
                packet.acknowledgmentNumber(), packet.flags(), packet.window());
    }

    /** Writes the header and checksum into {@code packet}, whose length is the segment's. */
    public void emit(TcpPacket packet, int srcIp, int dstIp) {
        packet.setSourcePort(sourcePort);
        packet.setDestinationPort(destinationPort);
        packet.setSequenceNumber(sequenceNumber);
        packet.setAcknowledgmentNumber(acknowledgmentNumber);
        packet.setHeaderLengthAndFlags(TcpPacket.HEADER_LEN, flags);
        packet.setWindow(window);
        packet.setUrgentPointer(0);
        packet.fillChecksum(srcIp, dstIp);
    }

    /** The bytes {@link #emit} writes: the header alone. */
    public static int bufferLength() {
        return TcpPacket.HEADER_LEN;
    }
}
