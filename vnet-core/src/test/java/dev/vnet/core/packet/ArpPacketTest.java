package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vnet.core.packet.ArpPacket.ArpRepr;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ArpPacketTest {

    /** Who has 10.244.1.3? Tell 10.244.1.2 (checked with tcpdump). */
    static final byte[] REQUEST = {
        0x00, 0x01, // hardware type: Ethernet
        0x08, 0x00, // protocol type: IPv4
        0x06, // hardware length
        0x04, // protocol length
        0x00, 0x01, // operation: request
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x02, // sender MAC 0a:58:0a:f4:01:02
        0x0a, (byte) 0xf4, 0x01, 0x02, // sender IP 10.244.1.2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // target MAC: unknown
        0x0a, (byte) 0xf4, 0x01, 0x03, // target IP 10.244.1.3
    };

    /** 10.244.1.3 is at 0a:58:0a:f4:01:03, the answer to {@link #REQUEST}. */
    static final byte[] REPLY = {
        0x00, 0x01, // hardware type: Ethernet
        0x08, 0x00, // protocol type: IPv4
        0x06, // hardware length
        0x04, // protocol length
        0x00, 0x02, // operation: reply
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x03, // sender MAC 0a:58:0a:f4:01:03
        0x0a, (byte) 0xf4, 0x01, 0x03, // sender IP 10.244.1.3
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x02, // target MAC 0a:58:0a:f4:01:02
        0x0a, (byte) 0xf4, 0x01, 0x02, // target IP 10.244.1.2
    };

    static final ArpRepr REQUEST_REPR = new ArpRepr(ArpPacket.OP_REQUEST, 0x0a580af40102L, 0x0af40102, 0L, 0x0af40103);
    static final ArpRepr REPLY_REPR =
            new ArpRepr(ArpPacket.OP_REPLY, 0x0a580af40103L, 0x0af40103, 0x0a580af40102L, 0x0af40102);

    @Test
    void deconstruct() {
        ArpPacket arp = ArpPacket.of(place(REPLY), 0, REPLY.length);
        assertEquals(DropReason.NONE, arp.checkLength());
        assertEquals(1, arp.hardwareType());
        assertEquals(0x0800, arp.protocolType());
        assertEquals(6, arp.hardwareLength());
        assertEquals(4, arp.protocolLength());
        assertEquals(ArpPacket.OP_REPLY, arp.operation());
        assertEquals(0x0a580af40103L, arp.senderHardwareAddress());
        assertEquals(0x0af40103, arp.senderProtocolAddress());
        assertEquals(0x0a580af40102L, arp.targetHardwareAddress());
        assertEquals(0x0af40102, arp.targetProtocolAddress());
        assertEquals(0, arp.payloadLength());
    }

    @Test
    void construct() {
        ByteBuffer buf = ByteBuffer.allocate(ArpPacket.HEADER_LEN);
        ArpPacket arp = ArpPacket.of(buf, 0, ArpPacket.HEADER_LEN);
        arp.setHardwareType(1);
        arp.setProtocolType(0x0800);
        arp.setHardwareLength(6);
        arp.setProtocolLength(4);
        arp.setOperation(ArpPacket.OP_REQUEST);
        arp.setSenderHardwareAddress(0x0a580af40102L);
        arp.setSenderProtocolAddress(0x0af40102);
        arp.setTargetHardwareAddress(0);
        arp.setTargetProtocolAddress(0x0af40103);
        assertArrayEquals(REQUEST, read(buf, 0, REQUEST.length));
    }

    @Test
    void parse() {
        assertEquals(REQUEST_REPR, ArpRepr.parse(ArpPacket.of(place(REQUEST), 0, REQUEST.length)));
        assertEquals(REPLY_REPR, ArpRepr.parse(ArpPacket.of(place(REPLY), 0, REPLY.length)));
    }

    @Test
    void emit() {
        // A dirty buffer: emit must write every byte, the fixed fields included.
        ByteBuffer buf = ByteBuffer.allocate(3 + ArpRepr.bufferLength());
        for (int i = 0; i < buf.capacity(); i++) {
            buf.put(i, (byte) 0xAA);
        }
        REPLY_REPR.emit(ArpPacket.of(buf, 3, ArpRepr.bufferLength()));
        assertArrayEquals(REPLY, read(buf, 3, REPLY.length));
    }

    @Test
    void truncated() {
        ArpPacket arp = ArpPacket.of(place(REQUEST), 0, REQUEST.length - 1);
        assertEquals(DropReason.TRUNCATED, arp.checkLength());
        assertNull(ArpRepr.parse(arp));
    }

    @Test
    void overlongWithEthernetPadding() {
        ArpPacket arp = ArpPacket.of(place(REQUEST, 14, 18), 14, REQUEST.length + 18);
        assertEquals(DropReason.NONE, arp.checkLength());
        assertEquals(14 + 28, arp.payloadOffset());
        assertEquals(18, arp.payloadLength());
        assertEquals(REQUEST_REPR, ArpRepr.parse(arp));
    }

    @Test
    void rejectsOtherThanEthernetAndIpv4() {
        int[][] fieldAndValue = {{0, 6}, {2, 0x86}, {4, 8}, {5, 16}};
        for (int[] fv : fieldAndValue) {
            byte[] bytes = REQUEST.clone();
            bytes[fv[0]] = (byte) fv[1];
            ArpPacket arp = ArpPacket.of(place(bytes), 0, bytes.length);
            assertEquals(DropReason.BAD_ARP, arp.checkLength(), "byte " + fv[0]);
            assertNull(ArpRepr.parse(arp));
        }
    }

    @Test
    void parseRejectsAnUnknownOperation() {
        byte[] bytes = REQUEST.clone();
        bytes[7] = 3; // RARP request (RFC 903)
        assertNull(ArpRepr.parse(ArpPacket.of(place(bytes), 0, bytes.length)));
    }

    @Test
    void bufferLength() {
        assertEquals(28, ArpRepr.bufferLength());
        assertEquals(28, REQUEST.length);
    }

    @Test
    void replyFromSwapsTheAddressesAndAnswersWithTheGivenMac() {
        ArpPacket.ArpRepr request = new ArpPacket.ArpRepr(ArpPacket.OP_REQUEST, 0x0a580af40102L, 0x0af40102, 0,
                0x0af40101);
        assertEquals(new ArpPacket.ArpRepr(ArpPacket.OP_REPLY, 0x0a580af40101L, 0x0af40101, 0x0a580af40102L,
                0x0af40102), request.replyFrom(0x0a580af40101L));
    }
}
