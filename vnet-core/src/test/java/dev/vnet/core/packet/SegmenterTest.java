package dev.vnet.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SegmenterTest {
    static final int SRC = 0x0af40102;
    static final int DST = 0x0af40203;
    static final int TCP_HEADER = 32; // 20 + the timestamp option, as Linux sends
    static final long SEQ = 0xFFFF_F000L; // wraps inside the super-frame

    /** A TCPv4 super-frame as a pod's kernel hands it over: totals for the whole, checksum partial. */
    static ByteBuffer tcpSuperFrame(int linkHeader, int payload, int flags) {
        int ipTotal = 20 + TCP_HEADER + payload;
        ByteBuffer b = ByteBuffer.allocateDirect(linkHeader + ipTotal + 7); // +7: padding to be ignored
        if (linkHeader > 0) {
            new EthernetRepr(0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, EthernetFrame.TYPE_IPV4)
                    .emit(EthernetFrame.of(b, 0, linkHeader + ipTotal));
        }
        Ipv4Packet ip = Ipv4Packet.of(b, linkHeader, ipTotal);
        ip.setVersionAndHeaderLength(20);
        ip.setTotalLength(ipTotal);
        ip.setIdentification(0xFFFE); // wraps too
        ip.setFlags(true, false);
        ip.setTtl(64);
        ip.setProtocol(Ipv4Packet.PROTO_TCP);
        ip.setSource(SRC);
        ip.setDestination(DST);
        ip.fillChecksum();
        TcpPacket tcp = TcpPacket.of(b, linkHeader + 20, TCP_HEADER + payload);
        tcp.setSourcePort(40000);
        tcp.setDestinationPort(5201);
        tcp.setSequenceNumber(SEQ);
        tcp.setAcknowledgmentNumber(77);
        tcp.setHeaderLengthAndFlags(TCP_HEADER, flags);
        tcp.setWindow(500);
        for (int i = 20; i < TCP_HEADER; i++) {
            b.put(linkHeader + 20 + i, (byte) (i == 20 || i == 21 ? 1 : 0x30 + i)); // NOP NOP then bytes
        }
        for (int i = 0; i < payload; i++) {
            b.put(linkHeader + 20 + TCP_HEADER + i, (byte) (i * 7 + i / 251));
        }
        // The partial checksum Linux leaves: the pseudo-header sum, not complemented.
        int ph = Checksum.sum(b, 0, 0, Checksum.pseudoHeaderSum(SRC, DST, 6, TCP_HEADER + payload));
        tcp.setChecksum(ph);
        return b;
    }

    static long tso(int mss, boolean ecn) {
        return VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM,
                VirtioNetHeader.GSO_TCPV4 | (ecn ? VirtioNetHeader.GSO_ECN : 0), 20 + TCP_HEADER, mss, 20, 16);
    }

    static List<ByteBuffer> cut(Segmenter s, int pieces) {
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < pieces + 1; i++) {
            ByteBuffer o = ByteBuffer.allocateDirect(2048 + 14);
            int n = s.next(o, 3); // at an offset, to catch absolute-index mistakes
            if (n < 0) {
                break;
            }
            ByteBuffer copy = ByteBuffer.allocate(n);
            copy.put(0, o, 3, n);
            out.add(copy);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} payload bytes, mss {1}, link header {2} → {3} segments")
    @CsvSource({
        "3000, 1000, 14, 3",
        "2500, 1000, 14, 3",
        "1398, 1398, 14, 1",
        "65000, 1398, 14, 47",
        "4000, 1448, 0, 3",
        "1, 1000, 0, 1",
    })
    void cutsATcpSuperFrameIntoSegmentsThatEachVerify(int payload, int mss, int link, int expected) {
        int flags = TcpPacket.ACK | TcpPacket.PSH | TcpPacket.FIN | TcpPacket.CWR;
        ByteBuffer frame = tcpSuperFrame(link, payload, flags);
        Segmenter s = new Segmenter();
        assertEquals(DropReason.NONE, s.start(frame, 0, frame.capacity(), link, tso(mss, true)));
        assertEquals(expected, s.pieces());
        List<ByteBuffer> segments = cut(s, expected);
        assertEquals(expected, segments.size());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < expected; i++) {
            ByteBuffer seg = segments.get(i);
            boolean last = i == expected - 1;
            int chunk = last ? payload - i * mss : mss;
            assertEquals(link + 20 + TCP_HEADER + chunk, seg.capacity(), "segment " + i + " length");
            if (link > 0) {
                assertEquals(0x02_00_00_00_00_02L, EthernetFrame.of(seg, 0, seg.capacity()).destination());
            }
            Ipv4Packet ip = Ipv4Packet.of(seg, link, seg.capacity() - link);
            assertEquals(DropReason.NONE, ip.checkLength());
            assertEquals(20 + TCP_HEADER + chunk, ip.totalLength());
            assertEquals((0xFFFE + i) & 0xFFFF, ip.identification(), "IP id increments per segment");
            assertTrue(ip.verifyChecksum(), "IPv4 header checksum of segment " + i);
            assertTrue(ip.dontFragment());
            TcpPacket tcp = TcpPacket.of(seg, link + 20, TCP_HEADER + chunk);
            assertEquals((SEQ + (long) i * mss) & 0xFFFF_FFFFL, tcp.sequenceNumber());
            assertEquals(77, tcp.acknowledgmentNumber());
            assertEquals(TCP_HEADER, tcp.headerLength());
            assertEquals(last, tcp.hasFlag(TcpPacket.PSH), "PSH only on the last");
            assertEquals(last, tcp.hasFlag(TcpPacket.FIN), "FIN only on the last");
            assertEquals(i == 0, tcp.hasFlag(TcpPacket.CWR), "CWR only on the first");
            assertTrue(tcp.hasFlag(TcpPacket.ACK));
            assertTrue(tcp.verifyChecksum(SRC, DST), "TCP checksum of segment " + i);
            assertEquals(0x31 + 21, seg.get(link + 20 + 22) & 0xFF, "options are repeated");
            for (int j = 0; j < chunk; j++) {
                data.write(seg.get(link + 20 + TCP_HEADER + j));
            }
        }
        byte[] original = new byte[payload];
        for (int j = 0; j < payload; j++) {
            original[j] = frame.get(link + 20 + TCP_HEADER + j);
        }
        assertArrayEquals(original, data.toByteArray(), "the payload, in order, nothing lost");
        assertEquals(-1, s.next(ByteBuffer.allocateDirect(2048), 0));
    }

    @Test
    void cutsAUdpSuperFrameIntoDatagrams() {
        int payload = 3000;
        int ipTotal = 20 + 8 + payload;
        ByteBuffer b = ByteBuffer.allocateDirect(14 + ipTotal);
        new EthernetRepr(2, 1, EthernetFrame.TYPE_IPV4).emit(EthernetFrame.of(b, 0, 14 + ipTotal));
        Ipv4Packet ip = Ipv4Packet.of(b, 14, ipTotal);
        ip.setVersionAndHeaderLength(20);
        ip.setTotalLength(ipTotal);
        ip.setTtl(64);
        ip.setProtocol(Ipv4Packet.PROTO_UDP);
        ip.setSource(SRC);
        ip.setDestination(DST);
        ip.fillChecksum();
        UdpPacket udp = UdpPacket.of(b, 34, 8 + payload);
        udp.setSourcePort(1000);
        udp.setDestinationPort(2000);
        udp.setUdpLength(8 + payload);
        for (int i = 0; i < payload; i++) {
            b.put(42 + i, (byte) i);
        }
        long uso = VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_UDP_L4, 28, 1200, 20, 6);
        Segmenter s = new Segmenter();
        assertEquals(DropReason.NONE, s.start(b, 0, b.capacity(), 14, uso));
        List<ByteBuffer> d = cut(s, 3);
        assertEquals(3, d.size());
        int[] sizes = {1200, 1200, 600};
        for (int i = 0; i < 3; i++) {
            ByteBuffer seg = d.get(i);
            assertEquals(14 + 28 + sizes[i], seg.capacity());
            assertTrue(Ipv4Packet.of(seg, 14, seg.capacity() - 14).verifyChecksum());
            UdpPacket u = UdpPacket.of(seg, 34, 8 + sizes[i]);
            assertEquals(8 + sizes[i], u.udpLength());
            assertTrue(u.verifyChecksum(SRC, DST), "UDP checksum of datagram " + i);
            assertEquals((byte) (i * 1200), seg.get(42));
        }
    }

    @Test
    void completesAPartialChecksumWithoutSegmenting() {
        ByteBuffer frame = tcpSuperFrame(14, 900, TcpPacket.ACK);
        int partial = TcpPacket.of(frame, 34, TCP_HEADER + 900).checksum();
        long csumOnly = VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_NONE, 0, 0, 20, 16);
        Segmenter s = new Segmenter();
        assertEquals(DropReason.NONE, s.start(frame, 0, frame.capacity(), 14, csumOnly));
        assertEquals(1, s.pieces());
        List<ByteBuffer> out = cut(s, 1);
        assertEquals(1, out.size());
        ByteBuffer f = out.get(0);
        assertEquals(14 + 20 + TCP_HEADER + 900, f.capacity(), "the padding is left out");
        assertTrue(TcpPacket.of(f, 34, TCP_HEADER + 900).verifyChecksum(SRC, DST));
        assertEquals(partial, TcpPacket.of(frame, 34, TCP_HEADER + 900).checksum(), "the source frame is only read");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "TCP offload on a UDP packet, BAD_OFFLOAD",
        "gso_size 0, BAD_OFFLOAD",
        "TCPv6, UNSUPPORTED_PROTOCOL",
        "csum_start past the end, BAD_OFFLOAD",
        "cut short, BAD_TOTAL_LENGTH",
    })
    void refusesWhatItCannotResolve(String what, DropReason expected) {
        ByteBuffer frame = tcpSuperFrame(14, 3000, TcpPacket.ACK);
        int length = frame.capacity();
        long offload = tso(1000, false);
        switch (what) {
            case "TCP offload on a UDP packet" -> frame.put(14 + 9, (byte) Ipv4Packet.PROTO_UDP);
            case "gso_size 0" -> offload = tso(0, false);
            case "TCPv6" -> {
                frame.put(14, (byte) 0x60);
                offload = VirtioNetHeader.of(1, VirtioNetHeader.GSO_TCPV6, 72, 1000, 40, 16);
            }
            case "csum_start past the end" -> offload = VirtioNetHeader.of(1, 0, 0, 0, 200, 16);
            case "cut short" -> length = 14 + 20 + 10;
            default -> throw new AssertionError(what);
        }
        if (what.equals("csum_start past the end")) {
            frame = tcpSuperFrame(14, 100, TcpPacket.ACK);
            length = frame.capacity();
        }
        Segmenter s = new Segmenter();
        assertEquals(expected, s.start(frame, 0, length, 14, offload));
        assertEquals(-1, s.next(ByteBuffer.allocateDirect(2048), 0));
    }
}
