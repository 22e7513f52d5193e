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
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TcpPacketTest {

    static final int POD_A = 0x0af40102; // 10.244.1.2
    static final int POD_B = 0x0af40103; // 10.244.1.3

    /** 10.244.1.2:40000 opens a connection to 10.244.1.3:80 (tcpdump -vv: "cksum 0x2545 (correct)"). */
    static final byte[] SYN = {
        (byte) 0x9c, 0x40, // source port 40000
        0x00, 0x50, // destination port 80
        (byte) 0xf0, (byte) 0xe1, (byte) 0xd2, (byte) 0xc3, // sequence number 4041331395
        0x00, 0x00, 0x00, 0x00, // acknowledgment number 0
        0x60, // data offset 6 (24 bytes), reserved 0
        0x02, // flags: SYN
        (byte) 0xfa, (byte) 0xf0, // window 64240
        0x25, 0x45, // checksum
        0x00, 0x00, // urgent pointer 0
        0x02, 0x04, 0x05, (byte) 0x82, // option: MSS 1410
    };

    private static TcpPacket packet(byte[] bytes) {
        return TcpPacket.of(place(bytes), 0, bytes.length);
    }

    @Test
    void deconstruct() {
        TcpPacket tcp = packet(SYN);
        assertEquals(DropReason.NONE, tcp.checkLength());
        assertEquals(40000, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(4041331395L, tcp.sequenceNumber());
        assertEquals(0, tcp.acknowledgmentNumber());
        assertEquals(24, tcp.headerLength());
        assertEquals(TcpPacket.SYN, tcp.flags());
        assertTrue(tcp.hasFlag(TcpPacket.SYN));
        assertFalse(tcp.hasFlag(TcpPacket.ACK));
        assertEquals(64240, tcp.window());
        assertEquals(0x2545, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(24, tcp.payloadOffset());
        assertEquals(0, tcp.payloadLength());
    }

    @Test
    void construct() {
        ByteBuffer buf = ByteBuffer.allocate(SYN.length);
        TcpPacket tcp = TcpPacket.of(buf, 0, SYN.length);
        tcp.setSourcePort(40000);
        tcp.setDestinationPort(80);
        tcp.setSequenceNumber(4041331395L);
        tcp.setAcknowledgmentNumber(0);
        tcp.setHeaderLength(24);
        tcp.setFlags(TcpPacket.SYN);
        tcp.setWindow(64240);
        tcp.setUrgentPointer(0);
        buf.put(20, (byte) 2).put(21, (byte) 4).put(22, (byte) 0x05).put(23, (byte) 0x82);
        tcp.fillChecksum(POD_A, POD_B);
        assertArrayEquals(SYN, read(buf, 0, SYN.length));
    }

    @Test
    void checksumCoversThePseudoHeader() {
        byte[] covered = concat(pseudoHeader(POD_A, POD_B, 6, 24), zeroed(SYN, 16));
        assertEquals(0x2545, referenceChecksum(covered));
        assertTrue(packet(SYN).verifyChecksum(POD_A, POD_B));
        assertFalse(packet(SYN).verifyChecksum(POD_B, 0x0af40104));
    }

    @Test
    void checksumWithAnOddPayload() {
        byte[] data = "GET / HTTP/1.0\r\n\r\n!".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = concat(SYN, data);
        TcpPacket tcp = packet(bytes);
        tcp.setFlags(TcpPacket.PSH | TcpPacket.ACK);
        tcp.setAcknowledgmentNumber(0xFFFF_FFFFL);
        tcp.fillChecksum(POD_A, POD_B);
        byte[] covered = concat(pseudoHeader(POD_A, POD_B, 6, bytes.length), zeroed(read(tcp.buffer(), 0, bytes.length), 16));
        assertEquals(referenceChecksum(covered), tcp.checksum());
        assertTrue(tcp.verifyChecksum(POD_A, POD_B));
        assertEquals(0xFFFF_FFFFL, tcp.acknowledgmentNumber());
        assertEquals(data.length, tcp.payloadLength());
        assertArrayEquals(data, read(tcp.buffer(), tcp.payloadOffset(), tcp.payloadLength()));
    }

    @Test
    void badChecksum() {
        byte[] bytes = SYN.clone();
        bytes[13] = 0x12; // SYN+ACK without a checksum update
        assertFalse(packet(bytes).verifyChecksum(POD_A, POD_B));
    }

    @Test
    void flagsAndDataOffsetShareAWord() {
        TcpPacket tcp = packet(SYN);
        tcp.setFlags(TcpPacket.SYN | TcpPacket.ACK | 0x100);
        assertEquals(24, tcp.headerLength());
        assertEquals(0x112, tcp.flags());
        assertTrue(tcp.hasFlag(TcpPacket.SYN | TcpPacket.ACK));
        assertFalse(tcp.hasFlag(TcpPacket.SYN | TcpPacket.FIN));
        tcp.setHeaderLength(20);
        assertEquals(0x112, tcp.flags());
        assertEquals(20, tcp.headerLength());
    }

    @Test
    void truncated() {
        assertEquals(DropReason.TRUNCATED, TcpPacket.of(place(SYN), 0, 19).checkLength());
    }

    @Test
    void dataOffsetBelowFive() {
        byte[] bytes = SYN.clone();
        bytes[12] = 0x40;
        assertEquals(DropReason.BAD_HEADER_LENGTH, packet(bytes).checkLength());
    }

    @Test
    void dataOffsetPastTheBytes() {
        // The header claims 24 bytes, but only 20 are there.
        assertEquals(DropReason.BAD_HEADER_LENGTH, TcpPacket.of(place(SYN), 0, 20).checkLength());
    }

    @Test
    void overlong() {
        byte[] bytes = Arrays.copyOf(SYN, SYN.length + 6);
        TcpPacket tcp = packet(bytes);
        assertEquals(DropReason.NONE, tcp.checkLength());
        assertEquals(6, tcp.payloadLength());
    }
}
