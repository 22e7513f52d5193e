package dev.vnet.node.router;

import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.fault.FaultEngine;
import dev.vnet.fault.FaultPoint;
import dev.vnet.fault.FaultSpec;
import dev.vnet.fault.FaultTable;
import dev.vnet.fault.FaultVerdict;
import dev.vnet.fault.Impairment;
import dev.vnet.fault.Released;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.Vtep;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The faults on this node's tunnels (`vnet fault add --node N --peer P`, and N's whole underlay): each frame for a
 * peer meets them before it is encapsulated, so a drop filter reads the inner headers and `--mtu` the outer length.
 * A frame held back (delay, reorder, rate) is sent into the tunnel when the fault engine releases it. Each peer's
 * point and its release callback are made once; when a point has no fault, the check is one volatile read.
 */
final class FaultGate {
    private final FaultTable table;
    private final FaultEngine engine;
    private final String node;
    private final Vtep vtep;
    private final Map<String, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final Map<Integer, IcmpRepr> fragNeeded = new ConcurrentHashMap<>();

    /** One peer's point, and how a released frame goes on to it. */
    private final class Tunnel {
        final FaultPoint point;
        volatile Peer peer;
        final Released onward = (frame, length, now) -> {
            Peer p = peer;
            if (p != null) {
                vtep.send(p, frame, length);
            }
        };

        Tunnel(Peer peer) {
            this.point = table.tunnel(node, peer.nodeName());
            this.peer = peer;
        }
    }

    FaultGate(FaultTable table, FaultEngine engine, String node, Vtep vtep) {
        this.table = table;
        this.engine = engine;
        this.node = node;
        this.vtep = vtep;
    }

    /** Whether frames for {@code peer} meet any fault now. */
    boolean impaired(Peer peer) {
        return tunnel(peer).point.impaired();
    }

    private Tunnel tunnel(Peer peer) {
        Tunnel t = tunnels.get(peer.nodeName());
        if (t == null) {
            t = tunnels.computeIfAbsent(peer.nodeName(), n -> new Tunnel(peer));
        }
        if (t.peer != peer) {
            t.peer = peer; // the same node with a new address after a restart; no write per packet otherwise
        }
        return t;
    }

    /** The faults' verdict on one wire-sized frame for {@code peer}; a frame they hold is sent on later. */
    FaultVerdict apply(Peer peer, java.nio.ByteBuffer frame, int offset, int length) {
        Tunnel t = tunnel(peer);
        return engine.apply(t.point, frame, offset, length, t.onward);
    }

    /**
     * The "fragmentation needed" a frame dropped for `--mtu` is owed, with the next-hop MTU a pod may use inside
     * the tunnel; null when a fault on the path eats that ICMP (`--no-frag-needed`: the black hole).
     */
    IcmpRepr fragmentationNeeded(Peer peer, FaultVerdict v) {
        if (eatsFragNeeded(peer)) {
            return null;
        }
        int inner = Math.max(68, v.mtu() - FaultPoint.VXLAN_OVERHEAD - 14);
        return fragNeeded.computeIfAbsent(inner, IcmpRepr::fragmentationNeeded);
    }

    /** Whether a fault on the tunnel to {@code peer} (or the node's underlay) drops ICMP fragmentation-needed. */
    boolean eatsFragNeeded(Peer peer) {
        FaultPoint p = tunnel(peer).point;
        if (!p.impaired()) {
            return false;
        }
        for (Impairment i : p.faults()) {
            FaultSpec s = i.spec();
            if (s.noFragNeeded()) {
                return true;
            }
        }
        return false;
    }
}
