package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * A reusable view of an Ethernet II header (IEEE 802.3, RFC 894) in a buffer; re-point it with
 * {@link #wrap} for each frame, and call {@link #checkLength} before reading.
 */
public final class EthernetFrame extends PacketView<EthernetFrame> {

    /*
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                Destination address (bytes 0-3)                |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |   Destination address (4-5)   |    Source address (0-1)       |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                  Source address (bytes 2-5)                   |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           EtherType           |  Payload ...
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     */
    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int ETHER_TYPE = 12;

    /** Bytes from the destination address to the end of the EtherType. */
    public static final int HEADER_LEN = 14;

    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    /** An 802.1Q tag follows in place of the EtherType; vnet does not parse tagged frames. */
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_IPV6 = 0x86DD;

    /** A new view over the given bytes; checks nothing. */
    public static EthernetFrame of(ByteBuffer buf, int offset, int length) {
        return new EthernetFrame().wrap(buf, offset, length);
    }

    /** Returns {@link DropReason#TRUNCATED} if the header does not fit, else NONE. No setter invalidates it. */
    public DropReason checkLength() {
        return length < HEADER_LEN ? DropReason.TRUNCATED : DropReason.NONE;
    }

    /** Absolute index of the first payload byte. */
    public int payloadOffset() {
        return offset + HEADER_LEN;
    }

    public int payloadLength() {
        return length - HEADER_LEN;
    }

    /** Returns the destination MAC address in the low 48 bits. */
    public long destination() {
        return Bytes.get48(buf, offset + DESTINATION);
    }

    public void setDestination(long mac) {
        Bytes.put48(buf, offset + DESTINATION, mac);
    }

    /** Returns the source MAC address in the low 48 bits. */
    public long source() {
        return Bytes.get48(buf, offset + SOURCE);
    }

    public void setSource(long mac) {
        Bytes.put48(buf, offset + SOURCE, mac);
    }

    /** Returns the EtherType, such as {@link #TYPE_IPV4}. */
    public int etherType() {
        return Bytes.get16(buf, offset + ETHER_TYPE);
    }

    public void setEtherType(int type) {
        Bytes.put16(buf, offset + ETHER_TYPE, type);
    }
}
