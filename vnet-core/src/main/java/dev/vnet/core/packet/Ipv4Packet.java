package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * A reusable view of an IPv4 packet (RFC 791) in a buffer; re-point it with {@link #wrap} for each packet,
 * and call {@link #checkLength} before reading.
 */
public final class Ipv4Packet extends PacketView<Ipv4Packet> {

    /*
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |         Identification        |Flags|      Fragment Offset    |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |  Time to Live |    Protocol   |         Header Checksum       |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                       Source Address                          |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Destination Address                        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    Options                    |    Padding    |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     *
     * The second byte was the Type of Service; RFC 2474 and RFC 3168 split it into DSCP and ECN.
     * Flags are reserved (0), DF (Don't Fragment) and MF (More Fragments).
     */
    private static final int VERSION_IHL = 0;
    private static final int DSCP_ECN = 1;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT_OFFSET = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int HEADER_CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    private static final int FLAG_DF = 0x4000;
    private static final int FLAG_MF = 0x2000;
    private static final int OFFSET_MASK = 0x1FFF;

    /** Length of a header without options. */
    public static final int HEADER_LEN = 20;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    /** A new view over the given bytes; checks nothing. */
    public static Ipv4Packet of(ByteBuffer buf, int offset, int length) {
        return new Ipv4Packet().wrap(buf, offset, length);
    }

    /**
     * Checks that the header and the datagram it describes fit the bytes: {@link DropReason#TRUNCATED} if
     * fewer than 20 bytes or fewer than the total length, {@link DropReason#BAD_VERSION} unless version 4,
     * {@link DropReason#BAD_TOTAL_LENGTH} if the total length cannot even hold a minimal header, and
     * {@link DropReason#BAD_HEADER_LENGTH} if IHL is below 5 or the header runs past the total length.
     * Bytes beyond the total length (Ethernet padding) are allowed. {@link #setVersionAndHeaderLength} and
     * {@link #setTotalLength} can invalidate the result.
     */
    public DropReason checkLength() {
        if (length < HEADER_LEN) {
            return DropReason.TRUNCATED;
        }
        if (version() != 4) {
            return DropReason.BAD_VERSION;
        }
        int headerLength = headerLength();
        int totalLength = totalLength();
        if (headerLength < HEADER_LEN) {
            return DropReason.BAD_HEADER_LENGTH;
        }
        if (totalLength < HEADER_LEN) {
            return DropReason.BAD_TOTAL_LENGTH;
        }
        if (headerLength > totalLength) {
            return DropReason.BAD_HEADER_LENGTH;
        }
        if (totalLength > length) {
            return DropReason.TRUNCATED;
        }
        return DropReason.NONE;
    }

    /** Absolute index of the first byte after the header and its options. */
    public int payloadOffset() {
        return offset + headerLength();
    }

    /** Payload bytes by the header's own count: total length minus header length. */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /** Returns the version field (4). */
    public int version() {
        return Bytes.get8(buf, offset + VERSION_IHL) >>> 4;
    }

    /** Returns the header length in bytes, IHL * 4. */
    public int headerLength() {
        return (Bytes.get8(buf, offset + VERSION_IHL) & 0x0F) * 4;
    }

    /** Sets version 4 and IHL from a header length in bytes (a multiple of 4, 20..60). */
    public void setVersionAndHeaderLength(int headerLength) {
        Bytes.put8(buf, offset + VERSION_IHL, 0x40 | (headerLength / 4));
    }

    /** Returns the Differentiated Services code point (RFC 2474). */
    public int dscp() {
        return Bytes.get8(buf, offset + DSCP_ECN) >>> 2;
    }

    /** Returns the Explicit Congestion Notification bits (RFC 3168). */
    public int ecn() {
        return Bytes.get8(buf, offset + DSCP_ECN) & 0x03;
    }

    /** Returns the whole second byte: DSCP in the top six bits, ECN in the low two. */
    public int dscpEcn() {
        return Bytes.get8(buf, offset + DSCP_ECN);
    }

    /** Sets the whole second byte: DSCP in the top six bits, ECN in the low two. */
    public void setDscpEcn(int value) {
        Bytes.put8(buf, offset + DSCP_ECN, value);
    }

    /** Returns the total length field: header plus data, in bytes. */
    public int totalLength() {
        return Bytes.get16(buf, offset + TOTAL_LENGTH);
    }

    public void setTotalLength(int value) {
        Bytes.put16(buf, offset + TOTAL_LENGTH, value);
    }

    /** Returns the identification field. */
    public int identification() {
        return Bytes.get16(buf, offset + IDENTIFICATION);
    }

    public void setIdentification(int value) {
        Bytes.put16(buf, offset + IDENTIFICATION, value);
    }

    /** Returns the Don't Fragment flag. */
    public boolean dontFragment() {
        return (Bytes.get16(buf, offset + FLAGS_FRAGMENT_OFFSET) & FLAG_DF) != 0;
    }

    /** Returns the More Fragments flag. */
    public boolean moreFragments() {
        return (Bytes.get16(buf, offset + FLAGS_FRAGMENT_OFFSET) & FLAG_MF) != 0;
    }

    /** Sets DF and MF and clears the reserved flag; the fragment offset is kept. */
    public void setFlags(boolean dontFragment, boolean moreFragments) {
        int word = Bytes.get16(buf, offset + FLAGS_FRAGMENT_OFFSET) & OFFSET_MASK;
        word |= (dontFragment ? FLAG_DF : 0) | (moreFragments ? FLAG_MF : 0);
        Bytes.put16(buf, offset + FLAGS_FRAGMENT_OFFSET, word);
    }

    /** Returns the fragment offset in 8-byte units, as on the wire; multiply by 8 for bytes. */
    public int fragmentOffset() {
        return Bytes.get16(buf, offset + FLAGS_FRAGMENT_OFFSET) & OFFSET_MASK;
    }

    /** Sets the fragment offset in 8-byte units; the flags are kept. */
    public void setFragmentOffset(int units) {
        int word = Bytes.get16(buf, offset + FLAGS_FRAGMENT_OFFSET) & ~OFFSET_MASK;
        Bytes.put16(buf, offset + FLAGS_FRAGMENT_OFFSET, word | (units & OFFSET_MASK));
    }

    /** True for any fragment of a larger datagram, the first one included. */
    public boolean isFragment() {
        return (Bytes.get16(buf, offset + FLAGS_FRAGMENT_OFFSET) & (FLAG_MF | OFFSET_MASK)) != 0;
    }

    /** Returns the time to live field. */
    public int ttl() {
        return Bytes.get8(buf, offset + TTL);
    }

    public void setTtl(int value) {
        Bytes.put8(buf, offset + TTL, value);
    }

    /** Returns the protocol of the payload, such as {@link #PROTO_UDP}. */
    public int protocol() {
        return Bytes.get8(buf, offset + PROTOCOL);
    }

    public void setProtocol(int value) {
        Bytes.put8(buf, offset + PROTOCOL, value);
    }

    /** Returns the header checksum field. */
    public int headerChecksum() {
        return Bytes.get16(buf, offset + HEADER_CHECKSUM);
    }

    public void setHeaderChecksum(int value) {
        Bytes.put16(buf, offset + HEADER_CHECKSUM, value);
    }

    /** Returns the source address. */
    public int source() {
        return Bytes.get32(buf, offset + SOURCE);
    }

    /** Sets the source address and leaves the checksum alone; see {@link #setSourceIncremental}. */
    public void setSource(int ip) {
        Bytes.put32(buf, offset + SOURCE, ip);
    }

    /** Returns the destination address. */
    public int destination() {
        return Bytes.get32(buf, offset + DESTINATION);
    }

    /** Sets the destination address and leaves the checksum alone; see {@link #setDestinationIncremental}. */
    public void setDestination(int ip) {
        Bytes.put32(buf, offset + DESTINATION, ip);
    }

    /** Computes the header checksum over {@link #headerLength()} bytes and stores it. */
    public void fillChecksum() {
        setHeaderChecksum(0);
        setHeaderChecksum(Checksum.fold(Checksum.sum(buf, offset, headerLength(), 0)));
    }

    /** True if the header, checksum included, sums to all ones. */
    public boolean verifyChecksum() {
        return Checksum.fold(Checksum.sum(buf, offset, headerLength(), 0)) == 0;
    }

    /**
     * Lowers the TTL by one and patches the checksum (RFC 1624) instead of summing the header again, as a
     * router does on every hop. Does nothing if the TTL is already 0; the caller drops at 1 or less.
     */
    public void decrementTtl() {
        int ttl = ttl();
        if (ttl == 0) {
            return;
        }
        // TTL is the high byte of the 16-bit word it shares with the protocol.
        int protocol = protocol();
        setTtl(ttl - 1);
        setHeaderChecksum(Checksum.update16(headerChecksum(), ttl << 8 | protocol, (ttl - 1) << 8 | protocol));
    }

    /**
     * Rewrites the source address and patches the header checksum, as NAT does. A TCP or UDP checksum
     * covers the address too, through the pseudo-header; patch it with {@link Checksum#update32}.
     */
    public void setSourceIncremental(int ip) {
        setHeaderChecksum(Checksum.update32(headerChecksum(), source(), ip));
        setSource(ip);
    }

    /** Rewrites the destination address and patches the header checksum; see {@link #setSourceIncremental}. */
    public void setDestinationIncremental(int ip) {
        setHeaderChecksum(Checksum.update32(headerChecksum(), destination(), ip));
        setDestination(ip);
    }
}
