package dev.vnet.node.router;

import dev.vnet.core.packet.PacketContext;

/**
 * What the policy stage asks about a new connection: the cluster's NetworkPolicies as this node applies them
 * (egress for the pods of this node that send, ingress for those that receive). Built when policies, pods or
 * namespaces change, off the data path, and read without a lock.
 */
public interface PolicyGate {
    /** Why, in words: made only when a trace or {@code vnet policy check} asks. */
    @FunctionalInterface
    interface Reason {
        String text();
    }

    /**
     * One decision. {@code remember} says the stage must keep the connection so that the rest of it and its
     * replies pass (one end is a pod of this node, which a policy may isolate for the other direction).
     * {@code policy} names the policy that allowed it (null if nothing isolates it), or those that select the
     * pod of a denial, whose {@code direction} ("egress", "ingress") is given for the flow log.
     */
    record Decision(boolean allowed, boolean remember, String policy, String direction, Reason reason) {
        /** Neither end is a pod of this node: allowed, and nothing to remember. */
        public static final Decision NOT_ISOLATED = new Decision(true, false, null, null,
                () -> "neither end is a pod of this node: not judged here");

        public String text() {
            return reason.text();
        }
    }

    /** The decision about a new connection, after DNAT, as it enters this node's router from {@code origin}. */
    Decision decide(int protocol, int source, int sourcePort, int destination, int destinationPort,
                    PacketContext.Origin origin);
}
