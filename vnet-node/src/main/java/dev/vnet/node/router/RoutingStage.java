package dev.vnet.node.router;

import static dev.vnet.node.router.Verdict.drop;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.PeerTable;
import java.nio.ByteBuffer;

/**
 * Routing, the last stage: sends each packet on by its destination, as a router does (TTL decremented, MACs
 * rewritten by {@link Egress}):
 *
 * <ul>
 *   <li>this node's TUN address (10.244.N.0) → the TUN, to the node's own processes (no hop taken);</li>
 *   <li>the gateway's address, from another node or the node itself → an echo reply from the gateway;</li>
 *   <li>this node's pod subnet → the bridge, from the gateway's MAC to the pod's MAC;</li>
 *   <li>another node's pod subnet → VXLAN to that node, from our VTEP MAC to its VTEP MAC;</li>
 *   <li>anything outside the cluster from a pod (or a translated reply from another node) → the TUN, so the
 *       node's host stack routes it like any host would.</li>
 * </ul>
 *
 * At TTL 1 it drops with "time exceeded" owed to the sender; a packet with DF set too big for the overlay is
 * dropped with "fragmentation needed" and the overlay MTU owed (RFC 1191), so path-MTU discovery works. A
 * super-frame is judged by the segments it will be cut into ({@link PacketContext#wireIpLength()}), not by its
 * own length.
 */
final class RoutingStage implements Stage {
    private static final IcmpRepr TIME_EXCEEDED = IcmpRepr.timeExceeded();

    private final Cidr localSubnet;
    private final Cidr podCidr;
    private final int tunIp;
    private final int gatewayIp;
    private final int overlayMtu;
    private final IcmpRepr fragmentationNeeded;
    private final PeerTable peers;
    private final Egress egress;
    private final Reentry reentry;
    private final ThreadLocal<EchoViews> echoViews = ThreadLocal.withInitial(EchoViews::new);

    private static final class EchoViews {
        final EthernetFrame eth = new EthernetFrame();
        final Ipv4Packet ip = new Ipv4Packet();
        final IcmpPacket icmp = new IcmpPacket();
    }

    RoutingStage(Cidr localSubnet, Cidr podCidr, int tunIp, int gatewayIp, int overlayMtu, PeerTable peers,
                 Egress egress, Reentry reentry) {
        this.localSubnet = localSubnet;
        this.podCidr = podCidr;
        this.tunIp = tunIp;
        this.gatewayIp = gatewayIp;
        this.overlayMtu = overlayMtu;
        this.fragmentationNeeded = IcmpRepr.fragmentationNeeded(overlayMtu);
        this.peers = peers;
        this.egress = egress;
        this.reentry = reentry;
    }

    @Override
    public String name() {
        return "router";
    }

    @Override
    public Verdict process(PacketContext packet, long now) {
        int dst = packet.destination();
        Origin origin = packet.origin();
        if (dst == tunIp) {
            if (packet.traced()) {
                packet.say(Ipv4Address.toString(dst) + " is this node's own address (TUN vnet0) → the node's stack");
                packet.end("delivered to " + packet.node() + " itself (TUN vnet0)");
            }
            return egress.toTun(packet);
        }
        if (dst == gatewayIp && origin != Origin.POD) {
            if (packet.traced()) {
                packet.say("for the gateway " + Ipv4Address.toString(dst) + " itself: it answers echo requests");
                packet.end("answered by " + packet.node() + "'s gateway");
            }
            return answerEcho(packet, now); // pods reach the gateway on L2; others come through us
        }
        if (localSubnet.contains(dst)) {
            int ttl = packet.ip().ttl();
            if (ttl <= 1) {
                return timeExceeded(packet);
            }
            packet.ip().decrementTtl();
            if (packet.traced()) {
                packet.say(Ipv4Address.toString(dst) + " is in this node's subnet " + localSubnet
                        + " → the bridge, from the gateway's MAC; TTL " + ttl + " → " + (ttl - 1));
            }
            return egress.toLocalPod(packet, now);
        }
        Peer peer = peers.forDestination(dst);
        if (peer != null) {
            return toPeer(packet, peer);
        }
        // Leaves the cluster through this node's host stack: our pods' traffic, and replies to clients outside
        // that reached a Service here (translated back, they may come from an endpoint on another node).
        if ((origin == Origin.POD || (origin == Origin.OVERLAY && packet.rewritten())) && !podCidr.contains(dst)) {
            if (packet.traced()) {
                packet.say(Ipv4Address.toString(dst) + " is outside the cluster → vnet0, the node's stack routes it on");
                packet.end("left the cluster through " + packet.node() + "'s stack (TUN vnet0)");
            }
            return egress.toTun(packet);
        }
        if (packet.traced()) {
            packet.say("no route to " + Ipv4Address.toString(dst) + " → dropped");
            packet.end("dropped on " + packet.node() + ": " + DropReason.NO_ROUTE.description() + " "
                    + Ipv4Address.toString(dst));
        }
        return drop(packet, DropReason.NO_ROUTE);
    }

