package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * A reusable view of a UDP datagram (RFC 768) in a buffer; its checksum covers an IPv4 pseudo-header, so
 * the checksum methods take the two addresses.
 */
public final class UdpPacket extends PacketView<UdpPacket> {

    /*
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |          Source Port          |       Destination Port        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |            Length             |           Checksum            |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                          Data ...
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-
     */
    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int LENGTH = 4;
    private static final int CHECKSUM = 6;

    public static final int HEADER_LEN = 8;

    /** A new view over the given bytes; checks nothing. */
    public static UdpPacket of(ByteBuffer buf, int offset, int length) {
        return new UdpPacket().wrap(buf, offset, length);
    }

    /**
     * Returns {@link DropReason#TRUNCATED} if the 8-byte header does not fit, {@link DropReason#BAD_TOTAL_LENGTH}
     * if the length field is below 8 or beyond the bytes given, else NONE. {@link #setUdpLength} can
     * invalidate the result.
     */
    public DropReason checkLength() {
        if (length < HEADER_LEN) {
            return DropReason.TRUNCATED;
        }
        int udpLength = udpLength();
        if (udpLength < HEADER_LEN || udpLength > length) {
            return DropReason.BAD_TOTAL_LENGTH;
        }
        return DropReason.NONE;
    }

    /** Absolute index of the first data byte. */
    public int payloadOffset() {
        return offset + HEADER_LEN;
    }

    /** Data bytes by the length field. */
    public int payloadLength() {
        return udpLength() - HEADER_LEN;
    }

    /** Returns the source port. */
    public int sourcePort() {
        return Bytes.get16(buf, offset + SOURCE_PORT);
    }

    public void setSourcePort(int value) {
        Bytes.put16(buf, offset + SOURCE_PORT, value);
    }

    /** Returns the destination port. */
    public int destinationPort() {
        return Bytes.get16(buf, offset + DESTINATION_PORT);
    }

    public void setDestinationPort(int value) {
        Bytes.put16(buf, offset + DESTINATION_PORT, value);
    }

    /** Returns the length field: header plus data, in bytes. */
    public int udpLength() {
        return Bytes.get16(buf, offset + LENGTH);
    }

    public void setUdpLength(int value) {
        Bytes.put16(buf, offset + LENGTH, value);
    }

    /** Returns the checksum field; 0 means the sender computed none. */
    public int checksum() {
        return Bytes.get16(buf, offset + CHECKSUM);
    }

    public void setChecksum(int value) {
        Bytes.put16(buf, offset + CHECKSUM, value);
    }

    /**
     * Computes the checksum over the pseudo-header and {@link #udpLength()} bytes and stores it. A result of
     * 0 is sent as 0xFFFF, since 0 on the wire means "no checksum" (RFC 768).
     */
    public void fillChecksum(int srcIp, int dstIp) {
        setChecksum(0);
        int checksum = Checksum.fold(sum(srcIp, dstIp));
        setChecksum(checksum == 0 ? 0xFFFF : checksum);
    }

    /** True if the checksum is absent (0) or the pseudo-header and datagram sum to all ones. */
    public boolean verifyChecksum(int srcIp, int dstIp) {
        return checksum() == 0 || Checksum.fold(sum(srcIp, dstIp)) == 0;
    }

    private int sum(int srcIp, int dstIp) {
        int udpLength = udpLength();
        int pseudo = Checksum.pseudoHeaderSum(srcIp, dstIp, Ipv4Packet.PROTO_UDP, udpLength);
        return Checksum.sum(buf, offset, udpLength, pseudo);
    }
}
