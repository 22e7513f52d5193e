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

    /** The faults on this node's tunnels, or null while none can be injected. */
    private volatile FaultGate faults;

    void setFaults(FaultGate gate) {
        this.faults = gate;
    }

    /** Whether a fault on the way to {@code peer} drops the ICMP that path-MTU discovery needs. */
    boolean eatsFragNeeded(Peer peer) {
        FaultGate g = faults;
        return g != null && g.eatsFragNeeded(peer);
    }

    /** Into the tunnel toward {@code peer}'s VTEP. */
    Verdict toPeer(PacketContext packet, Peer peer) {
        EthernetFrame eth = packet.ethernet();
        eth.setSource(vtepMac);
        eth.setDestination(peer.vtepMac().bits());
        FaultGate g = faults;
        if (g != null && g.impaired(peer)) {
            return toPeerThroughFaults(packet, peer, g);
        }
        DropReason sent = vtep.send(peer, packet);
        if (sent != DropReason.NONE) {
            return drop(packet, sent);
        }
        counters.count(RouterCounters.Route.OVERLAY);
        return Verdict.SENT;
    }

    /**
     * Into a tunnel that has faults: a super-frame is cut into the segments the wire would carry first, so that
     * loss, corruption and `--mtu` act per packet as on a link; the packet counts as dropped when none got through.
     */
    private Verdict toPeerThroughFaults(PacketContext packet, Peer peer, FaultGate g) {
        long offload = packet.offload();
        if (!VirtioNetHeader.needsSoftware(offload)) {
            return throughFaults(packet, peer, g, packet.buffer(), packet.frameLength(), true);
        }
        Segments s = segments.get();
        DropReason bad = s.segmenter.start(packet.buffer(), 0, packet.frameLength(), EthernetFrame.HEADER_LEN, offload);
        if (bad != DropReason.NONE) {
            return drop(packet, bad);
        }
        boolean anySent = false;
        Verdict last = Verdict.SENT;
        for (int n = s.segmenter.next(s.buf, 0); n >= 0; n = s.segmenter.next(s.buf, 0)) {
            last = throughFaults(packet, peer, g, s.buf, n, false);
            anySent |= last != Verdict.DROPPED;
        }
        return anySent ? Verdict.SENT : last;
    }

    /** One wire-sized frame through the tunnel's faults: sent, sent twice, held for later, or dropped. */
    private Verdict throughFaults(PacketContext packet, Peer peer, FaultGate g, java.nio.ByteBuffer frame, int length,
                                  boolean whole) {
        dev.vnet.fault.FaultVerdict v = g.apply(peer, frame, 0, length);
        switch (v.action()) {
            case TAKEN:
                counters.count(RouterCounters.Route.OVERLAY);
                return Verdict.SENT; // the fault engine sends it when its time comes
            case DROP: {
                if (packet.traced()) {
                    packet.say(v.message());
                }
                if (v.cause() == dev.vnet.fault.FaultVerdict.Cause.MTU && packet.ip().dontFragment()) {
                    dev.vnet.core.packet.IcmpRepr icmp = g.fragmentationNeeded(peer, v);
                    if (icmp != null) {
                        packet.oweIcmpError(icmp); // path-MTU discovery learns the smaller link, as it should
                    }
                }
                return drop(packet, DropReason.FAULT);
            }
            case DUPLICATE:
                send(packet, peer, frame, length, whole);
                // fall through: the copy, then the frame itself
            default:
                DropReason sent = send(packet, peer, frame, length, whole);
                if (sent != DropReason.NONE) {
                    return drop(packet, sent);
                }
                counters.count(RouterCounters.Route.OVERLAY);
                return Verdict.SENT;
        }
    }

    private DropReason send(PacketContext packet, Peer peer, java.nio.ByteBuffer frame, int length, boolean whole) {
        return whole ? vtep.send(peer, packet) : vtep.send(peer, frame, length);
    }
}
