package dev.vnet.nat.service;

import java.util.List;

/**
 * Finds the Service port a packet is addressed to. The two implementations are kube-proxy's two modes:
 * {@link IptablesTable} walks an ordered rule list (cost grows with the number of Services) and
 * {@link IpvsTable} looks up a hash table (cost flat). Both give the same answers.
 */
public interface ServiceTable {
    /** What matched, and how: by ClusterIP, by NodePort on a node address, or by LoadBalancer IP. */
    enum Via { CLUSTER_IP, NODE_PORT, LOAD_BALANCER }

    /** A match: the Service port, how it matched, and how many rules were evaluated to find it. */
    record Match(ServicePort port, Via via, int rulesEvaluated) {
        public boolean external() {
            return via != Via.CLUSTER_IP;
        }
    }

    /**
     * The Service port for a packet to {@code dstIp:dstPort} over {@code protocol}, or null.
     * {@code nodeIps} are the addresses that NodePorts listen on (this node's underlay address).
     */
    Match match(int protocol, int dstIp, int dstPort);

    /** Whether {@code ip} is a Service's virtual IP (ClusterIP or LoadBalancer IP) on any port. */
    boolean isVirtualIp(int ip);

    List<ServicePort> ports();

    /** The address this node's NodePorts listen on (its underlay address). */
    int nodeIp();

    String mode();
}