    private Verdict toPeer(PacketContext packet, Peer peer) {
        if (packet.origin() == Origin.OVERLAY) {
            if (packet.traced()) {
                packet.say("for " + peer.nodeName() + "'s subnet, but it came from the overlay → dropped");
            }
            return drop(packet, DropReason.LOOP); // never bounce a tunnelled packet into the tunnel again
        }
        int length = packet.wireIpLength();
        if (length > overlayMtu && packet.ip().dontFragment()) {
            if (packet.traced()) {
                packet.say(length + " bytes with DF set do not fit the overlay MTU " + overlayMtu
                        + " → ICMP fragmentation needed back to the sender");
                packet.end("dropped on " + packet.node() + ": " + length + " bytes with DF set do not fit the "
                        + "overlay MTU " + overlayMtu + " (ICMP fragmentation needed sent back)");
            }
            if (!egress.eatsFragNeeded(peer)) {
                packet.oweIcmpError(fragmentationNeeded);
            } else if (packet.traced()) {
                packet.say("a fault drops the ICMP fragmentation needed: the sender never learns (a PMTU black hole)");
            }
            return drop(packet, DropReason.FRAG_NEEDED);
        }
        int ttl = packet.ip().ttl();
        if (ttl <= 1) {
            return timeExceeded(packet);
        }
        packet.ip().decrementTtl();
        if (packet.traced()) {
            packet.say(Ipv4Address.toString(packet.destination()) + " is in " + peer.nodeName() + "'s subnet "
                    + peer.podSubnet() + " → VXLAN to " + peer.underlayIp() + "; TTL " + ttl + " → " + (ttl - 1));
        }
        return egress.toPeer(packet, peer);
    }

    /** A router must not forward a packet whose TTL would reach zero: it owes the sender "time exceeded". */
    private static Verdict timeExceeded(PacketContext packet) {
        if (packet.traced()) {
            packet.say("TTL " + packet.ip().ttl() + " would reach zero here → ICMP time exceeded back to the sender");
            packet.end("dropped on " + packet.node() + ": TTL exceeded (ICMP time exceeded sent back)");
        }
        packet.oweIcmpError(TIME_EXCEEDED);
        return drop(packet, DropReason.TTL_EXCEEDED);
    }

    /**
     * Answers an ICMP echo request to the gateway's address that came from another node or the node itself.
     * The reply is a packet of its own, routed back from the start of the pipeline like any packet from this
     * node: its fate is counted and traced there, so this packet's journey ends here as answered.
     */
    private Verdict answerEcho(PacketContext packet, long now) {
        if (packet.protocol() != Ipv4Packet.PROTO_ICMP || !packet.hasTransportHeader()
                || packet.icmpType() != IcmpPacket.TYPE_ECHO_REQUEST || !packet.icmp().verifyChecksum()) {
            return drop(packet, DropReason.NOT_FOR_US);
        }
        ByteBuffer out = reentry.buffer();
        if (out == null) {
            return drop(packet, DropReason.LOOP);
        }
        EchoViews v = echoViews.get();
        int ipLength = IcmpRepr.emitEchoReply(packet, gatewayIp, out, EthernetFrame.HEADER_LEN, v.ip, v.icmp);
        int frameLength = EthernetFrame.HEADER_LEN + ipLength;
        new EthernetRepr(0, 0, EthernetFrame.TYPE_IPV4).emit(v.eth.wrap(out, 0, frameLength));
        reentry.run(frameLength, Origin.POD, now);
        return Verdict.SENT;
    }
}
