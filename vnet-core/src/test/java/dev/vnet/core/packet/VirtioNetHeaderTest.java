package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class VirtioNetHeaderTest {
    /** What a TAP read returns in front of a TCPv4 super-frame from a pod. */
    static final byte[] TAP_TSO4 = hex(
            "01"       // flags: NEEDS_CSUM
            + "01"     // gso_type: TCPV4
            + "4200"   // hdr_len 66 = Ethernet 14 + IPv4 20 + TCP 32 (little-endian)
            + "7605"   // gso_size 1398
            + "2200"   // csum_start 34: the TCP header
            + "1000"); // csum_offset 16: TCP's checksum field

    @Test
    void deconstructsATapHeaderRelativeToTheIpHeader() {
        long o = VirtioNetHeader.read(place(TAP_TSO4), 0, 14);
        assertTrue(VirtioNetHeader.needsChecksum(o));
        assertTrue(VirtioNetHeader.isGso(o));
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(o));
        assertEquals(52, VirtioNetHeader.hdrLen(o));
        assertEquals(1398, VirtioNetHeader.gsoSize(o));
        assertEquals(20, VirtioNetHeader.csumStart(o));
        assertEquals(16, VirtioNetHeader.csumOffset(o));
        assertEquals("NEEDS_CSUM TCPV4 gso_size=1398 hdr_len=52 csum_start=20 csum_offset=16",
                VirtioNetHeader.toString(o));
    }

    @Test
    void constructsTheSameBytesForATapAndShiftsThemForATun() {
        long o = VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 52, 1398, 20, 16);
        ByteBuffer out = ByteBuffer.allocate(VirtioNetHeader.LENGTH);
        VirtioNetHeader.write(o, out, 0, 14);
        assertArrayEquals(TAP_TSO4, read(out, 0, VirtioNetHeader.LENGTH));
        VirtioNetHeader.write(o, out, 0, 0);
        assertArrayEquals(hex("0101 3400 7605 1400 1000"), read(out, 0, VirtioNetHeader.LENGTH));
        assertEquals(o, VirtioNetHeader.read(out, 0, 0));
    }

    @Test
    void noOffloadIsTenZeroBytesAndBack() {
        ByteBuffer out = ByteBuffer.allocate(12);
        out.put(0, (byte) 0x55);
        VirtioNetHeader.write(VirtioNetHeader.NONE, out, 1, 14);
        assertArrayEquals(new byte[10], read(out, 1, 10));
        assertEquals(0x55, out.get(0));
        assertEquals(VirtioNetHeader.NONE, VirtioNetHeader.read(out, 1, 14));
        assertFalse(VirtioNetHeader.needsSoftware(VirtioNetHeader.NONE));
        assertEquals("none", VirtioNetHeader.toString(VirtioNetHeader.NONE));
    }

    @Test
    void checksumOnlyIsNotGsoButStillNeedsSoftwareOnAPlainPort() {
        // A UDP datagram with a partial checksum: csum_start 34, csum_offset 6.
        long o = VirtioNetHeader.read(place(hex("01 00 0000 0000 2200 0600")), 0, 14);
        assertFalse(VirtioNetHeader.isGso(o));
        assertTrue(VirtioNetHeader.needsSoftware(o));
        assertEquals(6, VirtioNetHeader.csumOffset(o));
    }

    @Test
    void withoutGsoKeepsTheChecksumFieldsOnly() {
        long o = VirtioNetHeader.read(place(TAP_TSO4), 0, 14);
        long segment = VirtioNetHeader.withoutGso(o);
        assertFalse(VirtioNetHeader.isGso(segment));
        assertEquals(0, VirtioNetHeader.gsoSize(segment));
        assertEquals(0, VirtioNetHeader.hdrLen(segment));
        assertTrue(VirtioNetHeader.needsChecksum(segment));
        assertEquals(20, VirtioNetHeader.csumStart(segment));
        assertEquals(16, VirtioNetHeader.csumOffset(segment));
    }

    @Test
    void ecnFlagAndDataValidAreNamed() {
        long o = VirtioNetHeader.of(VirtioNetHeader.F_DATA_VALID, VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN,
                40, 1448, 0, 0);
        assertEquals("DATA_VALID TCPV4|ECN gso_size=1448 hdr_len=40 csum_start=0 csum_offset=0",
                VirtioNetHeader.toString(o));
    }

    @Test
    void aCsumStartInsideTheLinkHeaderIsKeptAsZero() {
        long o = VirtioNetHeader.read(place(hex("01 00 0400 0000 0400 1000")), 0, 14);
        assertEquals(0, VirtioNetHeader.csumStart(o));
        assertEquals(0, VirtioNetHeader.hdrLen(o));
    }
}
