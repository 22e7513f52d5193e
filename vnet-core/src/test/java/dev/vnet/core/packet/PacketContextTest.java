package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.concat;
import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacketContextTest {
    private static final String ETHERNET = "0a 58 0a f4 01 01 0a 58 0a f4 01 02 08 00"; // pod A to the gateway, IPv4

    /** UDP 10.244.1.2:40000 → 10.244.2.7:53, "vnet-trace", then 4 bytes of Ethernet padding. */
    static final byte[] UDP_FRAME = hex(ETHERNET
            + "45 00 00 26 1c 46 40 00 40 11 00 00 0a f4 01 02 0a f4 02 07" // IPv4, total length 38
            + "9c 40 00 35 00 12 00 00 76 6e 65 74 2d 74 72 61 63 65"        // UDP, no checksum
            + "00 00 00 00");                                               // padding

    /** TCP 10.244.1.2:40000 → 10.96.0.2:80 behind a 4-byte option block (IHL 6). */
    static final byte[] TCP_WITH_OPTIONS = hex(ETHERNET
            + "46 00 00 2c 00 01 00 00 40 06 00 00 0a f4 01 02 0a 60 00 02 01 01 01 00"
            + "9c 40 00 50 00 00 03 e8 00 00 00 00 50 02 fa f0 00 00 00 00");

    /** ICMP echo request 10.244.1.2 → 10.244.2.7, identifier 0x0b0b. */
    static final byte[] ECHO = hex(ETHERNET
            + "45 00 00 1c 1c 46 00 00 40 01 00 00 0a f4 01 02 0a f4 02 07"
            + "08 00 00 00 0b 0b 00 01");

    private static PacketContext parsed(byte[] frame, int offset) {
        PacketContext p = new PacketContext();
        assertEquals(DropReason.NONE, p.parse(place(frame, offset, 8), offset, frame.length, Origin.POD));
        return p;
    }

    private static DropReason parse(byte[] frame) {
        return new PacketContext().parse(place(frame), 0, frame.length, Origin.OVERLAY);
    }

    @Test
    void deconstructAUdpFrame() {
        PacketContext p = parsed(UDP_FRAME, 10);
        assertTrue(p.parsed());
        assertEquals(Origin.POD, p.origin());
        assertEquals(10, p.frameOffset());
        assertEquals(14 + 38, p.frameLength(), "the padding is no part of the packet");
        assertEquals(24, p.ipOffset());
        assertEquals(38, p.ipLength());
        assertEquals(Ipv4Packet.PROTO_UDP, p.protocol());
        assertEquals("10.244.1.2", Ipv4Address.toString(p.source()));
        assertEquals("10.244.2.7", Ipv4Address.toString(p.destination()));
        assertTrue(p.hasTransportHeader());
        assertTrue(p.hasPorts());
        assertEquals(40000, p.sourcePort());
        assertEquals(53, p.destinationPort());
        assertEquals(-1, p.icmpType());
        assertEquals(18, p.udp().udpLength());
        assertEquals(0x1c46, p.ip().identification());
        assertEquals(0x0a580af40102L, p.ethernet().source());
        assertNull(p.probe());
        assertEquals(DropReason.NONE, p.dropReason());
    }

    @Test
    void portsAreReadAfterIpOptions() {
        PacketContext p = parsed(TCP_WITH_OPTIONS, 0);
        assertEquals(14 + 24, p.tcp().offset());
        assertEquals(80, p.destinationPort());
        assertEquals(1000, p.tcp().sequenceNumber());
        assertTrue(p.hasTransportHeader());
    }

    @Test
    void icmpHasATypeAndNoPorts() {
        PacketContext p = parsed(ECHO, 0);
        assertEquals(IcmpPacket.TYPE_ECHO_REQUEST, p.icmpType());
        assertEquals(0x0b0b, p.icmp().identifier());
        assertFalse(p.hasPorts());
        assertEquals(-1, p.sourcePort());
    }

    @Test
    void aCutTcpHeaderStillNamesItsPortsButHasNoTransportHeader() {
        byte[] cut = Arrays.copyOf(TCP_WITH_OPTIONS, 14 + 24 + 4);
        cut[14 + 3] = 24 + 4; // total length
        PacketContext p = parsed(cut, 0);
        assertTrue(p.hasPorts());
        assertEquals(80, p.destinationPort());
        assertFalse(p.hasTransportHeader());
    }

    @Test
    void fragmentsHaveNoPortsAndALaterOneNoTransportHeaderAtAll() {
        byte[] first = UDP_FRAME.clone();
        first[14 + 6] = 0x20; // MF
        PacketContext p = parsed(first, 0);
        assertFalse(p.hasPorts(), "the datagram is not whole");
        assertFalse(p.hasTransportHeader());

        byte[] later = ECHO.clone();
        later[14 + 7] = 0x10; // fragment offset 128 bytes
        PacketContext q = parsed(later, 0);
        assertEquals(-1, q.icmpType(), "what follows the header is the middle of a datagram");
        assertFalse(q.hasTransportHeader());
    }

    @Test
    void whatIsNotAWholeIpv4PacketIsRefusedWithItsReason() {
        assertEquals(DropReason.TRUNCATED, parse(Arrays.copyOf(UDP_FRAME, 13)));
        byte[] arp = UDP_FRAME.clone();
        arp[13] = 0x06;
        assertEquals(DropReason.UNSUPPORTED_PROTOCOL, parse(arp));
        byte[] v6 = UDP_FRAME.clone();
        v6[14] = 0x65;
        assertEquals(DropReason.BAD_VERSION, parse(v6));
        assertEquals(DropReason.TRUNCATED, parse(Arrays.copyOf(UDP_FRAME, 14 + 37)));
        PacketContext p = new PacketContext();
        p.parse(place(v6), 0, v6.length, Origin.POD);
        assertFalse(p.parsed());
    }

    @Test
    void copyFromMovesTheFrameToIndexZeroWithTheViewsAndFields() {
        PacketContext from = parsed(TCP_WITH_OPTIONS, 6);
        from.setDropReason(DropReason.LOOP);
        ByteBuffer into = ByteBuffer.allocate(128);
        PacketContext to = new PacketContext();

        to.copyFrom(from, into);

        assertSame(into, to.buffer());
        assertArrayEquals(TCP_WITH_OPTIONS, read(into, 0, TCP_WITH_OPTIONS.length));
        assertEquals(0, to.frameOffset());
        assertEquals(14, to.ipOffset());
        assertEquals(14 + 24, to.tcp().offset());
        assertEquals(List.of(from.protocol(), from.source(), from.destination(), from.sourcePort(), from.destinationPort()),
                List.of(to.protocol(), to.source(), to.destination(), to.sourcePort(), to.destinationPort()));
        assertEquals(Origin.POD, to.origin());
        assertEquals(DropReason.NONE, to.dropReason(), "no decisions yet");
        to.tcp().setDestinationPort(8080);
        assertEquals(80, from.tcp().destinationPort(), "the copy is rewritten, not the original");
    }

    @Test
    void headersRewrittenMakesTheFieldsFollowTheViews() {
        PacketContext p = parsed(UDP_FRAME, 0);
        assertFalse(p.rewritten());
        p.ip().setDestinationIncremental(Ipv4Address.parse("10.244.3.3").bits());
        p.udp().setDestinationPort(5353);

        p.headersRewritten();

        assertEquals("10.244.3.3", Ipv4Address.toString(p.destination()));
        assertEquals(5353, p.destinationPort());
        assertTrue(p.rewritten());
    }

    @Test
    void aNewParseForgetsTheLastPacketsDecisions() {
        PacketContext p = parsed(UDP_FRAME, 0);
        p.setDropReason(DropReason.TTL_EXCEEDED);
        p.oweIcmpError(IcmpRepr.timeExceeded());
        p.headersRewritten();

        p.parse(place(ECHO), 0, ECHO.length, Origin.NODE);

        assertEquals(DropReason.NONE, p.dropReason());
        assertNull(p.icmpErrorOwed());
        assertFalse(p.rewritten());
        assertEquals(Origin.NODE, p.origin());
    }

    @Test
    void theProbeIsMatchedOnceAndDecisionsAreRecordedUnderTheCurrentStage() {
        Probe probe = new Probe(0x1c46, Ipv4Packet.PROTO_ICMP, 0x0b0b);
        Tracing.begin(probe);
        PacketContext p;
        try {
            p = parsed(ECHO, 0);
        } finally {
            Tracing.end(probe);
        }
        assertSame(probe, p.probe(), "kept after the trace stopped: it was matched when parsed");
        p.beginStage("node-1", "dns");
        assertFalse(p.spoke());
        p.say("not a DNS query");
        assertTrue(p.spoke());
        p.beginStage("node-1", "router");
        assertFalse(p.spoke());
        p.end("delivered");
        assertTrue(p.ended());
        assertEquals(List.of("node-1 dns not a DNS query"),
                probe.hops().stream().map(h -> h.node() + " " + h.stage() + " " + h.decision()).toList());
        assertEquals("delivered", probe.outcome());
    }

    @Test
    void anUntracedPacketRecordsNothing() {
        PacketContext p = parsed(concat(ECHO), 0);
        assertFalse(p.traced());
        p.say("anything");
        p.end("anyhow");
        assertFalse(p.spoke());
        assertFalse(p.ended());
    }
}
