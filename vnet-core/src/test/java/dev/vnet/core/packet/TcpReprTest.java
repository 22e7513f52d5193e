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

class TcpReprTest {
    private static final int SRC = Ipv4Address.parse("10.244.1.2").bits();
    private static final int DST = Ipv4Address.parse("10.96.0.2").bits();

    /** A SYN from 10.244.1.2:40000 to 10.96.0.2:80, sequence 1000, window 64240, no options. */
    static final byte[] SYN = hex(
            "9c 40"          // source port 40000
            + "00 50"        // destination port 80
            + "00 00 03 e8"  // sequence number 1000
            + "00 00 00 00"  // acknowledgment number
            + "50 02"        // data offset 5 words; SYN
            + "fa f0"        // window 64240
            + "fe 21"        // checksum
            + "00 00");      // urgent pointer

    private static final TcpRepr REPR = new TcpRepr(40000, 80, 1000, 0, TcpPacket.SYN, 64240);

    @Test
    void parse() {
        assertEquals(REPR, TcpRepr.parse(TcpPacket.of(place(SYN), 0, SYN.length), SRC, DST));
    }

    @Test
    void emitWritesEveryHeaderByteOverAReusedBuffer() {
        ByteBuffer buf = ByteBuffer.allocate(SYN.length);
        for (int i = 0; i < buf.capacity(); i++) {
            buf.put(i, (byte) 0xff); // reserved bits too: emit must clear them
        }
        REPR.emit(TcpPacket.of(buf, 0, SYN.length), SRC, DST);
        assertArrayEquals(SYN, read(buf, 0, SYN.length));
    }

    @Test
    void parseRefusesABadChecksumAndATruncatedHeader() {
        assertNull(TcpRepr.parse(TcpPacket.of(place(SYN), 0, SYN.length), SRC, SRC), "another pseudo-header");
        assertNull(TcpRepr.parse(TcpPacket.of(place(SYN), 0, 19), SRC, DST));
    }
}
