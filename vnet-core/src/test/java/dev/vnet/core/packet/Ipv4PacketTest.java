package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static dev.vnet.core.packet.PacketTesting.referenceChecksum;
import static dev.vnet.core.packet.PacketTesting.zeroed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {

    static final int POD_A = 0x0af40102; // 10.244.1.2
    static final int POD_B = 0x0af40103; // 10.244.1.3

    /** 10.244.1.2 pings 10.244.1.3 (checked with tcpdump -vv). */
    static final byte[] PACKET = {
        0x45, // version 4, IHL 5 (20 bytes)
        0x00, // DSCP 0, ECN 0
        0x00, 0x24, // total length 36
        0x6b, 0x3c, // identification 0x6b3c
        0x40, 0x00, // flags DF, fragment offset 0
        0x40, // TTL 64
        0x01, // protocol ICMP
        (byte) 0xb7, (byte) 0xb0, // header checksum
        0x0a, (byte) 0xf4, 0x01, 0x02, // source 10.244.1.2
        0x0a, (byte) 0xf4, 0x01, 0x03, // destination 10.244.1.3
        // payload: the ICMP echo request of IcmpPacketTest
        0x08, 0x00, 0x7b, 0x12, 0x0a, 0x2b, 0x00, 0x01, 'v', 'n', 'e', 't', '-', 'p', 'i', 'n',
    };

    static final byte[] HEADER = Arrays.copyOf(PACKET, 20);
    static final byte[] PAYLOAD = Arrays.copyOfRange(PACKET, 20, 36);

    private static Ipv4Packet packet(byte[] bytes) {
        return Ipv4Packet.of(place(bytes), 0, bytes.length);
    }

    @Test
    void deconstruct() {
        Ipv4Packet ip = packet(PACKET);
        assertEquals(DropReason.NONE, ip.checkLength());
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(0, ip.dscp());
        assertEquals(0, ip.ecn());
        assertEquals(36, ip.totalLength());
        assertEquals(0x6b3c, ip.identification());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertEquals(0, ip.fragmentOffset());
        assertFalse(ip.isFragment());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Packet.PROTO_ICMP, ip.protocol());
        assertEquals(0xb7b0, ip.headerChecksum());
        assertEquals(POD_A, ip.source());
        assertEquals(POD_B, ip.destination());
        assertEquals(20, ip.payloadOffset());
        assertEquals(16, ip.payloadLength());
        assertArrayEquals(PAYLOAD, read(ip.buffer(), ip.payloadOffset(), ip.payloadLength()));
    }

    @Test
    void construct() {
        ByteBuffer buf = ByteBuffer.allocate(PACKET.length);
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, PACKET.length);
        ip.setVersionAndHeaderLength(20);
        ip.setDscpEcn(0);
        ip.setTotalLength(36);
        ip.setIdentification(0x6b3c);
        ip.setFlags(true, false);
        ip.setFragmentOffset(0);
        ip.setTtl(64);
        ip.setProtocol(Ipv4Packet.PROTO_ICMP);
        ip.setSource(POD_A);
        ip.setDestination(POD_B);
        for (int i = 0; i < PAYLOAD.length; i++) {
            buf.put(ip.payloadOffset() + i, PAYLOAD[i]);
        }
        ip.fillChecksum();
        assertArrayEquals(PACKET, read(buf, 0, PACKET.length));
    }

    @Test
    void checksumMatchesAnIndependentRecompute() {
        assertEquals(0xb7b0, referenceChecksum(zeroed(HEADER, 10)));
        assertTrue(packet(PACKET).verifyChecksum());
        Ipv4Packet ip = packet(PACKET);
        ip.setHeaderChecksum(0x1234);
        ip.fillChecksum();
        assertEquals(0xb7b0, ip.headerChecksum());
    }

    @Test
    void checksumCoversOnlyTheHeader() {
        byte[] bytes = PACKET.clone();
        bytes[30] ^= 0x55; // a payload byte
        assertTrue(packet(bytes).verifyChecksum());
    }

    @Test
    void badChecksum() {
        byte[] bytes = PACKET.clone();
        bytes[8] = 0x3f; // TTL 63 without a checksum update
        Ipv4Packet ip = packet(bytes);
        assertEquals(DropReason.NONE, ip.checkLength());
        assertFalse(ip.verifyChecksum());
    }

    @Test
    void truncated() {
        assertEquals(DropReason.TRUNCATED, Ipv4Packet.of(place(PACKET), 0, 19).checkLength());
        // The header fits, but the total length says 36.
        assertEquals(DropReason.TRUNCATED, Ipv4Packet.of(place(PACKET), 0, 35).checkLength());
    }

    @Test
    void overlongWithEthernetPadding() {
        Ipv4Packet ip = Ipv4Packet.of(place(PACKET, 14, 10), 14, PACKET.length + 10);
        assertEquals(DropReason.NONE, ip.checkLength());
        assertEquals(14 + 20, ip.payloadOffset());
        assertEquals(16, ip.payloadLength());
        assertTrue(ip.verifyChecksum());
    }

    @Test
    void badVersion() {
        byte[] bytes = PACKET.clone();
        bytes[0] = 0x65;
        assertEquals(DropReason.BAD_VERSION, packet(bytes).checkLength());
    }

    @Test
    void badHeaderLength() {
        byte[] bytes = PACKET.clone();
        bytes[0] = 0x44; // IHL 4: 16 bytes, shorter than any header
        assertEquals(DropReason.BAD_HEADER_LENGTH, packet(bytes).checkLength());
        bytes[0] = 0x4a; // IHL 10: 40 bytes, past the total length of 36
        assertEquals(DropReason.BAD_HEADER_LENGTH, packet(bytes).checkLength());
    }

    @Test
    void badTotalLength() {
        byte[] bytes = PACKET.clone();
        bytes[3] = 19; // less than the header
        assertEquals(DropReason.BAD_TOTAL_LENGTH, packet(bytes).checkLength());
    }

    @Test
    void headerWithOptions() {
        // IHL 6: one option word (four NOPs), total length 24, no payload.
        byte[] bytes = Arrays.copyOf(HEADER, 24);
        bytes[0] = 0x46;
        bytes[3] = 24;
        Arrays.fill(bytes, 20, 24, (byte) 1);
        Ipv4Packet ip = packet(bytes);
        ip.fillChecksum();
        assertEquals(DropReason.NONE, ip.checkLength());
        assertEquals(24, ip.headerLength());
        assertEquals(24, ip.payloadOffset());
        assertEquals(0, ip.payloadLength());
        assertEquals(referenceChecksum(zeroed(read(ip.buffer(), 0, 24), 10)), ip.headerChecksum());
        assertTrue(ip.verifyChecksum());
    }

    @Test
    void fragmentFieldsAreIndependent() {
        Ipv4Packet ip = packet(PACKET);
        ip.setFragmentOffset(185); // 1480 bytes
        assertTrue(ip.dontFragment());
        assertEquals(185, ip.fragmentOffset());
        assertTrue(ip.isFragment());
        ip.setFlags(false, true);
        assertEquals(185, ip.fragmentOffset());
        assertFalse(ip.dontFragment());
        assertTrue(ip.moreFragments());
        ip.setFragmentOffset(0);
        assertTrue(ip.isFragment()); // the first fragment: MF set, offset 0
        ip.setFlags(true, false);
        assertFalse(ip.isFragment());
        assertEquals(0x4000, Bytes.get16(ip.buffer(), 6));
    }

    @Test
    void dscpAndEcn() {
        Ipv4Packet ip = packet(PACKET);
        ip.setDscpEcn(46 << 2 | 1); // EF, ECT(1)
        assertEquals(46, ip.dscp());
        assertEquals(1, ip.ecn());
    }

    @Test
    void decrementTtlUpdatesTheChecksumIncrementally() {
        Ipv4Packet ip = packet(PACKET);
        ip.decrementTtl();
        assertEquals(63, ip.ttl());
        assertTrue(ip.verifyChecksum());
        assertEquals(referenceChecksum(zeroed(read(ip.buffer(), 0, 20), 10)), ip.headerChecksum());
    }

    @Test
    void decrementTtlKeepsRandomHeadersValid() {
        Random random = new Random(1812);
        Ipv4Packet ip = new Ipv4Packet();
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = new byte[20];
            random.nextBytes(bytes);
            ip.wrap(place(bytes), 0, 20);
            ip.setVersionAndHeaderLength(20);
            ip.setTtl(1 + random.nextInt(255));
            ip.fillChecksum();
            int ttl = ip.ttl();
            ip.decrementTtl();
            assertEquals(ttl - 1, ip.ttl());
            assertTrue(ip.verifyChecksum(), "case " + i);
            int incremental = ip.headerChecksum();
            ip.fillChecksum();
            assertEquals(ip.headerChecksum(), incremental, "case " + i);
        }
    }

    @Test
    void decrementTtlStopsAtZero() {
        Ipv4Packet ip = packet(PACKET);
        ip.setTtl(0);
        ip.fillChecksum();
        ip.decrementTtl();
        assertEquals(0, ip.ttl());
        assertTrue(ip.verifyChecksum());
    }

    @Test
    void incrementalAddressRewritesKeepTheChecksumValid() {
        Ipv4Packet ip = packet(PACKET);
        ip.setSourceIncremental(0xc0a8380b); // 192.168.56.11, as SNAT would
        assertEquals(0xc0a8380b, ip.source());
        assertTrue(ip.verifyChecksum());
        ip.setDestinationIncremental(0x0a60000a); // 10.96.0.10
        assertEquals(0x0a60000a, ip.destination());
        assertTrue(ip.verifyChecksum());
        assertEquals(referenceChecksum(zeroed(read(ip.buffer(), 0, 20), 10)), ip.headerChecksum());
    }

    @Test
    void incrementalAddressRewritesOnRandomHeaders() {
        Random random = new Random(1624);
        Ipv4Packet ip = new Ipv4Packet();
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = new byte[20];
            random.nextBytes(bytes);
            ip.wrap(place(bytes), 0, 20);
            ip.setVersionAndHeaderLength(20);
            ip.fillChecksum();
            ip.setSourceIncremental(random.nextInt());
            ip.setDestinationIncremental(random.nextInt());
            assertTrue(ip.verifyChecksum(), "case " + i);
            int incremental = ip.headerChecksum();
            ip.fillChecksum();
            assertEquals(ip.headerChecksum(), incremental, "case " + i);
        }
    }

    @Test
    void plainSettersLeaveTheChecksumAlone() {
        Ipv4Packet ip = packet(PACKET);
        ip.setSource(0x0af40104);
        assertEquals(0xb7b0, ip.headerChecksum());
        assertFalse(ip.verifyChecksum());
    }
}
