package dev.vnet.nat.service;

import dev.vnet.nat.lb.Balancer;
import dev.vnet.nat.lb.Endpoint;
import java.util.List;
import java.util.Objects;

/**
 * One port of one Service, compiled for the data plane: where it listens (ClusterIP:port, every node's
 * underlay IP:nodePort, the LoadBalancer IP:port), which endpoints back it, and how to choose among them.
 * Immutable; what every new connection needs (the local endpoints, the conntrack labels) is computed once here.
 */
public final class ServicePort {
    private final String name;
    private final int protocol;
    private final int clusterIp;
    private final int port;
    private final int nodePort;
    private final int loadBalancerIp;
    private final List<Endpoint> endpoints;
    private final List<Endpoint> localEndpoints;
    private final Balancer balancer;
    private final long affinityNanos;
    private final boolean externalLocal;
    private final boolean internalLocal;
    private final java.util.Map<Endpoint, String> labels = new java.util.HashMap<>();

    /**
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
    public ServicePort(String name, int protocol, int clusterIp, int port, int nodePort, int loadBalancerIp,
                       List<Endpoint> endpoints, Balancer balancer, long affinityNanos,
                       boolean externalLocal, boolean internalLocal) {
        this.name = name;
        this.protocol = protocol;
        this.clusterIp = clusterIp;
        this.port = port;
        this.nodePort = nodePort;
        this.loadBalancerIp = loadBalancerIp;
        this.endpoints = List.copyOf(endpoints);
        this.localEndpoints = this.endpoints.stream().filter(Endpoint::local).toList();
        this.balancer = balancer;
        this.affinityNanos = affinityNanos;
        this.externalLocal = externalLocal;
        this.internalLocal = internalLocal;
        for (Endpoint e : this.endpoints) {
            labels.put(e, name + " → " + e);
        }
    }

    public String name() {
        return name;
    }

    public int protocol() {
        return protocol;
    }

    public int clusterIp() {
        return clusterIp;
    }

    public int port() {
        return port;
    }

    public int nodePort() {
        return nodePort;
    }

    public int loadBalancerIp() {
        return loadBalancerIp;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    public Balancer balancer() {
        return balancer;
    }

    public long affinityNanos() {
        return affinityNanos;
    }

    public boolean externalLocal() {
        return externalLocal;
    }

    public boolean internalLocal() {
        return internalLocal;
    }

    /** The endpoints a connection may use, by where it came from. Allocates nothing. */
    public List<Endpoint> candidates(boolean external) {
        return (external ? externalLocal : internalLocal) ? localEndpoints : endpoints;
    }

    /**
     * The conntrack label for a connection to {@code endpoint}: "default/web:http → 10.244.2.3:8080". Shared by
     * all its connections, so a million tracked flows do not carry a million strings.
     */
    public String label(Endpoint endpoint) {
        String l = labels.get(endpoint);
        return l != null ? l : name + " → " + endpoint;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServicePort p && p.name.equals(name) && p.protocol == protocol && p.clusterIp == clusterIp
                && p.port == port && p.nodePort == nodePort && p.loadBalancerIp == loadBalancerIp
                && p.endpoints.equals(endpoints) && p.affinityNanos == affinityNanos
                && p.externalLocal == externalLocal && p.internalLocal == internalLocal;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, protocol, clusterIp, port, nodePort, loadBalancerIp);
    }

    @Override
    public String toString() {
        return name + " " + endpoints;
    }
}
