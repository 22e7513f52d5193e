package dev.vnet.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TcpCoalescerTest {
    static final int MSS = 1398;
    static final int TCP_HEADER = SegmenterTest.TCP_HEADER;

    /** The wire-sized segments the Segmenter cuts a super-frame of {@code payload} bytes into. */
    static List<ByteBuffer> segmentsOf(int payload, int flags) {
        ByteBuffer frame = SegmenterTest.tcpSuperFrame(14, payload, flags);
        Segmenter s = new Segmenter();
        assertEquals(DropReason.NONE, s.start(frame, 0, frame.capacity(), 14, SegmenterTest.tso(MSS, false)));
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < s.pieces(); i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(2048);
            int n = s.next(b, 0);
            ByteBuffer exact = ByteBuffer.allocateDirect(n);
            exact.put(0, b, 0, n);
            out.add(exact);
        }
        return out;
    }

    static byte[] bytes(ByteBuffer b, int length) {
        byte[] out = new byte[length];
        b.get(0, out);
        return out;
    }

    @ParameterizedTest(name = "{0} payload bytes")
    @CsvSource({"2796", "20000", "60000", "2797"})
    void segmentsOfOneFlowBecomeOneSuperFrameThatVerifiesAndCutsBackIntoTheSameSegments(int payload) {
        List<ByteBuffer> segments = segmentsOf(payload, TcpPacket.ACK | TcpPacket.PSH);
        TcpCoalescer gro = new TcpCoalescer();
        for (ByteBuffer s : segments) {
            assertTrue(gro.offer(s, 0, s.capacity()));
        }
        assertEquals(segments.size(), gro.segments());
        long offload = gro.take();
        assertFalse(gro.pending());
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(offload));
        assertEquals(MSS, VirtioNetHeader.gsoSize(offload));
        assertFalse(VirtioNetHeader.needsChecksum(offload), "the checksum is full");
        ByteBuffer whole = gro.buffer();
        int length = gro.length();
        assertEquals(14 + 20 + TCP_HEADER + payload, length);
        Ipv4Packet ip = Ipv4Packet.of(whole, 14, length - 14);
        assertEquals(length - 14, ip.totalLength());
        assertTrue(ip.verifyChecksum());
        assertEquals(0xFFFE, ip.identification(), "the first segment's");
        TcpPacket tcp = TcpPacket.of(whole, 34, length - 34);
        assertTrue(tcp.verifyChecksum(SegmenterTest.SRC, SegmenterTest.DST), "full TCP checksum over 64 KiB");
        assertEquals(SegmenterTest.SEQ, tcp.sequenceNumber());
        assertTrue(tcp.hasFlag(TcpPacket.PSH), "the last segment's PSH");

        Segmenter again = new Segmenter();
        assertEquals(DropReason.NONE, again.start(whole, 0, length, 14, offload));
        assertEquals(segments.size(), again.pieces());
        ByteBuffer out = ByteBuffer.allocateDirect(2048);
        for (ByteBuffer s : segments) {
            int n = again.next(out, 0);
            assertArrayEquals(bytes(s, s.capacity()), bytes(out, n), "cut again, the same segments");
        }
    }

    @Test
    void aSegmentWithABadChecksumMakesTheSuperFramesChecksumBad() {
        List<ByteBuffer> segments = segmentsOf(10_000, TcpPacket.ACK);
        ByteBuffer third = segments.get(2);
        third.put(100, (byte) (third.get(100) ^ 0x40)); // a payload bit flipped on the way
        TcpCoalescer gro = new TcpCoalescer();
        for (ByteBuffer s : segments) {
            assertTrue(gro.offer(s, 0, s.capacity()));
        }
        gro.take();
        assertFalse(TcpPacket.of(gro.buffer(), 34, gro.length() - 34).verifyChecksum(SegmenterTest.SRC, SegmenterTest.DST));
    }

    @Test
    void aLoneSegmentComesBackAsItWas() {
        ByteBuffer s = segmentsOf(1000, TcpPacket.ACK).get(0);
        TcpCoalescer gro = new TcpCoalescer();
        assertTrue(gro.offer(s, 0, s.capacity()));
        assertEquals(VirtioNetHeader.NONE, gro.take());
        assertArrayEquals(bytes(s, s.capacity()), bytes(gro.buffer(), gro.length()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "another flow",
        "a gap in the sequence",
        "an IP id out of step",
        "another acknowledgment",
        "other options",
        "a longer segment",
        "after a short one",
        "after PSH",
        "a pure ACK",
        "SYN",
    })
    void whatDoesNotContinueTheFlowIsRefused(String what) {
        List<ByteBuffer> segments = segmentsOf(5 * MSS, TcpPacket.ACK);
        TcpCoalescer gro = new TcpCoalescer();
        assertTrue(gro.offer(segments.get(0), 0, segments.get(0).capacity()));
        ByteBuffer next = segments.get(1);
        int l4 = 34;
        switch (what) {
            case "another flow" -> next.put(l4 + 1, (byte) (next.get(l4 + 1) + 1));
            case "a gap in the sequence" -> next = segments.get(2);
            case "an IP id out of step" -> next.put(14 + 5, (byte) (next.get(14 + 5) + 3));
            case "another acknowledgment" -> next.put(l4 + 11, (byte) 99);
            case "other options" -> next.put(l4 + 25, (byte) 1);
            case "a longer segment" -> {
                gro = new TcpCoalescer();
                ByteBuffer shorter = segmentsOf(100, TcpPacket.ACK).get(0); // mss 100 then
                assertTrue(gro.offer(shorter, 0, shorter.capacity()));
            }
            case "after a short one" -> {
                gro = new TcpCoalescer();
                List<ByteBuffer> two = segmentsOf(MSS + 10, TcpPacket.ACK);
                assertTrue(gro.offer(two.get(0), 0, two.get(0).capacity()));
                assertTrue(gro.offer(two.get(1), 0, two.get(1).capacity()));
                next = segmentsOf(MSS + 10, TcpPacket.ACK).get(1);
            }
            case "after PSH" -> {
                gro = new TcpCoalescer();
                List<ByteBuffer> pushed = segmentsOf(2 * MSS, TcpPacket.ACK | TcpPacket.PSH);
                assertTrue(gro.offer(pushed.get(0), 0, pushed.get(0).capacity()));
                assertTrue(gro.offer(pushed.get(1), 0, pushed.get(1).capacity()), "PSH on the last is fine");
                next = segments.get(2);
            }
            case "a pure ACK" -> {
                gro = new TcpCoalescer();
                next = SegmenterTest.tcpSuperFrame(14, 0, TcpPacket.ACK);
            }
            case "SYN" -> {
                gro = new TcpCoalescer();
                next = SegmenterTest.tcpSuperFrame(14, 10, TcpPacket.SYN);
            }
            default -> throw new AssertionError(what);
        }
        int segmentsBefore = gro.segments();
        assertFalse(gro.offer(next, 0, what.equals("a pure ACK") || what.equals("SYN")
                ? next.capacity() - 7 : next.capacity()));
        assertEquals(segmentsBefore, gro.segments(), "nothing taken");
    }

    @Test
    void stopsBeforeSixtyFourKibibytes() {
        ByteBuffer template = segmentsOf(2 * MSS, TcpPacket.ACK).get(0);
        TcpCoalescer gro = new TcpCoalescer();
        int taken = 0;
        for (int i = 0; i < 60; i++) {
            ByteBuffer s = ByteBuffer.allocateDirect(template.capacity());
            s.put(0, template, 0, template.capacity());
            Ipv4Packet ip = Ipv4Packet.of(s, 14, s.capacity() - 14);
            ip.setIdentification((0xFFFE + i) & 0xFFFF);
            ip.setHeaderChecksum(0);
            ip.fillChecksum();
            TcpPacket tcp = TcpPacket.of(s, 34, s.capacity() - 34);
            tcp.setSequenceNumber((SegmenterTest.SEQ + (long) i * MSS) & 0xFFFF_FFFFL);
            tcp.fillChecksum(SegmenterTest.SRC, SegmenterTest.DST);
            if (!gro.offer(s, 0, s.capacity())) {
                break;
            }
            taken++;
        }
        assertEquals((TcpCoalescer.MAX_IP_LENGTH - 20 - TCP_HEADER) / MSS, taken, "as many as fit in 64 KiB");
        gro.take();
        assertTrue(gro.length() - 14 <= TcpCoalescer.MAX_IP_LENGTH);
        assertTrue(TcpPacket.of(gro.buffer(), 34, gro.length() - 34).verifyChecksum(SegmenterTest.SRC, SegmenterTest.DST));
    }
}
