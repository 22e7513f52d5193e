package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vnet.core.addr.Ipv4Address;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class UdpReprTest {
    private static final int SRC = Ipv4Address.parse("10.244.1.2").bits();
    private static final int DST = Ipv4Address.parse("10.244.2.7").bits();

    /** UDP 40000 → 53 from 10.244.1.2 to 10.244.2.7, carrying "vnet-trace". */
    static final byte[] DATAGRAM = hex(
            "9c 40"                              // source port 40000
            + "00 35"                            // destination port 53
            + "00 12"                            // length 18
            + "6b 46"                            // checksum over the pseudo-header, header and data
            + "76 6e 65 74 2d 74 72 61 63 65");  // "vnet-trace"

    private static final UdpRepr REPR = new UdpRepr(40000, 53, 10);

    @Test
    void parse() {
        assertEquals(REPR, UdpRepr.parse(UdpPacket.of(place(DATAGRAM), 0, DATAGRAM.length), SRC, DST));
    }

    @Test
    void emitOverAReusedBuffer() {
        ByteBuffer buf = ByteBuffer.allocate(DATAGRAM.length);
        for (int i = 0; i < UdpRepr.bufferLength(); i++) {
            buf.put(i, (byte) 0xee);
        }
        buf.put(8, DATAGRAM, 8, 10);
        REPR.emit(UdpPacket.of(buf, 0, DATAGRAM.length), SRC, DST);
        assertArrayEquals(DATAGRAM, read(buf, 0, DATAGRAM.length));
        assertEquals(18, REPR.datagramLength());
    }

    @Test
    void parseRefusesABadChecksumOrTheWrongAddressesAndATruncatedHeader() {
        assertNull(UdpRepr.parse(UdpPacket.of(place(DATAGRAM), 0, DATAGRAM.length), SRC, SRC));
        assertNull(UdpRepr.parse(UdpPacket.of(place(DATAGRAM), 0, 7), SRC, DST));
    }
}
