package dev.vnet.node.router;

import static dev.vnet.node.router.Verdict.drop;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.nat.conntrack.ConnEntry;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.conntrack.Direction;
import dev.vnet.nat.conntrack.Lookup;
import dev.vnet.nat.conntrack.Timeouts;

/**
 * Network policy, after the Service stage because policies speak of pod IPs, not ClusterIPs: a new connection
 * is judged once by the {@link PolicyGate} (egress for a sending pod of this node, ingress for a receiving one),
 * and an allowed one is remembered in this stage's own connection table, so that the rest of it and its replies
 * pass without judging again, as Linux-based CNIs let conntrack pass established traffic. A policy change
 * therefore applies to new connections. A denied packet is dropped silently, as Calico and Cilium do, counted
 * under {@link DropReason#POLICY_DENIED} and logged with the policy and direction that decided.
 *
 * <p>Design notes:
 * <ul>
 *   <li>With no NetworkPolicy in the cluster the gate is null and every packet passes untouched: no lookup, no
 *       entry. Connections already open when the first policy appears are then judged like new ones.</li>
 *   <li>A connection is found by the tuple the packet has here (its original direction, after DNAT) or by the
 *       tuple it arrived with: a Service's reply is already translated back by the Service stage (source the
 *       ClusterIP), but arrived from the endpoint, which is the reverse of the tuple remembered at its start.</li>
 *   <li>ICMP errors (unreachable, time exceeded) pass: they are about a connection, not one of their own. ICMP
 *       echo is a connection of its own, its identifier standing for both ports, as in conntrack.</li>
 *   <li>Every allowed connection with a pod of this node at one end is remembered, isolated or not: a pod that
 *       no policy isolates for egress may still be isolated for ingress, and its replies must pass that. The
 *       rest (no pod of this node at either end) pass on each packet's decision, which costs two lookups.</li>
 * </ul>
 */
final class PolicyStage implements Stage {
    /** The label of a remembered connection no policy isolated (one end is a pod of this node). */
    private static final String NOT_ISOLATED_LABEL = "no isolating policy";
    private final Conntrack allowed;
    private volatile PolicyGate gate;

    PolicyStage() {
        this(new Conntrack(Conntrack.DEFAULT_MAX, Timeouts.defaults()));
    }

    PolicyStage(Conntrack allowed) {
        this.allowed = allowed;
    }

    /** The node's policies, or null when the cluster has none: then everything passes. */
    void setGate(PolicyGate g) {
        this.gate = g;
    }

    PolicyGate gate() {
        return gate;
    }

    /** The connections this stage let through and remembers. */
    Conntrack connections() {
        return allowed;
    }

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public Verdict process(PacketContext packet, long now) {
        PolicyGate g = gate;
        if (g == null) {
            if (packet.traced()) {
                packet.say("no NetworkPolicy in the cluster → allowed");
            }
            return Verdict.CONTINUE;
        }
        int protocol = packet.protocol();
        if (protocol == Ipv4Packet.PROTO_ICMP && IcmpPacket.isError(packet.icmpType())) {
            if (packet.traced()) {
                packet.say("an ICMP error about a connection → allowed with it");
            }
            return Verdict.CONTINUE;
        }
        int sport = port(packet, true);
        int dport = port(packet, false);
        Lookup hit = allowed.lookup(protocol, packet.source(), sport, packet.destination(), dport, now);
        if (hit == null && packet.rewritten()) {
            hit = allowed.lookup(protocol, packet.arrivedSource(), arrivedPort(packet, true),
                    packet.arrivedDestination(), arrivedPort(packet, false), now);
        }
        if (hit != null) {
            ConnEntry e = hit.entry();
            allowed.update(e, hit.direction(), tcpFlags(packet), packet.ipLength(), now);
            if (packet.traced()) {
                packet.say("an allowed connection (" + (hit.direction() == Direction.ORIGINAL ? "original"
                        : "reply") + " direction) → allowed; at its start by: " + e.label());
            }
            return Verdict.CONTINUE;
        }
        PolicyGate.Decision d = g.decide(protocol, packet.source(), sport, packet.destination(), dport,
                packet.origin());
        if (!d.allowed()) {
            if (packet.traced()) {
                packet.say(d.text());
                packet.end("dropped on " + packet.node() + ": " + d.text());
            }
            packet.setDropDetail("denied by " + d.policy() + " (" + d.direction() + ")");
            return drop(packet, DropReason.POLICY_DENIED);
        }
        if (d.remember()) {
            int src = packet.source();
            int dst = packet.destination();
            ConnEntry e = allowed.create(protocol, src, sport, dst, dport, dst, dport, src, sport,
                    d.policy() == null ? NOT_ISOLATED_LABEL : d.policy(), now);
            if (e == null) {
                if (packet.traced()) {
                    packet.end("dropped on " + packet.node() + ": " + DropReason.POLICY_TABLE_FULL.description());
                }
                return drop(packet, DropReason.POLICY_TABLE_FULL);
            }
            allowed.update(e, Direction.ORIGINAL, tcpFlags(packet), packet.ipLength(), now);
        }
        if (packet.traced()) {
            packet.say(d.text() + " (" + Ipv4Address.toString(packet.source()) + " → "
                    + Ipv4Address.toString(packet.destination()) + (packet.hasPorts() ? ":" + dport : "") + ")");
        }
        return Verdict.CONTINUE;
    }

    /** A TCP/UDP port, or for ICMP echo its identifier (for both ends, as in conntrack), else 0. */
    private static int port(PacketContext p, boolean source) {
        if (p.hasPorts()) {
            return source ? p.sourcePort() : p.destinationPort();
        }
        return echoId(p);
    }

    private static int arrivedPort(PacketContext p, boolean source) {
        if (p.hasPorts()) {
            return source ? p.arrivedSourcePort() : p.arrivedDestinationPort();
        }
        return echoId(p);
    }

    private static int echoId(PacketContext p) {
        int type = p.icmpType();
        return p.protocol() == Ipv4Packet.PROTO_ICMP && p.hasTransportHeader()
                && (type == IcmpPacket.TYPE_ECHO_REQUEST || type == IcmpPacket.TYPE_ECHO_REPLY)
                ? p.icmp().identifier() : 0;
    }

    private static int tcpFlags(PacketContext p) {
        return p.protocol() == Ipv4Packet.PROTO_TCP && p.hasTransportHeader() ? p.tcp().flags() : 0;
    }
}
