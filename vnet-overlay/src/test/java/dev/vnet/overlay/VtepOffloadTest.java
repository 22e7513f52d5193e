package dev.vnet.overlay;

import static dev.vnet.overlay.InnerFrames.VTEP_1;
import static dev.vnet.overlay.InnerFrames.VTEP_2;
import static dev.vnet.overlay.InnerFrames.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.Checksum;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.VirtioNetHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The VTEP with offloads: a super-frame leaves as wire-sized VXLAN datagrams, one per segment, and the
 * segments that arrive in one batch are joined back into one super-frame for the router.
 */
class VtepOffloadTest {
    static final long NOW = 1;
    static final int SRC = ip("10.244.1.2");
    static final int DST = ip("10.244.2.7");
    static final int MSS = 1398;
    static final int PAYLOAD = 20_000;
    static final int SEGMENTS = (PAYLOAD + MSS - 1) / MSS;

    record Handed(byte[] frame, long offload) {}

    private final PeerTable peers = new PeerTable();
    private final MemoryUnderlay underlay = new MemoryUnderlay();
    private final List<Handed> handed = new ArrayList<>();
    private Vtep vtep;

    @BeforeEach
    void setUp() {
        peers.replace(List.of(PeerTableTest.NODE_2, PeerTableTest.NODE_3));
        vtep = new Vtep(Vtep.DEFAULT_VNI, peers, underlay);
        vtep.setHandler((buf, offset, length, offload, from, now) -> {
            byte[] copy = new byte[length];
            buf.get(offset, copy);
            handed.add(new Handed(copy, offload));
            return DropReason.NONE;
        });
    }

    /** A TCP super-frame from VTEP 1 to VTEP 2 with a partial checksum, parsed as the router hands it over. */
    static PacketContext superFrame() {
        return superFrame(PAYLOAD);
    }

    static PacketContext superFrame(int payload) {
        int ipTotal = 20 + 20 + payload;
        ByteBuffer b = ByteBuffer.allocateDirect(14 + ipTotal);
        new EthernetRepr(VTEP_2, VTEP_1, EthernetFrame.TYPE_IPV4).emit(EthernetFrame.of(b, 0, b.capacity()));
        Ipv4Packet ip = Ipv4Packet.of(b, 14, ipTotal);
        ip.setVersionAndHeaderLength(20);
        ip.setTotalLength(ipTotal);
        ip.setIdentification(7);
        ip.setFlags(true, false);
        ip.setTtl(63);
        ip.setProtocol(Ipv4Packet.PROTO_TCP);
        ip.setSource(SRC);
        ip.setDestination(DST);
        ip.fillChecksum();
        TcpPacket tcp = TcpPacket.of(b, 34, 20 + payload);
        tcp.setSourcePort(40000);
        tcp.setDestinationPort(5201);
        tcp.setSequenceNumber(5);
        tcp.setHeaderLengthAndFlags(20, TcpPacket.ACK);
        tcp.setWindow(100);
        for (int i = 0; i < payload; i++) {
            b.put(54 + i, (byte) (i % 251));
        }
        tcp.setChecksum(Checksum.sum(b, 0, 0, Checksum.pseudoHeaderSum(SRC, DST, 6, 20 + payload)));
        PacketContext packet = new PacketContext();
        assertEquals(DropReason.NONE, packet.parse(b, 0, b.capacity(), PacketContext.Origin.POD));
        packet.setOffload(VirtioNetHeader.of(VirtioNetHeader.F_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4, 40, MSS, 20, 16));
        return packet;
    }

