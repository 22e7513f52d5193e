package dev.vnet.node.router;

import static dev.vnet.node.router.Verdict.drop;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.capture.PacketTap;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.Vtep;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The router's ways out, shared by the stages that end a packet's journey: into the bridge toward a local
 * pod (from the gateway's MAC), into the VXLAN tunnel toward another node (from our VTEP MAC), or into this
 * node's TUN device. Each sets the MACs as a router does, counts the route, and drops with a reason when
 * the way out refuses. Frames start at index 0 of the context's buffer, as the router keeps them.
 *
 * <p>A super-frame or partial checksum (the context's offload metadata) leaves whole into the bridge (which
 * segments for ports that need it) and into a TUN with offloads; a TUN without them gets segments, and the
 * VTEP segments for the underlay itself.
 */
final class Egress {
    private final long vtepMac;
    private final GatewayPort gateway;
    private final Bridge bridge;
    private final Vtep vtep;
    private final RouterCounters counters;
    private volatile IpSink tun = (buf, off, len) -> false;
    /** Capture hook for "tun-out"; null unless someone captures. */
    private volatile PacketTap tap;
    private final ThreadLocal<Segments> segments = ThreadLocal.withInitial(Segments::new);

    /** A thread's segmenter and the buffer a segment for a TUN without offloads is built in. */
    private static final class Segments {
        final Segmenter segmenter = new Segmenter();
        final java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(65536 + 64);
    }
    /** The MAC each local pod was given, for delivery before it has spoken ARP. */
    private final Map<Integer, Long> podMacs = new ConcurrentHashMap<>();

    Egress(long vtepMac, GatewayPort gateway, Bridge bridge, Vtep vtep, RouterCounters counters) {
        this.vtepMac = vtepMac;
        this.gateway = gateway;
        this.bridge = bridge;
        this.vtep = vtep;
        this.counters = counters;
    }

    void setTun(IpSink tun) {
        this.tun = tun;
    }

    void setTap(PacketTap t) {
        this.tap = t;
    }

    void podAdded(int ip, long mac) {
        podMacs.put(ip, mac);
    }

    void podRemoved(int ip) {
        podMacs.remove(ip);
    }

    /** Into the node's stack, as a bare IP packet; never back to where it came from. */
    Verdict toTun(PacketContext packet) {
        if (packet.origin() == PacketContext.Origin.NODE) {
            return drop(packet, DropReason.LOOP);
        }
        PacketTap t = tap;
        if (t != null) {
            t.packet("tun-out", packet.buffer(), packet.ipOffset(), packet.ipLength(), 101, "to the node's stack");
        }
        IpSink sink = tun;
        long offload = packet.offload();
        if (!VirtioNetHeader.needsSoftware(offload)) {
            if (!sink.send(packet.buffer(), packet.ipOffset(), packet.ipLength())) {
                return drop(packet, DropReason.DEVICE_ERROR);
            }
        } else if (sink.takesOffloads()) {
            if (!sink.send(packet.buffer(), packet.ipOffset(), packet.ipLength(), offload)) {
                return drop(packet, DropReason.DEVICE_ERROR);
            }
        } else {
            Segments s = segments.get();
            DropReason bad = s.segmenter.start(packet.buffer(), packet.ipOffset(), packet.ipLength(), 0, offload);
            if (bad != DropReason.NONE) {
                return drop(packet, bad);
            }
            boolean all = true;
            for (int n = s.segmenter.next(s.buf, 0); n >= 0; n = s.segmenter.next(s.buf, 0)) {
                all &= sink.send(s.buf, 0, n);
            }
            if (!all) {
                return drop(packet, DropReason.DEVICE_ERROR);
            }
        }
        counters.count(RouterCounters.Route.NODE_TUN);
        return Verdict.SENT;
    }

    /** Into the bridge toward the local pod that has the destination address, once its MAC is known. */
    Verdict toLocalPod(PacketContext packet, long now) {
        int dst = packet.destination();
        long mac = gateway.neighbors().lookup(dst, now);
        if (mac < 0) {
            Long given = podMacs.get(dst);
            if (given == null) {
                gateway.requestArp(dst, now);
                return drop(packet, DropReason.NEIGHBOR_UNKNOWN);
            }
            mac = given;
        }
        EthernetFrame eth = packet.ethernet();
        eth.setDestination(mac);
        eth.setSource(gateway.mac());
        eth.setEtherType(EthernetFrame.TYPE_IPV4);
        bridge.receive(gateway.port(), packet.buffer(), packet.frameLength(), packet.offload(), now);
        counters.count(RouterCounters.Route.LOCAL_POD);
        return Verdict.SENT;
    }

    /** Into the tunnel toward {@code peer}'s VTEP. */
    Verdict toPeer(PacketContext packet, Peer peer) {
        EthernetFrame eth = packet.ethernet();
        eth.setSource(vtepMac);
        eth.setDestination(peer.vtepMac().bits());
        DropReason sent = vtep.send(peer, packet);
        if (sent != DropReason.NONE) {
            return drop(packet, sent);
        }
        counters.count(RouterCounters.Route.OVERLAY);
        return Verdict.SENT;
    }
}
