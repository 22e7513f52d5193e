package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * A reusable view of an ARP packet (RFC 826) for Ethernet and IPv4, the only pair vnet speaks;
 * {@link ArpRepr} is its parsed form.
 */
public final class ArpPacket extends PacketView<ArpPacket> {

    /*
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |         Hardware type         |         Protocol type         |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * | Hardware len  | Protocol len  |           Operation           |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |            Sender hardware address (bytes 0-3)                |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |  Sender hw address (4-5)      |  Sender protocol addr (0-1)   |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |  Sender protocol addr (2-3)   |  Target hw address (0-1)      |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |            Target hardware address (bytes 2-5)                |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                   Target protocol address                     |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     */
    private static final int HARDWARE_TYPE = 0;
    private static final int PROTOCOL_TYPE = 2;
    private static final int HARDWARE_LENGTH = 4;
    private static final int PROTOCOL_LENGTH = 5;
    private static final int OPERATION = 6;
    private static final int SENDER_HARDWARE_ADDRESS = 8;
    private static final int SENDER_PROTOCOL_ADDRESS = 14;
    private static final int TARGET_HARDWARE_ADDRESS = 18;
    private static final int TARGET_PROTOCOL_ADDRESS = 24;

    /** Size of an Ethernet/IPv4 ARP packet: 2+2+1+1+2 + 2*6 + 2*4. */
    public static final int HEADER_LEN = 28;

    /** Hardware type for Ethernet (IANA "Hardware Types"). */
    public static final int HTYPE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    /** A new view over the given bytes; checks nothing. */
    public static ArpPacket of(ByteBuffer buf, int offset, int length) {
        return new ArpPacket().wrap(buf, offset, length);
    }

    /**
     * Returns {@link DropReason#TRUNCATED} if the packet is shorter than 28 bytes, {@link DropReason#BAD_ARP}
     * unless it is Ethernet/IPv4 with lengths 6 and 4, else NONE. Only the address accessors rely on the
     * lengths, so setHardwareType, setProtocolType, setHardwareLength and setProtocolLength can invalidate
     * the result without making any accessor throw.
     */
    public DropReason checkLength() {
        if (length < HEADER_LEN) {
            return DropReason.TRUNCATED;
        }
        if (hardwareType() != HTYPE_ETHERNET || protocolType() != EthernetFrame.TYPE_IPV4
                || hardwareLength() != 6 || protocolLength() != 4) {
            return DropReason.BAD_ARP;
        }
        return DropReason.NONE;
    }

    /** Absolute index just past the ARP packet; what follows is Ethernet padding. */
    public int payloadOffset() {
        return offset + HEADER_LEN;
    }

    /** Bytes after the ARP packet, usually the padding up to Ethernet's 60-byte minimum. */
    public int payloadLength() {
        return length - HEADER_LEN;
    }

    /** Returns the hardware type field (1 for Ethernet). */
    public int hardwareType() {
        return Bytes.get16(buf, offset + HARDWARE_TYPE);
    }

    public void setHardwareType(int value) {
        Bytes.put16(buf, offset + HARDWARE_TYPE, value);
    }

    /** Returns the protocol type field, an EtherType (0x0800 for IPv4). */
    public int protocolType() {
        return Bytes.get16(buf, offset + PROTOCOL_TYPE);
    }

    public void setProtocolType(int value) {
        Bytes.put16(buf, offset + PROTOCOL_TYPE, value);
    }

    /** Returns the hardware address length in bytes. */
    public int hardwareLength() {
        return Bytes.get8(buf, offset + HARDWARE_LENGTH);
    }

    public void setHardwareLength(int value) {
        Bytes.put8(buf, offset + HARDWARE_LENGTH, value);
    }

    /** Returns the protocol address length in bytes. */
    public int protocolLength() {
        return Bytes.get8(buf, offset + PROTOCOL_LENGTH);
    }

