package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {

    /** 10.244.1.2 pings 10.244.1.3: an ICMP echo request in an Ethernet frame (checked with tcpdump -vv). */
    static final byte[] FRAME = {
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x03, // destination 0a:58:0a:f4:01:03
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x02, // source 0a:58:0a:f4:01:02
        0x08, 0x00, // EtherType IPv4
        // payload: the 36-byte IPv4 packet of Ipv4PacketTest
        0x45, 0x00, 0x00, 0x24, 0x6b, 0x3c, 0x40, 0x00, 0x40, 0x01, (byte) 0xb7, (byte) 0xb0,
        0x0a, (byte) 0xf4, 0x01, 0x02, 0x0a, (byte) 0xf4, 0x01, 0x03,
        0x08, 0x00, 0x7b, 0x12, 0x0a, 0x2b, 0x00, 0x01, 'v', 'n', 'e', 't', '-', 'p', 'i', 'n',
    };

    static final byte[] PAYLOAD = Ipv4PacketTest.PACKET;

    @Test
    void deconstruct() {
        EthernetFrame frame = EthernetFrame.of(place(FRAME), 0, FRAME.length);
        assertEquals(DropReason.NONE, frame.checkLength());
        assertEquals(0x0a580af40103L, frame.destination());
        assertEquals(0x0a580af40102L, frame.source());
        assertEquals(EthernetFrame.TYPE_IPV4, frame.etherType());
        assertEquals(EthernetFrame.HEADER_LEN, frame.payloadOffset());
        assertEquals(36, frame.payloadLength());
        assertArrayEquals(PAYLOAD, read(frame.buffer(), frame.payloadOffset(), frame.payloadLength()));
    }

    @Test
    void construct() {
        ByteBuffer buf = ByteBuffer.allocate(FRAME.length);
        EthernetFrame frame = EthernetFrame.of(buf, 0, FRAME.length);
        frame.setDestination(0x0a580af40103L);
        frame.setSource(0x0a580af40102L);
        frame.setEtherType(EthernetFrame.TYPE_IPV4);
        for (int i = 0; i < PAYLOAD.length; i++) {
            buf.put(frame.payloadOffset() + i, PAYLOAD[i]);
        }
        assertArrayEquals(FRAME, read(buf, 0, FRAME.length));
    }

    @Test
    void readsAtAnOffsetWithoutMovingTheBuffer() {
        ByteBuffer buf = place(FRAME, 7, 3);
        EthernetFrame frame = EthernetFrame.of(buf, 7, FRAME.length);
        assertEquals(0x0a580af40102L, frame.source());
        assertEquals(7 + 14, frame.payloadOffset());
        assertEquals(0, buf.position());
        assertEquals(buf.capacity(), buf.limit());
    }

    @Test
    void wrapReusesTheView() {
        EthernetFrame frame = new EthernetFrame();
        ByteBuffer other = ByteBuffer.allocate(14);
        assertSame(frame, frame.wrap(place(FRAME), 0, FRAME.length));
        frame.wrap(other, 0, 14);
        assertEquals(0, frame.etherType());
        assertSame(other, frame.buffer());
        assertEquals(14, frame.length());
        assertEquals(0, frame.payloadLength());
    }

    @Test
    void broadcastDestination() {
        ByteBuffer buf = ByteBuffer.allocate(14);
        EthernetFrame frame = EthernetFrame.of(buf, 0, 14);
        frame.setDestination(0xFFFF_FFFF_FFFFL);
        assertEquals(0xFFFF_FFFF_FFFFL, frame.destination());
        assertEquals(0, frame.source());
    }

    @Test
    void truncated() {
        assertEquals(DropReason.TRUNCATED, EthernetFrame.of(place(FRAME), 0, 13).checkLength());
        assertEquals(DropReason.NONE, EthernetFrame.of(place(FRAME), 0, 14).checkLength());
    }

    @Test
    void overlong() {
        EthernetFrame frame = EthernetFrame.of(place(FRAME, 0, 10), 0, FRAME.length + 10);
        assertEquals(DropReason.NONE, frame.checkLength());
        assertEquals(46, frame.payloadLength());
    }
}
