package dev.vnet.nat.lb;

import dev.vnet.core.addr.Ipv4Address;

/**
 * One backend of a Service port, as an EndpointSlice lists it: a pod's address and target port, the node it
 * runs on, whether that is this node, and whether it is ready.
 *
 * @param ip       the pod IP, a big-endian int
 * @param port     the target port
 * @param nodeName where the pod runs ("node-2")
 * @param local    true if it runs on this node (externalTrafficPolicy / internalTrafficPolicy Local)
 * @param ready    the Ready condition; balancers are given only the endpoints to use, ready or not
 */
public record Endpoint(int ip, int port, String nodeName, boolean local, boolean ready) {

    /** "10.244.1.3:8080". */
    @Override
    public String toString() {
        return Ipv4Address.toString(ip) + ":" + port;
    }
}
