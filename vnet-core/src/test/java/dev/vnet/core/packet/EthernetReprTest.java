package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class EthernetReprTest {
    /** From pod A (0a:58:0a:f4:01:02) to the gateway (0a:58:0a:f4:01:01), IPv4. */
    static final byte[] HEADER = hex("0a 58 0a f4 01 01" + "0a 58 0a f4 01 02" + "08 00");

    private static final EthernetRepr REPR = new EthernetRepr(0x0a580af40101L, 0x0a580af40102L, EthernetFrame.TYPE_IPV4);

    @Test
    void parse() {
        assertEquals(REPR, EthernetRepr.parse(EthernetFrame.of(place(HEADER), 0, HEADER.length)));
        assertNull(EthernetRepr.parse(EthernetFrame.of(place(HEADER), 0, 13)));
    }

    @Test
    void emit() {
        ByteBuffer buf = ByteBuffer.allocate(EthernetRepr.bufferLength());
        REPR.emit(EthernetFrame.of(buf, 0, buf.capacity()));
        assertArrayEquals(HEADER, read(buf, 0, HEADER.length));
    }
}