    @Test
    void aSuperFrameLeavesAsOneDatagramPerSegmentAndArrivesJoinedBackIntoOne() {
        PacketContext packet = superFrame();
        assertEquals(DropReason.NONE, vtep.send(PeerTableTest.NODE_2, packet));
        List<MemoryUnderlay.Sent> sent = underlay.drain();
        assertEquals(SEGMENTS, sent.size());
        assertEquals(SEGMENTS, vtep.txPackets(), "counted per datagram");
        assertEquals(1, vtep.segmentedFrames(), "and the super-frame once");
        for (MemoryUnderlay.Sent d : sent) {
            ByteBuffer inner = ByteBuffer.wrap(d.frame());
            assertTrue(inner.capacity() <= 14 + 20 + 20 + MSS);
            assertTrue(TcpPacket.of(inner, 34, inner.capacity() - 34).verifyChecksum(SRC, DST));
        }

        // At node-2, from node-1's underlay address, in one read batch.
        Vtep node2 = new Vtep(Vtep.DEFAULT_VNI, peersOfNode2(), new MemoryUnderlay());
        node2.setHandler((buf, offset, length, offload, from, now) -> {
            byte[] copy = new byte[length];
            buf.get(offset, copy);
            handed.add(new Handed(copy, offload));
            return DropReason.NONE;
        });
        for (MemoryUnderlay.Sent d : sent) {
            byte[] datagram = InnerFrames.vxlan(1, d.frame());
            assertEquals(DropReason.NONE, node2.receive(ByteBuffer.wrap(datagram), 0, datagram.length,
                    ip("192.168.56.11"), NOW));
        }
        assertEquals(0, handed.size(), "held until the batch ends");
        node2.flush(NOW);
        assertEquals(1, handed.size(), "one super-frame for the router");
        Handed h = handed.get(0);
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(h.offload()));
        assertEquals(MSS, VirtioNetHeader.gsoSize(h.offload()));
        ByteBuffer whole = ByteBuffer.wrap(h.frame());
        assertEquals(14 + 40 + PAYLOAD, h.frame().length);
        assertTrue(TcpPacket.of(whole, 34, whole.capacity() - 34).verifyChecksum(SRC, DST));
        byte[] payload = new byte[PAYLOAD];
        packet.buffer().get(54, payload);
        byte[] got = new byte[PAYLOAD];
        whole.get(54, got);
        assertArrayEquals(payload, got);
        assertEquals(SEGMENTS, node2.rxPackets(), "datagrams are counted one by one");
        assertEquals(SEGMENTS, node2.coalescedSegments());
    }

    @Test
    void anotherFlowInBetweenSendsOnWhatWasJoinedFirstInOrder() {
        PacketContext packet = superFrame();
        vtep.send(PeerTableTest.NODE_2, packet);
        List<MemoryUnderlay.Sent> sent = underlay.drain();
        Vtep node2 = new Vtep(Vtep.DEFAULT_VNI, peersOfNode2(), new MemoryUnderlay());
        node2.setHandler((buf, offset, length, offload, from, now) -> {
            byte[] copy = new byte[length];
            buf.get(offset, copy);
            handed.add(new Handed(copy, offload));
            return DropReason.NONE;
        });
        for (int i = 0; i < 3; i++) {
            byte[] datagram = InnerFrames.vxlan(1, sent.get(i).frame());
            node2.receive(ByteBuffer.wrap(datagram), 0, datagram.length, ip("192.168.56.11"), NOW);
        }
        byte[] udp = InnerFrames.vxlan(1, InnerFrames.flow(Ipv4Packet.PROTO_UDP, "10.244.1.2", 1, "10.244.2.7", 53));
        node2.receive(ByteBuffer.wrap(udp), 0, udp.length, ip("192.168.56.11"), NOW);
        assertEquals(2, handed.size(), "the three joined segments, then the UDP datagram");
        assertEquals(14 + 40 + 3 * MSS, handed.get(0).frame().length);
        assertEquals(VirtioNetHeader.NONE, handed.get(1).offload());
    }

    /** An underlay that takes batches, as the UDP transport with UDP GSO does, and cuts them as the kernel would. */
    static final class BatchUnderlay extends MemoryUnderlay {
        final List<Integer> batches = new ArrayList<>();

        @Override
        public boolean sendsSegmented() {
            return true;
        }

        @Override
        public boolean sendSegmented(Peer peer, int flowHash, ByteBuffer batch, int length, int datagramLength) {
            assertTrue(length <= dev.vnet.core.linux.UdpSocket.MAX_SEGMENTED, "within the kernel's limit: " + length);
            batches.add((length + datagramLength - 1) / datagramLength);
            for (int at = 0; at < length; at += datagramLength) {
                int n = Math.min(datagramLength, length - at);
                VxlanHeader h = VxlanHeader.of(batch, at, n);
                assertEquals(DropReason.NONE, h.check());
                assertEquals(Vtep.DEFAULT_VNI, h.vni());
                ByteBuffer inner = ByteBuffer.allocateDirect(n - VxlanHeader.HEADER_LEN);
                inner.put(0, batch, at + VxlanHeader.HEADER_LEN, n - VxlanHeader.HEADER_LEN);
                send(peer, h.vni(), flowHash, inner, inner.capacity());
            }
            return true;
        }
    }

    @Test
    void withUdpGsoASuperFrameLeavesInAsFewSendsAsTheKernelAllows() {
        BatchUnderlay batches = new BatchUnderlay();
        Vtep v = new Vtep(Vtep.DEFAULT_VNI, peers, batches);
        int payload = 64_000;
        int segments = (payload + MSS - 1) / MSS;
        assertEquals(DropReason.NONE, v.send(PeerTableTest.NODE_2, superFrame(payload)));
        int perSend = dev.vnet.core.linux.UdpSocket.MAX_SEGMENTED / (VxlanHeader.HEADER_LEN + 14 + 40 + MSS);
        assertEquals(List.of(perSend, segments - perSend), batches.batches, "datagrams per send");
        List<MemoryUnderlay.Sent> sent = batches.drain();
        assertEquals(segments, sent.size());
        assertEquals(segments, v.txPackets());
        long seq = 5;
        for (MemoryUnderlay.Sent d : sent) {
            ByteBuffer inner = ByteBuffer.wrap(d.frame());
            TcpPacket tcp = TcpPacket.of(inner, 34, inner.capacity() - 34);
            assertTrue(tcp.verifyChecksum(SRC, DST));
            assertEquals(seq, tcp.sequenceNumber());
            seq += inner.capacity() - 54;
        }
        assertEquals(5 + payload, seq);
    }

    private static PeerTable peersOfNode2() {
        PeerTable t = new PeerTable();
        t.replace(List.of(PeerTableTest.peer(1), PeerTableTest.NODE_3));
        return t;
    }
}
