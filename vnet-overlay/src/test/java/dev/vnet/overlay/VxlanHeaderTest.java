package dev.vnet.overlay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.core.packet.DropReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The VXLAN header view against a datagram that the Linux kernel's own VXLAN driver sent. */
class VxlanHeaderTest {

    /**
     * The UDP payload of a real VXLAN datagram, as Linux sent it: node-1's VTEP pinging node-2's.
     *
     * <p>Captured on Linux 6.18 with two network namespaces joined by a veth (10.200.0.1 and 10.200.0.2), a
     * kernel {@code vxlan} device in each ({@code ip link add vx0 address 0a:58:0a:f4:0N:00 type vxlan id 1
     * dstport 4789 local ... remote ... dev v?}, addresses 10.244.1.0/16 and 10.244.2.0/16), then
     * {@code ping -c 2 -s 16 10.244.2.0} from the first while {@code tcpdump -xx 'udp dst port 4789'} ran on its
     * veth. These are bytes 42.. of the first echo request (after outer Ethernet 14 + IPv4 20 + UDP 8; the
     * outer UDP length was 74 = 8 + 66).
     */
    static final byte[] KERNEL_VXLAN_ECHO_REQUEST = bytes(
            // VXLAN header (RFC 7348 section 5)
            0x08, 0x00, 0x00, 0x00,             // flags: I (the VNI is valid); 24 reserved bits
            0x00, 0x00, 0x01, 0x00,             // VNI 1; reserved byte
            // inner Ethernet
            0x0a, 0x58, 0x0a, 0xf4, 0x02, 0x00, // destination 0a:58:0a:f4:02:00 (node-2's VTEP MAC)
            0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x00, // source 0a:58:0a:f4:01:00 (node-1's VTEP MAC)
            0x08, 0x00,                         // EtherType IPv4
            // inner IPv4
            0x45, 0x00,                         // version 4, IHL 5; DSCP 0, ECN 0
            0x00, 0x2c,                         // total length 44
            0x9d, 0x27,                         // identification
            0x40, 0x00,                         // flags DF; fragment offset 0
            0x40, 0x01,                         // TTL 64; protocol 1 (ICMP)
            0x84, 0xc2,                         // header checksum
            0x0a, 0xf4, 0x01, 0x00,             // source 10.244.1.0
            0x0a, 0xf4, 0x02, 0x00,             // destination 10.244.2.0
            // ICMP echo request
            0x08, 0x00,                         // type 8 (echo request), code 0
            0x72, 0xd9,                         // checksum
            0x3b, 0x43,                         // identifier
            0x00, 0x01,                         // sequence number 1
            0xa5, 0x46, 0x04, 0x6b, 0x00, 0x00, 0x00, 0x00, // data: ping's struct timeval (16 bytes)
            0x93, 0x30, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00);

    /** Where the inner frame starts and how long it is, in the fixture. */
    private static final int INNER_OFFSET = 8;
    private static final int INNER_LENGTH = 58;

    /** Outer Ethernet (14) + IPv4 (20) + UDP (8): where the VXLAN header sits in a whole captured frame. */
    private static final int OUTER_HEADERS = 42;

    @Test
    void parsesFlagsVniAndPayloadOfTheKernelDatagram() {
        VxlanHeader h = VxlanHeader.of(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0, KERNEL_VXLAN_ECHO_REQUEST.length);

        assertEquals(VxlanHeader.FLAG_I, h.flags());
        assertEquals(1, h.vni());
        assertEquals(INNER_OFFSET, h.payloadOffset());
        assertEquals(INNER_LENGTH, h.payloadLength());
    }

    @Test
    void parsesAtAnOffsetInsideAWholeCapturedFrame() {
        ByteBuffer frame = place(KERNEL_VXLAN_ECHO_REQUEST, OUTER_HEADERS, 4);

        VxlanHeader h = VxlanHeader.of(frame, OUTER_HEADERS, KERNEL_VXLAN_ECHO_REQUEST.length);

        assertEquals(DropReason.NONE, h.check());
        assertEquals(1, h.vni());
        assertEquals(OUTER_HEADERS + INNER_OFFSET, h.payloadOffset());
        assertEquals(INNER_LENGTH, h.payloadLength());
        assertEquals(0x0a, frame.get(h.payloadOffset()), "the inner frame starts with node-2's VTEP MAC");
    }

    @Test
    void emitOfVniOneWritesExactlyTheKernelsHeaderBytes() {
        ByteBuffer buf = ByteBuffer.allocate(VxlanHeader.HEADER_LEN + 2);
        for (int i = 0; i < buf.capacity(); i++) {
            buf.put(i, (byte) 0xee); // a reused buffer: emit must overwrite every header byte
        }

        VxlanHeader.of(buf, 0, buf.capacity()).emit(1);

        assertArrayEquals(Arrays.copyOf(KERNEL_VXLAN_ECHO_REQUEST, VxlanHeader.HEADER_LEN),
                Arrays.copyOf(buf.array(), VxlanHeader.HEADER_LEN));
        assertEquals((byte) 0xee, buf.get(VxlanHeader.HEADER_LEN), "emit writes nothing past the header");
    }

