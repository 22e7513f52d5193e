package dev.vnet.overlay;

import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.capture.PacketTap;
import dev.vnet.core.linux.UdpSocket;
import dev.vnet.core.packet.DropCounts;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.TcpCoalescer;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A node's VXLAN tunnel endpoint: encapsulates frames for remote pod subnets toward the owning peer, and
 * checks and decapsulates arriving datagrams before handing the inner frame to the router.
 *
 * <p>A datagram is dropped (and counted by reason) if it comes from an underlay address that is no known
 * peer, lacks the I flag, carries another VNI, or is too short to hold an inner Ethernet frame.
 *
 * <p>The underlay carries wire-sized frames only: a super-frame from a pod with offloads is cut into
 * segments of its {@code gso_size} with full checksums ({@link Segmenter}) before encapsulation, each segment
 * one datagram, counted and captured ("vxlan-out") as such; a partial checksum is completed.
 *
 * <p>On the way in, consecutive segments of one TCP flow from one peer are joined back into a super-frame
 * ({@link TcpCoalescer}, userspace GRO) that the router handles once and a pod's TAP takes in one write. The
 * receiving thread calls {@link #flush} when it has no more datagrams for now (the end of a read batch), so
 * nothing waits longer than that. Datagrams are counted and captured ("vxlan-in") one by one before that; a
 * traced packet is never joined.
 */
public final class Vtep {
    /** flannel's default VNI, and vnet's. */
    public static final int DEFAULT_VNI = 1;

    private final int vni;
    private final PeerTable peers;
    private final UnderlaySender sender;
    private volatile InnerFrameHandler handler = (buf, off, len, offload, from, now) -> DropReason.NO_ROUTE;
    /** Joins arriving segments of a TCP flow (receiving thread only); null when switched off. */
    private final TcpCoalescer gro;
    /** The peer the pending super-frame came from. */
    private Peer groFrom;
    private final LongAdder coalesced = new LongAdder();
    /** Super-frames cut into segments on the way out (userspace TSO), and the segmented sends that carried them. */
    private final LongAdder segmentedFrames = new LongAdder();
    private final LongAdder segmentedSends = new LongAdder();
    private final ThreadLocal<VxlanHeader> header = ThreadLocal.withInitial(VxlanHeader::new);
    private final ThreadLocal<Segments> segments = ThreadLocal.withInitial(Segments::new);

    /**
     * A sending thread's segmenter, the buffer one inner segment is built in, and the one a batch of datagrams
     * (VXLAN header and segment, back to back) is laid out in for a segmented send.
     */
    private static final class Segments {
        final Segmenter segmenter = new Segmenter();
        final ByteBuffer buf = ByteBuffer.allocateDirect(65536 + 64);
        final ByteBuffer batch = ByteBuffer.allocateDirect(UdpSocket.MAX_SEGMENTED + 64);
        final VxlanHeader header = new VxlanHeader();
    }
    private volatile String node = "?";
    /** Capture hook for inner frames, "vxlan-out" before encapsulation and "vxlan-in" after; null when idle. */
    private volatile PacketTap tap;

    private final LongAdder txPackets = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder rxPackets = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final DropCounts drops = new DropCounts();

    public Vtep(int vni, PeerTable peers, UnderlaySender sender) {
        this(vni, peers, sender, true);
    }

    /** Like the three-argument constructor; {@code coalesce} false leaves arriving segments as they are. */
    public Vtep(int vni, PeerTable peers, UnderlaySender sender, boolean coalesce) {
        this.vni = vni;
        this.peers = peers;
        this.sender = sender;
        this.gro = coalesce ? new TcpCoalescer() : null;
    }

    public int vni() {
        return vni;
    }

    public PeerTable peers() {
        return peers;
    }

    public void setTap(PacketTap t) {
        this.tap = t;
    }

    /** The node this VTEP belongs to, for traces. */
    public void setNodeName(String name) {
        this.node = name;
    }

    public void setHandler(InnerFrameHandler handler) {
        this.handler = handler;
    }

    /** Tunnels the Ethernet frame in {@code [0, length)} of {@code frame} (borrowed) to {@code peer}. */
    public DropReason send(Peer peer, ByteBuffer frame, int length) {
        return send(peer, frame, length, FlowHash.of(frame, length), Tracing.matchFrame(frame, length));
    }

    /**
     * Tunnels the router's parsed packet (borrowed) to {@code peer}: its flow hash and its probe come from the
     * context, so the frame is not parsed again. The frame must start at index 0 of the context's buffer.
     */
    public DropReason send(Peer peer, PacketContext packet) {
        if (packet.frameOffset() != 0) {
            throw new IllegalArgumentException("the frame to tunnel must start at index 0, not " + packet.frameOffset());
        }
        long offload = packet.offload();
        if (!VirtioNetHeader.needsSoftware(offload)) {
            return send(peer, packet.buffer(), packet.frameLength(), FlowHash.of(packet), packet.probe());
        }
        Segments s = segments.get();
        DropReason bad = s.segmenter.start(packet.buffer(), 0, packet.frameLength(), EthernetFrame.HEADER_LEN, offload);
        if (bad != DropReason.NONE) {
            return count(bad);
        }
        int hash = FlowHash.of(packet);
        Probe probe = packet.probe();
        if (VirtioNetHeader.isGso(offload)) {
            segmentedFrames.increment();
        }
        if (sender.sendsSegmented()) {
            return sendBatched(peer, s, hash, probe);
        }
        DropReason verdict = DropReason.NONE;
        for (int n = s.segmenter.next(s.buf, 0); n >= 0; n = s.segmenter.next(s.buf, 0)) {
            DropReason sent = send(peer, s.buf, n, hash, probe);
            probe = null; // the trace tells of the packet once
            if (sent != DropReason.NONE) {
                verdict = sent;
            }
        }
        return verdict;
    }

    /**
     * Lays the segments the segmenter was started on out as datagrams in the batch buffer and sends them with
     * as few segmented sends as the kernel's limits allow (one for a super-frame of up to 44 segments of 1,472
     * bytes). Each datagram is captured and counted as if sent alone.
     */
    private DropReason sendBatched(Peer peer, Segments s, int hash, Probe probe) {
        ByteBuffer batch = s.batch;
        PacketTap t = tap;
        DropReason verdict = DropReason.NONE;
        int at = 0;
        int count = 0;
        int datagram = 0;
        while (true) {
            if (count > 0 && (count == UdpSocket.MAX_SEGMENTS || at + datagram > UdpSocket.MAX_SEGMENTED)) {
                if (!sendSegmented(peer, hash, batch, at, datagram)) {
                    verdict = count(DropReason.QUEUE_FULL);
                }
                at = 0;
                count = 0;
            }
            int n = s.segmenter.next(batch, at + VxlanHeader.HEADER_LEN);
            if (n < 0) {
                break;
            }
            if (probe != null) {
                hop(probe, peer, hash, batch, at + VxlanHeader.HEADER_LEN, n);
                probe = null;
            }
            if (t != null) {
                t.packet("vxlan-out", batch, at + VxlanHeader.HEADER_LEN, n, 1, "VNI " + vni + " to " + peer.nodeName()
                        + " " + peer.underlayIp());
            }
            s.header.wrap(batch, at, VxlanHeader.HEADER_LEN + n).emit(vni);
            if (count == 0) {
                datagram = VxlanHeader.HEADER_LEN + n;
            }
            at += VxlanHeader.HEADER_LEN + n;
            count++;
            txPackets.increment();
            txBytes.add(VxlanHeader.HEADER_LEN + n);
        }
        if (count > 0 && !sendSegmented(peer, hash, batch, at, datagram)) {
            verdict = count(DropReason.QUEUE_FULL);
        }
        return verdict;
    }

    private boolean sendSegmented(Peer peer, int hash, ByteBuffer batch, int length, int datagram) {
        segmentedSends.increment();
        return sender.sendSegmented(peer, hash, batch, length, datagram);
    }

    private void hop(Probe probe, Peer peer, int hash, ByteBuffer frame, int offset, int length) {
        int port = sender.sourcePortFor(hash);
        probe.hop(node, "vxlan", "encapsulated with VNI " + vni + " → " + peer.nodeName() + " at "
                + peer.underlayIp() + ":" + VxlanHeader.UDP_PORT + " (outer UDP source port "
                + (port > 0 ? port : "by flow hash") + ", inner MACs "
                + MacAddress.toString(EthernetFrame.of(frame, offset, length).source()) + " → " + peer.vtepMac() + ")");
    }

    private DropReason send(Peer peer, ByteBuffer frame, int length, int hash, Probe probe) {
        if (probe != null) {
            hop(probe, peer, hash, frame, 0, length);
        }
        PacketTap t = tap;
        if (t != null) {
            t.packet("vxlan-out", frame, 0, length, 1, "VNI " + vni + " to " + peer.nodeName() + " " + peer.underlayIp());
        }
        if (!sender.send(peer, vni, hash, frame, length)) {
            return count(DropReason.QUEUE_FULL);
        }
        txPackets.increment();
        txBytes.add(length + VxlanHeader.HEADER_LEN);
        return DropReason.NONE;
    }

    /** Takes one UDP payload that arrived from underlay address {@code sourceIp}. */
    public DropReason receive(ByteBuffer payload, int offset, int length, int sourceIp, long now) {
        rxPackets.increment();
        rxBytes.add(length);
        Peer from = peers.forUnderlay(sourceIp);
        if (from == null) {
            return count(DropReason.UNKNOWN_PEER);
        }
        VxlanHeader h = header.get().wrap(payload, offset, length);
        DropReason bad = h.check();
        if (bad != DropReason.NONE) {
            return count(bad);
        }
        if (h.vni() != vni) {
            return count(DropReason.BAD_VNI);
        }
        Probe probe = Tracing.active() == null || h.payloadLength() < 34 ? null
                : Tracing.match(payload, h.payloadOffset() + 14);
        if (probe != null) {
            probe.hop(node, "vxlan", "decapsulated: from " + from.nodeName() + " (" + from.underlayIp() + "), VNI "
                    + vni + ", inner frame of " + h.payloadLength() + " bytes");
        }
        PacketTap t = tap;
        if (t != null) {
            t.packet("vxlan-in", payload, h.payloadOffset(), h.payloadLength(), 1, "VNI " + vni + " from "
                    + from.nodeName() + " " + from.underlayIp());
        }
        TcpCoalescer g = gro;
        if (g != null && probe == null) {
            if (g.pending() && groFrom == from && g.offer(payload, h.payloadOffset(), h.payloadLength())) {
                return DropReason.NONE;
            }
            flush(now);
            if (g.offer(payload, h.payloadOffset(), h.payloadLength())) {
                groFrom = from;
                return DropReason.NONE;
            }
        } else if (g != null) {
            flush(now);
        }
        DropReason verdict = handler.fromOverlay(payload, h.payloadOffset(), h.payloadLength(), VirtioNetHeader.NONE,
                from, now);
        return verdict == DropReason.NONE ? verdict : count(verdict);
    }

    /**
     * Hands the segments joined so far to the router as one super-frame (or the lone segment as it came). The
     * receiving thread calls it at the end of each batch of datagrams; a no-op when nothing is pending.
     */
    public void flush(long now) {
        TcpCoalescer g = gro;
        if (g == null || !g.pending()) {
            return;
        }
        int segments = g.segments();
        long offload = g.take();
        Peer from = groFrom;
        groFrom = null;
        if (segments > 1) {
            coalesced.add(segments);
        }
        DropReason verdict = handler.fromOverlay(g.buffer(), 0, g.length(), offload, from, now);
        if (verdict != DropReason.NONE) {
            count(verdict);
        }
    }

    /** Super-frames from pods or the node cut into wire-sized segments before encapsulation (userspace TSO). */
    public long segmentedFrames() {
        return segmentedFrames.sum();
    }

    /** Sends that carried several datagrams at once ({@code UDP_SEGMENT}); 0 where the kernel has no UDP GSO. */
    public long segmentedSends() {
        return segmentedSends.sum();
    }

    /** Segments that arrived and were joined into super-frames (userspace GRO). */
    public long coalescedSegments() {
        return coalesced.sum();
    }

    private DropReason count(DropReason r) {
        drops.count(r);
        return r;
    }

    public long txPackets() {
        return txPackets.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    public long rxPackets() {
        return rxPackets.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    public long drops(DropReason r) {
        return drops.get(r);
    }

    public Map<DropReason, Long> dropsByReason() {
        return drops.byReason();
    }
}
