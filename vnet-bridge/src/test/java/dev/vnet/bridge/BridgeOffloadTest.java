package dev.vnet.bridge;

import static dev.vnet.bridge.Frames.POD_A_IP;
import static dev.vnet.bridge.Frames.POD_A_MAC;
import static dev.vnet.bridge.Frames.POD_B_IP;
import static dev.vnet.bridge.Frames.POD_B_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.Checksum;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.VirtioNetHeader;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Super-frames on the bridge: between two ports with offloads they cross untouched (one frame in, one out),
 * to a port without offloads they are cut into wire-sized segments with full checksums.
 */
class BridgeOffloadTest {
    static final int MSS = 1398;
    static final int TCP_HEADER = 32;
    static final int PAYLOAD = 20_000;
    static final long TSO = VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4,
            20 + TCP_HEADER, MSS, 20, 16);
    static final int SEGMENTS = (PAYLOAD + MSS - 1) / MSS;

    /** A port like a TAP with offloads: it records each frame and its offload metadata. */
    static final class OffloadPort implements FrameSink {
        final List<byte[]> frames = new ArrayList<>();
        final List<Long> offloads = new ArrayList<>();

        @Override
        public boolean send(ByteBuffer frame, int length, long now) {
            return send(frame, length, VirtioNetHeader.NONE, now);
        }

        @Override
        public boolean takesOffloads() {
            return true;
        }

        @Override
        public boolean send(ByteBuffer frame, int length, long offload, long now) {
            byte[] copy = new byte[length];
            frame.get(0, copy);
            frames.add(copy);
            offloads.add(offload);
            return true;
        }
    }

    /** A TCP super-frame from pod A to pod B, its checksum partial, as a TAP with TSO hands it over. */
    static ByteBuffer superFrame(long dstMac) {
        int ipTotal = 20 + TCP_HEADER + PAYLOAD;
        ByteBuffer b = ByteBuffer.allocateDirect(14 + ipTotal);
        new EthernetRepr(dstMac, POD_A_MAC, EthernetFrame.TYPE_IPV4).emit(EthernetFrame.of(b, 0, b.capacity()));
        Ipv4Packet ip = Ipv4Packet.of(b, 14, ipTotal);
        ip.setVersionAndHeaderLength(20);
        ip.setTotalLength(ipTotal);
        ip.setIdentification(100);
        ip.setFlags(true, false);
        ip.setTtl(64);
        ip.setProtocol(Ipv4Packet.PROTO_TCP);
        ip.setSource(POD_A_IP);
        ip.setDestination(POD_B_IP);
        ip.fillChecksum();
        TcpPacket tcp = TcpPacket.of(b, 34, TCP_HEADER + PAYLOAD);
        tcp.setSourcePort(50000);
        tcp.setDestinationPort(5201);
        tcp.setSequenceNumber(1000);
        tcp.setHeaderLengthAndFlags(TCP_HEADER, TcpPacket.ACK | TcpPacket.PSH);
        tcp.setWindow(1000);
        for (int i = 0; i < PAYLOAD; i++) {
            b.put(14 + 20 + TCP_HEADER + i, (byte) (i ^ i >>> 8));
        }
        tcp.setChecksum(Checksum.sum(b, 0, 0, Checksum.pseudoHeaderSum(POD_A_IP, POD_B_IP, 6, TCP_HEADER + PAYLOAD)));
        return b;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.capacity()];
        b.get(0, out);
        return out;
    }

    static byte[] payloadOf(List<byte[]> segments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] s : segments) {
            out.write(s, 14 + 20 + TCP_HEADER, s.length - 14 - 20 - TCP_HEADER);
        }
        return out.toByteArray();
    }

    @Test
    void aSuperFrameCrossesTheBridgeUntouchedBetweenTwoPortsWithOffloads() {
        Bridge bridge = new Bridge("br-node-1");
        OffloadPort a = new OffloadPort();
        OffloadPort b = new OffloadPort();
        BridgePort pa = bridge.attach("pod-a", a);
        BridgePort pb = bridge.attach("pod-b", b);
        bridge.fdb().addStatic(POD_B_MAC, pb);
        ByteBuffer frame = superFrame(POD_B_MAC);
        byte[] before = bytes(frame);
        bridge.receive(pa, frame, frame.capacity(), TSO, 1);
        assertEquals(1, b.frames.size(), "one write per super-frame");
        assertArrayEquals(before, b.frames.get(0));
        assertEquals(TSO, b.offloads.get(0), "the offload metadata goes with it");
        assertEquals(1, pb.counters().txPackets());
        assertEquals(SEGMENTS, pb.counters().txSegments(), "and stands for the segments it carries");
        assertEquals(1, pa.counters().rxPackets());
        assertEquals(SEGMENTS, pa.counters().rxSegments());
        assertEquals(before.length, pb.counters().txBytes());
    }

    @Test
    void aPortWithoutOffloadsGetsSegmentsWithFullChecksums() {
        Bridge bridge = new Bridge("br-node-1");
        OffloadPort a = new OffloadPort();
        BridgePort pa = bridge.attach("pod-a", a);
        MemoryPort b = new MemoryPort(bridge, "pod-b");
        bridge.fdb().addStatic(POD_B_MAC, b.port());
        ByteBuffer frame = superFrame(POD_B_MAC);
        byte[] before = bytes(frame);
        bridge.receive(pa, frame, frame.capacity(), TSO, 1);
        List<byte[]> out = b.drain();
        assertEquals(SEGMENTS, out.size());
        for (byte[] s : out) {
            assertTrue(s.length <= 14 + 20 + TCP_HEADER + MSS);
            ByteBuffer seg = ByteBuffer.wrap(s);
            assertTrue(Ipv4Packet.of(seg, 14, s.length - 14).verifyChecksum());
            assertTrue(TcpPacket.of(seg, 34, s.length - 34).verifyChecksum(POD_A_IP, POD_B_IP));
        }
        byte[] payload = new byte[PAYLOAD];
        System.arraycopy(before, 14 + 20 + TCP_HEADER, payload, 0, PAYLOAD);
        assertArrayEquals(payload, payloadOf(out));
        assertArrayEquals(before, bytes(frame), "the frame given to the bridge is not written to");
        assertEquals(SEGMENTS, b.counters().txPackets());
        assertEquals(SEGMENTS, b.counters().txSegments());
    }

    @Test
    void aFloodedSuperFrameGoesWholeToOffloadPortsAndCutToTheOthers() {
        Bridge bridge = new Bridge("br-node-1");
        BridgePort pa = bridge.attach("pod-a", new OffloadPort());
        OffloadPort b = new OffloadPort();
        bridge.attach("pod-b", b);
        MemoryPort c = new MemoryPort(bridge, "pod-c");
        ByteBuffer frame = superFrame(POD_B_MAC); // B not learned yet: flooded
        bridge.receive(pa, frame, frame.capacity(), TSO, 1);
        assertEquals(1, b.frames.size());
        assertEquals(SEGMENTS, c.drain().size());
        assertEquals(1, bridge.flooded());
    }

    @Test
    void aPartialChecksumIsCompletedForAPortWithoutOffloads() {
        Bridge bridge = new Bridge("br-node-1");
        BridgePort pa = bridge.attach("pod-a", new OffloadPort());
        MemoryPort b = new MemoryPort(bridge, "pod-b");
        bridge.fdb().addStatic(POD_B_MAC, b.port());
        ByteBuffer frame = superFrame(POD_B_MAC);
        long csumOnly = VirtioNetHeader.withoutGso(TSO);
        bridge.receive(pa, frame, frame.capacity(), csumOnly, 1);
        List<byte[]> out = b.drain();
        assertEquals(1, out.size(), "no GSO: one frame, however long");
        ByteBuffer f = ByteBuffer.wrap(out.get(0));
        assertTrue(TcpPacket.of(f, 34, f.capacity() - 34).verifyChecksum(POD_A_IP, POD_B_IP));
    }

    @Test
    void forwardingAndSegmentingSuperFramesAllocatesNothing() {
        Bridge bridge = new Bridge("br-node-1");
        BridgePort pa = bridge.attach("pod-a", (f, len, now) -> true);
        FrameSink offloading = new FrameSink() {
            @Override
            public boolean send(ByteBuffer frame, int length, long now) {
                return true;
            }

            @Override
            public boolean takesOffloads() {
                return true;
            }

            @Override
            public boolean send(ByteBuffer frame, int length, long offload, long now) {
                return true;
            }
        };
        BridgePort pb = bridge.attach("pod-b", offloading);
        BridgePort pc = bridge.attach("pod-c", (f, len, now) -> true);
        bridge.fdb().addStatic(POD_B_MAC, pb);
        bridge.fdb().addStatic(Frames.POD_C_MAC, pc);
        ByteBuffer toB = superFrame(POD_B_MAC);
        ByteBuffer toC = superFrame(Frames.POD_C_MAC);
        for (int i = 0; i < 3_000; i++) {
            bridge.receive(pa, toB, toB.capacity(), TSO, i);
            bridge.receive(pa, toC, toC.capacity(), TSO, i);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 2_000; i++) {
            bridge.receive(pa, toB, toB.capacity(), TSO, i);
            bridge.receive(pa, toC, toC.capacity(), TSO, i);
        }
        long perFrame = (mx.getThreadAllocatedBytes(tid) - before) / 4_000;
        assertEquals(0, perFrame, "bytes allocated per super-frame forwarded or segmented");
        assertEquals(5_000L * SEGMENTS, pc.counters().txPackets());
    }
}