    @Test
    void checkAcceptsTheKernelDatagram() {
        assertEquals(DropReason.NONE,
                VxlanHeader.of(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0, KERNEL_VXLAN_ECHO_REQUEST.length).check());
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 7, 8, 9, 21})
    void checkReportsTruncatedBelowHeaderPlusAnEthernetHeader(int length) {
        assertEquals(DropReason.TRUNCATED, VxlanHeader.of(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0, length).check());
    }

    @Test
    void checkAcceptsExactlyHeaderPlusAnEthernetHeader() {
        assertEquals(DropReason.NONE, VxlanHeader.of(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0,
                VxlanHeader.HEADER_LEN + 14).check());
    }

    @Test
    void checkReportsBadVxlanWhenTheIFlagIsClear() {
        byte[] datagram = KERNEL_VXLAN_ECHO_REQUEST.clone();
        datagram[0] &= (byte) ~VxlanHeader.FLAG_I;

        assertEquals(DropReason.BAD_VXLAN, VxlanHeader.of(ByteBuffer.wrap(datagram), 0, datagram.length).check());
    }

    @Test
    void checkReportsBadVxlanWhenOnlyReservedFlagsAreSet() {
        byte[] datagram = KERNEL_VXLAN_ECHO_REQUEST.clone();
        datagram[0] = (byte) (0xff & ~VxlanHeader.FLAG_I);

        assertEquals(DropReason.BAD_VXLAN, VxlanHeader.of(ByteBuffer.wrap(datagram), 0, datagram.length).check());
    }

    @Test
    void checkIgnoresReservedBitsBesideTheIFlag() {
        // RFC 7348 section 5: reserved fields are set to zero on transmission and ignored on receipt.
        byte[] datagram = KERNEL_VXLAN_ECHO_REQUEST.clone();
        datagram[0] = (byte) 0xff;
        datagram[3] = (byte) 0xff;
        datagram[7] = (byte) 0xff;

        VxlanHeader h = VxlanHeader.of(ByteBuffer.wrap(datagram), 0, datagram.length);

        assertEquals(DropReason.NONE, h.check());
        assertEquals(1, h.vni(), "the reserved byte after the VNI is not part of it");
    }

    @Test
    void vniAbcdefRoundTripsInTwentyFourBitsWithTheReservedByteZero() {
        ByteBuffer buf = ByteBuffer.allocate(VxlanHeader.HEADER_LEN + 14);
        VxlanHeader h = VxlanHeader.of(buf, 0, buf.capacity());

        h.emit(0xABCDEF);

        assertArrayEquals(bytes(0x08, 0x00, 0x00, 0x00, 0xab, 0xcd, 0xef, 0x00),
                Arrays.copyOf(buf.array(), VxlanHeader.HEADER_LEN));
        assertEquals(0xABCDEF, h.vni());
        assertEquals(DropReason.NONE, h.check());
    }

    @Test
    void emitKeepsOnlyTheLowTwentyFourBitsOfTheVni() {
        ByteBuffer buf = ByteBuffer.allocate(VxlanHeader.HEADER_LEN);
        VxlanHeader h = VxlanHeader.of(buf, 0, buf.capacity());

        h.emit(0x7F_ABCDEF);

        assertEquals(0xABCDEF, h.vni());
        assertEquals(0, buf.get(7), "the reserved byte stays zero");
        assertEquals(VxlanHeader.FLAG_I, buf.get(0), "the VNI does not spill into the flags");
    }

    @Test
    void wrapRepointsTheSameViewWithoutCarryingState() {
        VxlanHeader h = new VxlanHeader();
        ByteBuffer other = ByteBuffer.allocate(VxlanHeader.HEADER_LEN + 14);
        VxlanHeader.of(other, 0, other.capacity()).emit(42);

        assertEquals(1, h.wrap(ByteBuffer.wrap(KERNEL_VXLAN_ECHO_REQUEST), 0, KERNEL_VXLAN_ECHO_REQUEST.length).vni());
        assertEquals(42, h.wrap(other, 0, other.capacity()).vni());
        assertEquals(14, h.payloadLength());
    }

    @Test
    void parsesAndEmitsWhateverTheBuffersByteOrder() {
        ByteBuffer le = place(KERNEL_VXLAN_ECHO_REQUEST, 0, 0).order(ByteOrder.LITTLE_ENDIAN);
        VxlanHeader h = VxlanHeader.of(le, 0, KERNEL_VXLAN_ECHO_REQUEST.length);
        assertEquals(1, h.vni());

        ByteBuffer out = ByteBuffer.allocate(VxlanHeader.HEADER_LEN).order(ByteOrder.LITTLE_ENDIAN);
        VxlanHeader.of(out, 0, out.capacity()).emit(1);
        assertArrayEquals(Arrays.copyOf(KERNEL_VXLAN_ECHO_REQUEST, VxlanHeader.HEADER_LEN), out.array());
    }

    /** A heap buffer with {@code bytes} at {@code offset}, {@code 0xee} filler before and {@code trailing} after. */
    static ByteBuffer place(byte[] bytes, int offset, int trailing) {
        ByteBuffer buf = ByteBuffer.allocate(offset + bytes.length + trailing);
        for (int i = 0; i < buf.capacity(); i++) {
            buf.put(i, (byte) 0xee);
        }
        buf.put(offset, bytes);
        return buf;
    }

    /** Bytes written as unsigned ints, so a fixture reads like a hex dump. */
    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
