package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * A reusable view of an ICMP message (RFC 792) in a buffer: the common 8-byte header, with the second word
 * read as echo identifier and sequence number or as the next-hop MTU of "fragmentation needed" (RFC 1191).
 */
public final class IcmpPacket extends PacketView<IcmpPacket> {

    /*
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |     Type      |     Code      |          Checksum             |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           Identifier          |        Sequence Number        |  echo, echo reply
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           unused = 0          |         Next-Hop MTU          |  type 3 code 4
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |     Data: echo payload, or the original IP header + 8 bytes   |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     */
    private static final int TYPE = 0;
    private static final int CODE = 1;
    private static final int CHECKSUM = 2;
    private static final int IDENTIFIER = 4;
    private static final int SEQUENCE_NUMBER = 6;
    private static final int NEXT_HOP_MTU = 6;

    /** Length of the header up to the data. */
    public static final int HEADER_LEN = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;

    /** Destination unreachable codes. */
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAG_NEEDED = 4;

    /** Every type's name, built once (RFC 792 names, as tcpdump and Wireshark show them). */
    private static final String[] TYPE_NAMES = new String[256];

    static {
        for (int t = 0; t < TYPE_NAMES.length; t++) {
            TYPE_NAMES[t] = "type " + t;
        }
        TYPE_NAMES[TYPE_ECHO_REPLY] = "echo reply";
        TYPE_NAMES[TYPE_DEST_UNREACHABLE] = "destination unreachable";
        TYPE_NAMES[TYPE_SOURCE_QUENCH] = "source quench";
        TYPE_NAMES[TYPE_REDIRECT] = "redirect";
        TYPE_NAMES[TYPE_ECHO_REQUEST] = "echo request";
        TYPE_NAMES[TYPE_TIME_EXCEEDED] = "time exceeded";
        TYPE_NAMES[TYPE_PARAMETER_PROBLEM] = "parameter problem";
    }

    /** The name of ICMP type {@code type} (the low 8 bits), such as "time exceeded"; "type N" for the others. */
    public static String typeName(int type) {
        return TYPE_NAMES[type & 0xff];
    }

    /**
     * True for the error messages of RFC 792 (destination unreachable, source quench, redirect, time exceeded,
     * parameter problem): those that quote a datagram, and that no one answers with another error (RFC 1122
     * 3.2.2).
     */
    public static boolean isError(int type) {
        return type == TYPE_DEST_UNREACHABLE || type == TYPE_SOURCE_QUENCH || type == TYPE_REDIRECT
                || type == TYPE_TIME_EXCEEDED || type == TYPE_PARAMETER_PROBLEM;
    }

    /** A new view over the given bytes; checks nothing. */
    public static IcmpPacket of(ByteBuffer buf, int offset, int length) {
        return new IcmpPacket().wrap(buf, offset, length);
    }

    /** Returns {@link DropReason#TRUNCATED} if the 8-byte header does not fit, else NONE. No setter invalidates it. */
    public DropReason checkLength() {
        return length < HEADER_LEN ? DropReason.TRUNCATED : DropReason.NONE;
    }

    /** Absolute index of the first data byte. */
    public int payloadOffset() {
        return offset + HEADER_LEN;
    }

    public int payloadLength() {
        return length - HEADER_LEN;
    }

    /** Returns the message type, such as {@link #TYPE_ECHO_REQUEST}. */
    public int type() {
        return Bytes.get8(buf, offset + TYPE);
    }

    public void setType(int value) {
        Bytes.put8(buf, offset + TYPE, value);
    }

    /** Returns the code, whose meaning depends on the type. */
    public int code() {
        return Bytes.get8(buf, offset + CODE);
    }

    public void setCode(int value) {
        Bytes.put8(buf, offset + CODE, value);
    }

    /** Returns the checksum field. */
    public int checksum() {
        return Bytes.get16(buf, offset + CHECKSUM);
    }

    public void setChecksum(int value) {
        Bytes.put16(buf, offset + CHECKSUM, value);
    }

    /** Returns the echo identifier. */
    public int identifier() {
        return Bytes.get16(buf, offset + IDENTIFIER);
    }

    public void setIdentifier(int value) {
        Bytes.put16(buf, offset + IDENTIFIER, value);
    }

    /** Returns the echo sequence number. */
    public int sequenceNumber() {
        return Bytes.get16(buf, offset + SEQUENCE_NUMBER);
    }

    public void setSequenceNumber(int value) {
        Bytes.put16(buf, offset + SEQUENCE_NUMBER, value);
    }

    /** Returns the next-hop MTU of a "fragmentation needed" message (RFC 1191); 0 from old routers. */
    public int nextHopMtu() {
        return Bytes.get16(buf, offset + NEXT_HOP_MTU);
    }

    /** Sets the next-hop MTU and zeroes the unused half-word before it. */
    public void setNextHopMtu(int value) {
        Bytes.put16(buf, offset + IDENTIFIER, 0);
        Bytes.put16(buf, offset + NEXT_HOP_MTU, value);
    }

    /** Computes the checksum over the whole message, {@link #length()} bytes, and stores it. */
    public void fillChecksum() {
        setChecksum(0);
        setChecksum(Checksum.fold(Checksum.sum(buf, offset, length, 0)));
    }

    /** True if the whole message, checksum included, sums to all ones. */
    public boolean verifyChecksum() {
        return Checksum.fold(Checksum.sum(buf, offset, length, 0)) == 0;
    }
}