    public void setProtocolLength(int value) {
        Bytes.put8(buf, offset + PROTOCOL_LENGTH, value);
    }

    /** Returns the operation, {@link #OP_REQUEST} or {@link #OP_REPLY}. */
    public int operation() {
        return Bytes.get16(buf, offset + OPERATION);
    }

    public void setOperation(int value) {
        Bytes.put16(buf, offset + OPERATION, value);
    }

    /** Returns the sender's MAC address in the low 48 bits. */
    public long senderHardwareAddress() {
        return Bytes.get48(buf, offset + SENDER_HARDWARE_ADDRESS);
    }

    public void setSenderHardwareAddress(long mac) {
        Bytes.put48(buf, offset + SENDER_HARDWARE_ADDRESS, mac);
    }

    /** Returns the sender's IPv4 address. */
    public int senderProtocolAddress() {
        return Bytes.get32(buf, offset + SENDER_PROTOCOL_ADDRESS);
    }

    public void setSenderProtocolAddress(int ip) {
        Bytes.put32(buf, offset + SENDER_PROTOCOL_ADDRESS, ip);
    }

    /** Returns the target's MAC address (zero in a request) in the low 48 bits. */
    public long targetHardwareAddress() {
        return Bytes.get48(buf, offset + TARGET_HARDWARE_ADDRESS);
    }

    public void setTargetHardwareAddress(long mac) {
        Bytes.put48(buf, offset + TARGET_HARDWARE_ADDRESS, mac);
    }

    /** Returns the target's IPv4 address. */
    public int targetProtocolAddress() {
        return Bytes.get32(buf, offset + TARGET_PROTOCOL_ADDRESS);
    }

    public void setTargetProtocolAddress(int ip) {
        Bytes.put32(buf, offset + TARGET_PROTOCOL_ADDRESS, ip);
    }

    /**
     * The parsed form of an Ethernet/IPv4 ARP packet (RFC 826): the operation and the two address pairs,
     * MACs in the low 48 bits of a {@code long}, IPv4 addresses as {@code int}.
     */
    public record ArpRepr(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {

        /**
         * Reads the packet, or returns null if {@link ArpPacket#checkLength} fails or the operation is neither
         * request nor reply; a caller that wants the reason calls checkLength first.
         */
        public static ArpRepr parse(ArpPacket packet) {
            if (packet.checkLength() != DropReason.NONE) {
                return null;
            }
            int op = packet.operation();
            if (op != ArpPacket.OP_REQUEST && op != ArpPacket.OP_REPLY) {
                return null;
            }
            return new ArpRepr(op, packet.senderHardwareAddress(), packet.senderProtocolAddress(),
                    packet.targetHardwareAddress(), packet.targetProtocolAddress());
        }

        /**
         * The reply to this request from the host at {@code mac}: "{@link #targetIp} is at {@code mac}", sent
         * to the asker's addresses (RFC 826's "swap the sender and target fields").
         */
        public ArpRepr replyFrom(long mac) {
            return new ArpRepr(ArpPacket.OP_REPLY, mac, targetIp, senderMac, senderIp);
        }

        /** Writes all {@link #bufferLength()} bytes, fixed fields included, into a view of at least that size. */
        public void emit(ArpPacket packet) {
            packet.setHardwareType(ArpPacket.HTYPE_ETHERNET);
            packet.setProtocolType(EthernetFrame.TYPE_IPV4);
            packet.setHardwareLength(6);
            packet.setProtocolLength(4);
            packet.setOperation(operation);
            packet.setSenderHardwareAddress(senderMac);
            packet.setSenderProtocolAddress(senderIp);
            packet.setTargetHardwareAddress(targetMac);
            packet.setTargetProtocolAddress(targetIp);
        }

        /** The bytes {@link #emit} writes. */
        public static int bufferLength() {
            return ArpPacket.HEADER_LEN;
        }
    }
}
