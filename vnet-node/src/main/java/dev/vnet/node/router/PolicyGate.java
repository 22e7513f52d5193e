package dev.vnet.node.router;

import dev.vnet.core.packet.PacketContext;

/**
 * What the policy stage asks about a new connection: the cluster's NetworkPolicies as this node applies them
 * (egress for the pods of this node that send, ingress for those that receive). Built when policies, pods or
 * namespaces change, off the data path, and read without a lock.
 */
public interface PolicyGate {
    /**
     * One decision. {@code text} is for traces and {@code vnet policy check}; {@code policy} names the policy and
     * {@code direction} ("egress", "ingress") of a denial, for the flow log.
     */
    record Decision(boolean allowed, boolean isolated, String text, String policy, String direction) {
        /** Nothing selects either end: allowed, and nothing to remember. */
        public static final Decision NOT_ISOLATED = new Decision(true, false,
                "neither end is isolated by a NetworkPolicy on this node", null, null);
    }

    /** The decision about a new connection, after DNAT, as it enters this node's router from {@code origin}. */
    Decision decide(int protocol, int source, int sourcePort, int destination, int destinationPort,
                    PacketContext.Origin origin);
}
