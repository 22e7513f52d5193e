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
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IcmpPacketTest {

    /** The echo request 10.244.1.2 sends to 10.244.1.3 (checked with tcpdump -vv). */
    static final byte[] ECHO_REQUEST = {
        0x08, // type: echo request
        0x00, // code 0
        0x7b, 0x12, // checksum
        0x0a, 0x2b, // identifier 0x0a2b
        0x00, 0x01, // sequence number 1
        'v', 'n', 'e', 't', '-', 'p', 'i', 'n', // data
    };

    private static IcmpPacket packet(byte[] bytes) {
        return IcmpPacket.of(place(bytes), 0, bytes.length);
    }

    @Test
    void deconstruct() {
        IcmpPacket icmp = packet(ECHO_REQUEST);
        assertEquals(DropReason.NONE, icmp.checkLength());
        assertEquals(IcmpPacket.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x7b12, icmp.checksum());
        assertEquals(0x0a2b, icmp.identifier());
        assertEquals(1, icmp.sequenceNumber());
        assertEquals(8, icmp.payloadOffset());
        assertEquals(8, icmp.payloadLength());
        assertEquals("vnet-pin",
                new String(read(icmp.buffer(), icmp.payloadOffset(), icmp.payloadLength()), StandardCharsets.US_ASCII));
    }

    @Test
    void construct() {
        ByteBuffer buf = ByteBuffer.allocate(ECHO_REQUEST.length);
        IcmpPacket icmp = IcmpPacket.of(buf, 0, ECHO_REQUEST.length);
        icmp.setType(IcmpPacket.TYPE_ECHO_REQUEST);
        icmp.setCode(0);
        icmp.setIdentifier(0x0a2b);
        icmp.setSequenceNumber(1);
        byte[] data = "vnet-pin".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < data.length; i++) {
            buf.put(icmp.payloadOffset() + i, data[i]);
        }
        icmp.fillChecksum();
        assertArrayEquals(ECHO_REQUEST, read(buf, 0, ECHO_REQUEST.length));
    }

    @Test
    void checksumMatchesAnIndependentRecompute() {
        assertEquals(0x7b12, referenceChecksum(zeroed(ECHO_REQUEST, 2)));
        assertTrue(packet(ECHO_REQUEST).verifyChecksum());
    }

    @Test
    void echoReplyFromRequest() {
        // What a responder does: flip the type, patch the checksum incrementally.
        IcmpPacket icmp = packet(ECHO_REQUEST);
        icmp.setType(IcmpPacket.TYPE_ECHO_REPLY);
        icmp.setChecksum(Checksum.update16(icmp.checksum(), IcmpPacket.TYPE_ECHO_REQUEST << 8, 0));
        assertTrue(icmp.verifyChecksum());
        assertEquals(0x8312, icmp.checksum());
    }

    @Test
    void checksumOverAnOddLength() {
        byte[] bytes = new byte[ECHO_REQUEST.length + 1];
        System.arraycopy(ECHO_REQUEST, 0, bytes, 0, ECHO_REQUEST.length);
        bytes[bytes.length - 1] = '!';
        IcmpPacket icmp = packet(bytes);
        icmp.fillChecksum();
        assertEquals(referenceChecksum(zeroed(bytes, 2)), icmp.checksum());
        assertTrue(icmp.verifyChecksum());
    }

    @Test
    void badChecksum() {
        byte[] bytes = ECHO_REQUEST.clone();
        bytes[7] = 2; // sequence 2 without a checksum update
        assertFalse(packet(bytes).verifyChecksum());
    }

    @Test
    void truncated() {
        assertEquals(DropReason.TRUNCATED, IcmpPacket.of(place(ECHO_REQUEST), 0, 7).checkLength());
        assertEquals(DropReason.NONE, IcmpPacket.of(place(ECHO_REQUEST), 0, 8).checkLength());
    }

    @Test
    void overlongViewCoversMoreBytes() {
        // length() is the message: trailing bytes count towards the checksum, so the caller must trim.
        IcmpPacket icmp = IcmpPacket.of(place(ECHO_REQUEST, 0, 4), 0, ECHO_REQUEST.length + 4);
        assertEquals(DropReason.NONE, icmp.checkLength());
        assertEquals(12, icmp.payloadLength());
        assertTrue(icmp.verifyChecksum()); // zero padding adds nothing to the sum
    }

    @Test
    void fragmentationNeeded() {
        byte[] bytes = new byte[8 + 28];
        IcmpPacket icmp = IcmpPacket.of(place(bytes), 0, bytes.length);
        icmp.setIdentifier(0xFFFF); // garbage the setter must clear
        icmp.setType(IcmpPacket.TYPE_DEST_UNREACHABLE);
        icmp.setCode(IcmpPacket.CODE_FRAG_NEEDED);
        icmp.setNextHopMtu(1450);
        icmp.fillChecksum();
        assertEquals(0, Bytes.get16(icmp.buffer(), 4));
        assertEquals(1450, icmp.nextHopMtu());
        assertEquals(3, icmp.type());
        assertEquals(4, icmp.code());
        assertTrue(icmp.verifyChecksum());
    }

    @Test
    void typesAreNamedOnceForTheWholeProject() {
        assertEquals("echo request", IcmpPacket.typeName(IcmpPacket.TYPE_ECHO_REQUEST));
        assertEquals("time exceeded", IcmpPacket.typeName(11));
        assertEquals("destination unreachable", IcmpPacket.typeName(3));
        assertEquals("type 42", IcmpPacket.typeName(42));
    }

    @Test
    void errorsAreTheTypesThatQuoteADatagram() {
        for (int type = 0; type < 256; type++) {
            boolean error = type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
            assertEquals(error, IcmpPacket.isError(type), "type " + type);
        }
    }
}
