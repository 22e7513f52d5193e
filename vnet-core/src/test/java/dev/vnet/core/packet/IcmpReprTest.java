package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.concat;
import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static dev.vnet.core.packet.PacketTesting.referenceChecksum;
import static dev.vnet.core.packet.PacketTesting.zeroed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IcmpReprTest {

    /** The start of a UDP datagram with TTL 1, DF, 10.244.1.2:40000 → 10.244.2.7:53: 100 bytes, UDP length 80. */
    static final byte[] ORIGINAL = hex(
            "45 00 00 64 1c 46 40 00 01 11 44 53 0a f4 01 02 0a f4 02 07" // IPv4 header
            + "9c 40 00 35 00 50 00 00");                                   // UDP 40000 → 53, length 80

    /** Time exceeded in transit about it: type 11, code 0, unused, then the quote. */
    static final byte[] TIME_EXCEEDED = concat(hex("0b 00 58 3a 00 00 00 00"), ORIGINAL);

    /** Fragmentation needed about it, next-hop MTU 1450 (RFC 1191). */
    static final byte[] FRAG_NEEDED = concat(hex("03 04 5a 8c 00 00 05 aa"), ORIGINAL);

    /** Echo request, identifier 0x0a2b, sequence 1, data "vnet-pin" (IcmpPacketTest's fixture). */
    static final byte[] ECHO_REQUEST = IcmpPacketTest.ECHO_REQUEST;

    /** The original, whole: its header, the 8 bytes an error quotes, and 52 more that it does not. */
    private static Ipv4Packet original() {
        byte[] whole = Arrays.copyOf(ORIGINAL, 100);
        return Ipv4Packet.of(place(whole), 0, whole.length);
    }

    private static IcmpPacket view(byte[] bytes) {
        return IcmpPacket.of(place(bytes), 0, bytes.length);
    }

    @Test
    void theFixturesChecksumsMatchAnIndependentRecompute() {
        assertEquals(0x583a, referenceChecksum(zeroed(TIME_EXCEEDED, 2)));
        assertEquals(0x5a8c, referenceChecksum(zeroed(FRAG_NEEDED, 2)));
    }

    @Test
    void deconstruct() {
        IcmpRepr frag = IcmpRepr.parse(view(FRAG_NEEDED));
        assertEquals(IcmpPacket.TYPE_DEST_UNREACHABLE, frag.type());
        assertEquals(IcmpPacket.CODE_FRAG_NEEDED, frag.code());
        assertEquals(1450, frag.nextHopMtu());
        assertTrue(frag.isError());
        IcmpRepr echo = IcmpRepr.parse(view(ECHO_REQUEST));
        assertEquals(0x0a2b, echo.identifier());
        assertEquals(1, echo.sequenceNumber());
        assertFalse(echo.isError());
    }

    @Test
    void parse() {
        assertEquals(IcmpRepr.timeExceeded(), IcmpRepr.parse(view(TIME_EXCEEDED)));
        assertEquals(IcmpRepr.fragmentationNeeded(1450), IcmpRepr.parse(view(FRAG_NEEDED)));
        assertEquals(IcmpRepr.echoRequest(0x0a2b, 1), IcmpRepr.parse(view(ECHO_REQUEST)));
    }

    @Test
    void parseRefusesABadChecksumAndATruncatedHeader() {
        byte[] bad = TIME_EXCEEDED.clone();
        bad[bad.length - 1] ^= 1;
        assertNull(IcmpRepr.parse(view(bad)));
        assertNull(IcmpRepr.parse(IcmpPacket.of(place(TIME_EXCEEDED), 0, 7)));
    }

    @Test
    void emitErrorQuotesTheHeaderAndEightBytesAndChecksumsOverAReusedBuffer() {
        for (Object[] c : new Object[][] {{IcmpRepr.timeExceeded(), TIME_EXCEEDED},
                {IcmpRepr.fragmentationNeeded(1450), FRAG_NEEDED}}) {
            Ipv4Packet original = original();
            int length = IcmpRepr.errorLength(original);
            assertEquals(8 + 28, length);
            ByteBuffer buf = ByteBuffer.allocate(length + 4);
            for (int i = 0; i < buf.capacity(); i++) {
                buf.put(i, (byte) 0xee);
            }
            ((IcmpRepr) c[0]).emitError(IcmpPacket.of(buf, 0, length), original);
            assertArrayEquals((byte[]) c[1], read(buf, 0, length));
            assertEquals((byte) 0xee, buf.get(length), "nothing past the error");
        }
    }

    @Test
    void emitOfAnEchoRequestChecksumsTheDataInPlace() {
        ByteBuffer buf = ByteBuffer.allocate(ECHO_REQUEST.length);
        buf.put(8, ECHO_REQUEST, 8, 8);
        IcmpRepr.echoRequest(0x0a2b, 1).emit(IcmpPacket.of(buf, 0, ECHO_REQUEST.length));
        assertArrayEquals(ECHO_REQUEST, read(buf, 0, ECHO_REQUEST.length));
    }

    @Test
    void aShortOriginalIsQuotedWhole() {
        byte[] tiny = hex("45 00 00 18 00 01 00 00 40 fd 00 00 0a f4 01 02 0a f4 02 07 01 02 03 04");
        Ipv4Packet p = Ipv4Packet.of(place(tiny), 0, tiny.length);
        assertEquals(24, IcmpRepr.quoteLength(p), "total length 24: less than header + 8");
    }

    @Test
    void mayReportAboutNeitherAnIcmpErrorNorALaterFragment() {
        PacketContext udp = parsed(ORIGINAL, 100);
        assertTrue(IcmpRepr.mayReportAbout(udp));
        byte[] error = Arrays.copyOf(hex("45 00 00 38 00 00 00 00 40 01 62 db 0a f4 01 01 0a f4 01 02"), 56);
        System.arraycopy(TIME_EXCEEDED, 0, error, 20, TIME_EXCEEDED.length);
        assertFalse(IcmpRepr.mayReportAbout(parsed(error, 56)), "RFC 1122 3.2.2: never about an ICMP error");
        byte[] echo = error.clone();
        echo[20] = IcmpPacket.TYPE_ECHO_REQUEST;
        assertTrue(IcmpRepr.mayReportAbout(parsed(echo, 56)), "an echo request is no error");
        byte[] later = ORIGINAL.clone();
        later[6] = 0x00;
        later[7] = (byte) 185; // fragment offset 1480 bytes
        assertFalse(IcmpRepr.mayReportAbout(parsed(later, 100)), "nor about a fragment but the first");
    }

    @Test
    void emitEchoReplyAnswersFromAFreshHeaderKeepingIdentificationFlagsAndData() {
        int gateway = Ipv4Address.parse("10.244.1.1").bits();
        int podA = Ipv4Address.parse("10.244.1.2").bits();
        byte[] requestIp = concat(hex("45 00 00 24 1c 46 40 00 03 01 00 00 0a f4 01 02 0a f4 01 01"), ECHO_REQUEST);
        PacketContext request = parsed(requestIp, requestIp.length);
        ByteBuffer out = ByteBuffer.allocate(14 + 36);

        int length = IcmpRepr.emitEchoReply(request, gateway, out, 14, new Ipv4Packet(), new IcmpPacket());

        assertEquals(36, length);
        Ipv4Packet ip = Ipv4Packet.of(out, 14, 36);
        assertEquals(new Ipv4Repr(gateway, podA, 1, 64, 0x1c46, true, 0, 16), Ipv4Repr.parse(ip));
        IcmpPacket icmp = IcmpPacket.of(out, 34, 16);
        assertEquals(IcmpRepr.echoReply(0x0a2b, 1), IcmpRepr.parse(icmp));
        assertArrayEquals(Arrays.copyOfRange(ECHO_REQUEST, 8, 16), read(out, 42, 8));
    }

    /** The IPv4 packet {@code ip} parsed in a frame; its header checksum is not checked by parse. */
    static PacketContext parsed(byte[] ip, int totalLength) {
        byte[] frame = new byte[14 + Math.max(ip.length, totalLength)];
        frame[12] = 0x08;
        System.arraycopy(ip, 0, frame, 14, ip.length);
        PacketContext p = new PacketContext();
        assertEquals(DropReason.NONE, p.parse(ByteBuffer.wrap(frame), 0, frame.length, PacketContext.Origin.POD));
        return p;
    }
}
