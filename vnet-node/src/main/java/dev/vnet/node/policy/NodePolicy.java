package dev.vnet.node.policy;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.node.router.PolicyGate;
import dev.vnet.policy.Peer;
import dev.vnet.policy.PolicySet;
import dev.vnet.policy.Verdict;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's NetworkPolicies as one node applies them, to the connections its router sees: egress for the
 * pods of this node that open them, ingress for the pods of this node they reach. The other end's own side is
 * judged on its node (both sides on this node when both pods live here).
 *
 * <p>Kubernetes leaves two things to the CNI, decided here as Calico and Cilium do: traffic from the pod's own
 * node (kubelet's probes, {@code vnet exec node}) is always allowed in, and a host-network pod (the node's DNS
 * server, seen as {@code kube-system/kube-dns-NODE}) is never isolated: a policy can name it as a peer, never
 * select it.
 *
 * <p>Immutable: a change of policies, pods or namespaces builds a new one ({@link PolicySync}).
 */
final class NodePolicy implements PolicyGate {
    private final PolicySet policies;
    private final Map<Integer, Peer> pods;
    private final Cidr localPods;
    private final Cidr allPods;
    private final Set<Integer> ownAddresses;
    private final String node;

    /**
     * @param pods         every pod of the cluster with an IP, by IP, and the node's DNS address as its DNS pod
     * @param localPods    this node's pod subnet: whose pods this node isolates
     * @param allPods      the cluster's pod CIDR: a pod outside it uses its node's network
     * @param ownAddresses this node's own addresses (TUN, underlay, the pods' gateway: what a hairpinned Service
     *                     connection is masqueraded to), whose traffic its pods always accept
     */
    NodePolicy(PolicySet policies, Map<Integer, Peer> pods, Cidr localPods, Cidr allPods, Set<Integer> ownAddresses,
               String node) {
        this.policies = policies;
        this.pods = pods;
        this.localPods = localPods;
        this.allPods = allPods;
        this.ownAddresses = ownAddresses;
        this.node = node;
    }

    PolicySet policies() {
        return policies;
    }

    /** The pod with this IP, or the address as a peer that is no pod's. */
    Peer peer(int ip) {
        Peer p = pods.get(ip);
        return p != null ? p : Peer.address(ip);
    }

    private boolean local(Peer p) {
        return p.isPod() && localPods.contains(p.ip());
    }

    @Override
    public Decision decide(int protocol, int source, int sourcePort, int destination, int destinationPort,
                           PacketContext.Origin origin) {
        Peer src = peer(source);
        Peer dst = peer(destination);
        boolean sender = local(src) && origin == PacketContext.Origin.POD;
        boolean receiver = local(dst);
        if (!sender && !receiver) {
            return Decision.NOT_ISOLATED;
        }
        Verdict egress = sender ? policies.egress(src, dst, protocol, destinationPort) : null;
        if (egress != null && !egress.allowed()) {
            return denied(egress);
        }
        boolean fromNode = receiver && origin != PacketContext.Origin.OVERLAY && ownAddresses.contains(source);
        Verdict ingress = receiver && !fromNode ? policies.ingress(src, dst, protocol, destinationPort) : null;
        if (ingress != null && !ingress.allowed()) {
            return denied(ingress);
        }
        String policy = ingress != null && ingress.policy() != null ? ingress.policy()
                : egress != null ? egress.policy() : null;
        return new Decision(true, true, policy, null, () -> text(egress, ingress, fromNode, src, dst));
    }

    private static Decision denied(Verdict v) {
        return new Decision(false, true, String.join(", ", v.selectedBy()), v.direction().label(),
                () -> v.direction().label() + " " + v.reason());
    }

    /** What the trace says of an allowed connection: each side judged here, and where the other one is. */
    private String text(Verdict egress, Verdict ingress, boolean fromNode, Peer src, Peer dst) {
        StringBuilder b = new StringBuilder();
        if (egress != null) {
            b.append("egress ").append(egress.reason());
        } else if (src.isPod()) {
            b.append("egress is judged on the node of ").append(src.namespace()).append('/').append(src.name());
        }
        if (b.length() > 0) {
            b.append("; ");
        }
        if (fromNode) {
            b.append("ingress from ").append(node).append(" itself: a pod always accepts its own node's traffic");
        } else if (ingress != null) {
            b.append("ingress ").append(ingress.reason());
        } else if (dst.isPod() && !allPods.contains(dst.ip())) {
            b.append("ingress: ").append(dst).append(" uses its node's network, which no policy isolates");
        } else if (dst.isPod()) {
            b.append("ingress is judged on the node of ").append(dst.namespace()).append('/').append(dst.name());
        } else {
            b.append("ingress: ").append(dst).append(" is no pod a policy can select");
        }
        return b.toString();
    }
}
