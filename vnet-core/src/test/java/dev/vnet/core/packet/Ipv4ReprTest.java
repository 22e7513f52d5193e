package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static dev.vnet.core.packet.PacketTesting.referenceChecksum;
import static dev.vnet.core.packet.PacketTesting.zeroed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vnet.core.addr.Ipv4Address;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Ipv4ReprTest {
    private static final int GATEWAY = Ipv4Address.parse("10.244.1.1").bits();
    private static final int POD_A = Ipv4Address.parse("10.244.1.2").bits();
    private static final int REMOTE = Ipv4Address.parse("10.244.2.7").bits();

    /** The header of an ICMP error the gateway sends pod A: 36 bytes of ICMP after it. */
    static final byte[] ERROR_HEADER = hex(
            "45 00"           // version 4, IHL 5; DSCP/ECN 0
            + "00 38"         // total length 56
            + "00 00"         // identification 0
            + "00 00"         // no flags, fragment offset 0
            + "40 01"         // TTL 64, protocol ICMP
            + "62 db"         // header checksum
            + "0a f4 01 01"   // source 10.244.1.1
            + "0a f4 01 02"); // destination 10.244.1.2

    /** A forwarded TCP header: DF, DSCP 46 (EF) with ECN 0, TTL 63, identification 0x1c46. */
    static final byte[] TCP_HEADER = hex("45 b8 00 3c 1c 46 40 00 3f 06 05 ce 0a f4 01 02 0a f4 02 07");

    private static final Ipv4Repr ERROR = Ipv4Repr.of(GATEWAY, POD_A, Ipv4Packet.PROTO_ICMP, 36);
    private static final Ipv4Repr TCP = new Ipv4Repr(POD_A, REMOTE, Ipv4Packet.PROTO_TCP, 63, 0x1c46, true, 0xb8, 40);

    private static Ipv4Packet view(byte[] header, int payload) {
        ByteBuffer buf = place(header, 0, payload);
        return Ipv4Packet.of(buf, 0, header.length + payload);
    }

    @Test
    void theFixturesChecksumsMatchAnIndependentRecompute() {
        assertEquals(0x62db, referenceChecksum(zeroed(ERROR_HEADER, 10)));
        assertEquals(0x05ce, referenceChecksum(zeroed(TCP_HEADER, 10)));
    }

    @Test
    void parse() {
        assertEquals(ERROR, Ipv4Repr.parse(view(ERROR_HEADER, 36)));
        assertEquals(TCP, Ipv4Repr.parse(view(TCP_HEADER, 40)));
    }

    @Test
    void emitWritesEveryHeaderByteOverAReusedBuffer() {
        for (Object[] c : new Object[][] {{ERROR, ERROR_HEADER}, {TCP, TCP_HEADER}}) {
            Ipv4Repr repr = (Ipv4Repr) c[0];
            ByteBuffer buf = ByteBuffer.allocate(repr.totalLength());
            for (int i = 0; i < buf.capacity(); i++) {
                buf.put(i, (byte) 0xee);
            }
            repr.emit(Ipv4Packet.of(buf, 0, repr.totalLength()));
            assertArrayEquals((byte[]) c[1], read(buf, 0, Ipv4Repr.bufferLength()));
            assertEquals((byte) 0xee, buf.get(Ipv4Repr.bufferLength()), "the payload is the caller's");
        }
    }

    @Test
    void ofIsAPacketVnetOriginates() {
        assertEquals(new Ipv4Repr(GATEWAY, POD_A, 1, 64, 0, false, 0, 36), ERROR);
        assertEquals(56, ERROR.totalLength());
    }

    @Test
    void parseRefusesABadChecksumATruncatedHeaderAndFragments() {
        byte[] badChecksum = ERROR_HEADER.clone();
        badChecksum[11] ^= 1;
        assertNull(Ipv4Repr.parse(view(badChecksum, 36)));
        assertNull(Ipv4Repr.parse(Ipv4Packet.of(place(ERROR_HEADER), 0, 19)));
        assertNull(Ipv4Repr.parse(view(ERROR_HEADER, 35)), "shorter than its total length");
        Ipv4Packet fragment = view(ERROR_HEADER, 36);
        fragment.setFlags(false, true);
        fragment.fillChecksum();
        assertNull(Ipv4Repr.parse(fragment));
    }

    @Test
    void parseSkipsOptionsButCountsThemOutOfThePayload() {
        Ipv4Packet p = Ipv4Packet.of(ByteBuffer.allocate(24 + 36), 0, 24 + 36);
        ERROR.emit(p);
        p.setVersionAndHeaderLength(24);
        p.setTotalLength(24 + 36);
        p.fillChecksum();
        assertEquals(ERROR, Ipv4Repr.parse(p));
    }
}
