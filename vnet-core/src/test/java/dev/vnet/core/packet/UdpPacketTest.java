package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.concat;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.pseudoHeader;
import static dev.vnet.core.packet.PacketTesting.read;
import static dev.vnet.core.packet.PacketTesting.referenceChecksum;
import static dev.vnet.core.packet.PacketTesting.zeroed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UdpPacketTest {

    static final int POD_A = 0x0af40102; // 10.244.1.2
    static final int CLUSTER_DNS = 0x0a60000a; // 10.96.0.10

    /** A DNS query "A? web." from 10.244.1.2 to the cluster DNS (tcpdump -vv: "udp sum ok"). */
    static final byte[] DNS_QUERY = {
        (byte) 0xaf, (byte) 0xc8, // source port 45000
        0x00, 0x35, // destination port 53
        0x00, 0x1d, // length 29
        (byte) 0xbb, 0x48, // checksum
        // data: a 21-byte DNS query, odd on purpose
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // id, RD, 1 question
        0x03, 'w', 'e', 'b', 0x00, // name "web."
        0x00, 0x01, 0x00, 0x01, // type A, class IN
    };

    static final byte[] DNS_DATA = Arrays.copyOfRange(DNS_QUERY, 8, DNS_QUERY.length);

    private static UdpPacket packet(byte[] bytes) {
        return UdpPacket.of(place(bytes), 0, bytes.length);
    }

    @Test
    void deconstruct() {
        UdpPacket udp = packet(DNS_QUERY);
        assertEquals(DropReason.NONE, udp.checkLength());
        assertEquals(45000, udp.sourcePort());
        assertEquals(53, udp.destinationPort());
        assertEquals(29, udp.udpLength());
        assertEquals(0xbb48, udp.checksum());
        assertEquals(8, udp.payloadOffset());
        assertEquals(21, udp.payloadLength());
        assertArrayEquals(DNS_DATA, read(udp.buffer(), udp.payloadOffset(), udp.payloadLength()));
    }

    @Test
    void construct() {
        ByteBuffer buf = ByteBuffer.allocate(DNS_QUERY.length);
        UdpPacket udp = UdpPacket.of(buf, 0, DNS_QUERY.length);
        udp.setSourcePort(45000);
        udp.setDestinationPort(53);
        udp.setUdpLength(29);
        for (int i = 0; i < DNS_DATA.length; i++) {
            buf.put(udp.payloadOffset() + i, DNS_DATA[i]);
        }
        udp.fillChecksum(POD_A, CLUSTER_DNS);
        assertArrayEquals(DNS_QUERY, read(buf, 0, DNS_QUERY.length));
    }

    @Test
    void checksumCoversThePseudoHeader() {
        byte[] covered = concat(pseudoHeader(POD_A, CLUSTER_DNS, 17, 29), zeroed(DNS_QUERY, 6));
        assertEquals(0xbb48, referenceChecksum(covered));
        UdpPacket udp = packet(DNS_QUERY);
        assertTrue(udp.verifyChecksum(POD_A, CLUSTER_DNS));
        assertFalse(udp.verifyChecksum(POD_A, 0x0a60000b)); // another destination
    }

    @Test
    void badChecksum() {
        byte[] bytes = DNS_QUERY.clone();
        bytes[9] = 0x35;
        assertFalse(packet(bytes).verifyChecksum(POD_A, CLUSTER_DNS));
    }

    @Test
    void zeroChecksumMeansNone() {
        byte[] bytes = DNS_QUERY.clone();
        bytes[6] = 0;
        bytes[7] = 0;
        assertTrue(packet(bytes).verifyChecksum(POD_A, CLUSTER_DNS));
    }

    @Test
    void computedZeroIsSentAsAllOnes() {
        // Two data bytes chosen so that everything else sums to 0xFFFF: their value is the checksum
        // the datagram has without them.
        ByteBuffer buf = ByteBuffer.allocate(10);
        UdpPacket udp = UdpPacket.of(buf, 0, 10);
        udp.setSourcePort(1234);
        udp.setDestinationPort(5678);
        udp.setUdpLength(10);
        udp.fillChecksum(POD_A, CLUSTER_DNS);
        Bytes.put16(buf, 8, udp.checksum());
        udp.fillChecksum(POD_A, CLUSTER_DNS);
        assertEquals(0xFFFF, udp.checksum());
        assertTrue(udp.verifyChecksum(POD_A, CLUSTER_DNS));
    }

    @Test
    void truncated() {
        assertEquals(DropReason.TRUNCATED, UdpPacket.of(place(DNS_QUERY), 0, 7).checkLength());
    }

    @Test
    void lengthFieldBeyondTheBytes() {
        UdpPacket udp = UdpPacket.of(place(DNS_QUERY), 0, 28);
        assertEquals(DropReason.BAD_TOTAL_LENGTH, udp.checkLength());
    }

    @Test
    void lengthFieldBelowTheHeader() {
        byte[] bytes = DNS_QUERY.clone();
        bytes[5] = 7;
        assertEquals(DropReason.BAD_TOTAL_LENGTH, packet(bytes).checkLength());
    }

    @Test
    void overlongUsesTheLengthField() {
        // Bytes past the UDP length (say IP padding) are neither payload nor checksummed.
        byte[] bytes = Arrays.copyOf(DNS_QUERY, DNS_QUERY.length + 5);
        Arrays.fill(bytes, DNS_QUERY.length, bytes.length, (byte) 0x77);
        UdpPacket udp = packet(bytes);
        assertEquals(DropReason.NONE, udp.checkLength());
        assertEquals(21, udp.payloadLength());
        assertTrue(udp.verifyChecksum(POD_A, CLUSTER_DNS));
    }
}
