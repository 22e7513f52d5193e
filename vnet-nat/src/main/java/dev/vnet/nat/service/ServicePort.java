package dev.vnet.nat.service;

import dev.vnet.nat.lb.Balancer;
import dev.vnet.nat.lb.Endpoint;
import java.util.List;

/**
 * One port of one Service, compiled for the data plane: where it listens (ClusterIP:port, every node's
 * underlay IP:nodePort, the LoadBalancer IP:port), which endpoints back it, and how to choose among them.
 *
 * @param name           "namespace/service:port-name", as kube-proxy names it in rule comments
 * @param protocol       IPv4 protocol number: 6 (TCP) or 17 (UDP)
 * @param clusterIp      the virtual IP, or 0 for none (headless Services are not compiled at all)
 * @param nodePort       the NodePort, or 0
 * @param loadBalancerIp the LoadBalancer IP, or 0
 * @param endpoints      ready endpoints, each marked local or not for this node
 * @param affinityNanos  ClientIP affinity timeout, or 0 for none
 * @param externalLocal  externalTrafficPolicy Local: external traffic only to local endpoints, no SNAT
 * @param internalLocal  internalTrafficPolicy Local: cluster traffic only to local endpoints
 */
public record ServicePort(String name, int protocol, int clusterIp, int port, int nodePort, int loadBalancerIp,
                          List<Endpoint> endpoints, Balancer balancer, long affinityNanos,
                          boolean externalLocal, boolean internalLocal) {

    /** The endpoints a connection may use, by where it came from. */
    public List<Endpoint> candidates(boolean external) {
        boolean localOnly = external ? externalLocal : internalLocal;
        if (!localOnly) {
            return endpoints;
        }
        return endpoints.stream().filter(Endpoint::local).toList();
    }
}
