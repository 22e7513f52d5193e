package dev.vnet.overlay;

import dev.vnet.core.packet.DropReason;
import java.nio.ByteBuffer;

/**
 * The 8-byte VXLAN header (RFC 7348 §5), carried as the payload of a UDP datagram to port 4789 and followed
 * by the inner Ethernet frame.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * A reusable view: {@link #wrap} re-points it without allocating. Call {@link #check} before the getters.
 */
public final class VxlanHeader {
    private static final int FLAGS = 0;
    private static final int VNI = 4;
    public static final int HEADER_LEN = 8;
    /** The I flag: "the VNI is valid". RFC 7348 requires it set; the other flag bits are reserved. */
    public static final int FLAG_I = 0x08;
    /** The IANA-assigned UDP port for VXLAN (RFC 7348 §5). */
    public static final int UDP_PORT = 4789;
    /** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14): what encapsulation adds to an inner IP packet. */
    public static final int OVERHEAD = 20 + 8 + HEADER_LEN + 14;

    private ByteBuffer buf;
    private int offset;
    private int length;

    public VxlanHeader wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public static VxlanHeader of(ByteBuffer buf, int offset, int length) {
        return new VxlanHeader().wrap(buf, offset, length);
    }

    /**
     * NONE if the bytes hold a VXLAN header with the I flag followed by at least an Ethernet header;
     * TRUNCATED if shorter, BAD_VXLAN if the I flag is clear.
     */
    public DropReason check() {
        if (length < HEADER_LEN + 14) {
            return DropReason.TRUNCATED;
        }
        if ((flags() & FLAG_I) == 0) {
            return DropReason.BAD_VXLAN;
        }
        return DropReason.NONE;
    }

    public int flags() {
        return buf.get(offset + FLAGS) & 0xff;
    }

    /** The 24-bit VXLAN Network Identifier. */
    public int vni() {
        return ((buf.get(offset + VNI) & 0xff) << 16) | ((buf.get(offset + VNI + 1) & 0xff) << 8)
                | (buf.get(offset + VNI + 2) & 0xff);
    }

    /**
     * Writes a whole header: the I flag, the VNI (its low 24 bits), zero reserved fields. The one place vnet
     * writes a VXLAN header: {@link UdpTransport} sends every datagram with it.
     */
    public void emit(int vni) {
        buf.put(offset + FLAGS, (byte) FLAG_I);
        for (int i = 1; i < HEADER_LEN; i++) {
            buf.put(offset + i, (byte) 0);
        }
        buf.put(offset + VNI, (byte) (vni >>> 16));
        buf.put(offset + VNI + 1, (byte) (vni >>> 8));
        buf.put(offset + VNI + 2, (byte) vni);
    }

    public int payloadOffset() {
        return offset + HEADER_LEN;
    }

    public int payloadLength() {
        return length - HEADER_LEN;
    }
}
