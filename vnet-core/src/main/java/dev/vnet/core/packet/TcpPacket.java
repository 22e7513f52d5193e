package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * A reusable view of a TCP segment (RFC 9293, which replaced RFC 793) in a buffer; its checksum covers an
 * IPv4 pseudo-header and the whole segment, so the checksum methods take the two addresses.
 */
public final class TcpPacket extends PacketView<TcpPacket> {

    /*
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |          Source Port          |       Destination Port        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                        Sequence Number                        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Acknowledgment Number                      |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |  Data |       |C|E|U|A|P|R|S|F|                               |
     * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
     * |       |       |R|E|G|K|H|T|N|N|                               |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           Checksum            |         Urgent Pointer        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Options                    |    Padding    |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     *
     * The lowest reserved bit was the experimental NS flag (RFC 3540, now historic); flags() keeps it.
     */
    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQUENCE_NUMBER = 4;
    private static final int ACKNOWLEDGMENT_NUMBER = 8;
    private static final int DATA_OFFSET_FLAGS = 12;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    private static final int URGENT_POINTER = 18;

    private static final int FLAGS_MASK = 0x01FF;

    /** Length of a header without options. */
    public static final int HEADER_LEN = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    /** ECN-Echo (RFC 3168). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced (RFC 3168). */
    public static final int CWR = 0x80;

    /** A new view over the given bytes; checks nothing. */
    public static TcpPacket of(ByteBuffer buf, int offset, int length) {
        return new TcpPacket().wrap(buf, offset, length);
    }

    /**
     * Returns {@link DropReason#TRUNCATED} if the 20-byte header does not fit,
     * {@link DropReason#BAD_HEADER_LENGTH} if the data offset is below 5 or points past the bytes given,
     * else NONE. {@link #setHeaderLength} can invalidate the result.
     */
    public DropReason checkLength() {
        if (length < HEADER_LEN) {
            return DropReason.TRUNCATED;
        }
        int headerLength = headerLength();
        if (headerLength < HEADER_LEN || headerLength > length) {
            return DropReason.BAD_HEADER_LENGTH;
        }
        return DropReason.NONE;
    }

    /** Absolute index of the first data byte, after the options. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    public int payloadLength() {
        return length - headerLength();
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

    /** Returns the sequence number, unsigned. */
    public long sequenceNumber() {
        return Integer.toUnsignedLong(Bytes.get32(buf, offset + SEQUENCE_NUMBER));
    }

    /** Sets the sequence number from its low 32 bits. */
    public void setSequenceNumber(long value) {
        Bytes.put32(buf, offset + SEQUENCE_NUMBER, (int) value);
    }

    /** Returns the acknowledgment number, unsigned. */
    public long acknowledgmentNumber() {
        return Integer.toUnsignedLong(Bytes.get32(buf, offset + ACKNOWLEDGMENT_NUMBER));
    }

    /** Sets the acknowledgment number from its low 32 bits. */
    public void setAcknowledgmentNumber(long value) {
        Bytes.put32(buf, offset + ACKNOWLEDGMENT_NUMBER, (int) value);
    }

    /** Returns the header length in bytes, data offset * 4. */
    public int headerLength() {
        return (Bytes.get8(buf, offset + DATA_OFFSET_FLAGS) >>> 4) * 4;
    }

    /** Sets the data offset from a header length in bytes (a multiple of 4, 20..60); the flags are kept. */
    public void setHeaderLength(int headerLength) {
        int word = Bytes.get16(buf, offset + DATA_OFFSET_FLAGS) & 0x0FFF;
        Bytes.put16(buf, offset + DATA_OFFSET_FLAGS, (headerLength / 4) << 12 | word);
    }

    /** Sets the data offset (from a header length in bytes) and the control bits, with the reserved bits zero. */
    public void setHeaderLengthAndFlags(int headerLength, int flags) {
        Bytes.put16(buf, offset + DATA_OFFSET_FLAGS, (headerLength / 4) << 12 | (flags & FLAGS_MASK));
    }

    /** Returns the control bits: the low 9 bits of the word after the acknowledgment number. */
    public int flags() {
        return Bytes.get16(buf, offset + DATA_OFFSET_FLAGS) & FLAGS_MASK;
    }

    /** Sets the control bits; the data offset is kept. */
    public void setFlags(int flags) {
        int word = Bytes.get16(buf, offset + DATA_OFFSET_FLAGS) & ~FLAGS_MASK;
        Bytes.put16(buf, offset + DATA_OFFSET_FLAGS, word | (flags & FLAGS_MASK));
    }

    /** True if every bit of {@code flag}, such as {@link #SYN}, is set. */
    public boolean hasFlag(int flag) {
        return (flags() & flag) == flag;
    }

    /** Returns the window field. */
    public int window() {
        return Bytes.get16(buf, offset + WINDOW);
    }

    public void setWindow(int value) {
        Bytes.put16(buf, offset + WINDOW, value);
    }

    /** Returns the checksum field. */
    public int checksum() {
        return Bytes.get16(buf, offset + CHECKSUM);
    }

    public void setChecksum(int value) {
        Bytes.put16(buf, offset + CHECKSUM, value);
    }

    /** Returns the urgent pointer field. */
    public int urgentPointer() {
        return Bytes.get16(buf, offset + URGENT_POINTER);
    }

    public void setUrgentPointer(int value) {
        Bytes.put16(buf, offset + URGENT_POINTER, value);
    }

    /** Computes the checksum over the pseudo-header and all {@link #length()} bytes and stores it. */
    public void fillChecksum(int srcIp, int dstIp) {
        setChecksum(0);
        setChecksum(Checksum.fold(sum(srcIp, dstIp)));
    }

    /** True if the pseudo-header and the segment, checksum included, sum to all ones. */
    public boolean verifyChecksum(int srcIp, int dstIp) {
        return Checksum.fold(sum(srcIp, dstIp)) == 0;
    }

    private int sum(int srcIp, int dstIp) {
        int pseudo = Checksum.pseudoHeaderSum(srcIp, dstIp, Ipv4Packet.PROTO_TCP, length);
        return Checksum.sum(buf, offset, length, pseudo);
    }
}
