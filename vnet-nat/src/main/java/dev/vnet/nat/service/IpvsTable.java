package dev.vnet.nat.service;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kube-proxy's ipvs mode: each virtual server (protocol, IP, port) is a key in a hash table, so finding
 * the Service for a packet costs the same with ten Services or ten thousand. Immutable: a sync builds a
 * new table and swaps it in.
 */
public final class IpvsTable implements ServiceTable {
    private final List<ServicePort> ports;
    private final Map<Long, Match> byKey = new HashMap<>();
    private final Set<Integer> virtualIps = new HashSet<>();
    private final int nodeIp;

    public IpvsTable(List<ServicePort> ports, int nodeIp) {
        this.ports = List.copyOf(ports);
        this.nodeIp = nodeIp;
        for (ServicePort p : ports) {
            if (p.clusterIp() != 0) {
                byKey.put(key(p.protocol(), p.clusterIp(), p.port()), new Match(p, Via.CLUSTER_IP, 1));
                virtualIps.add(p.clusterIp());
            }
            if (p.nodePort() != 0) {
                byKey.put(key(p.protocol(), nodeIp, p.nodePort()), new Match(p, Via.NODE_PORT, 1));
            }
            if (p.loadBalancerIp() != 0) {
                byKey.put(key(p.protocol(), p.loadBalancerIp(), p.port()), new Match(p, Via.LOAD_BALANCER, 1));
                virtualIps.add(p.loadBalancerIp());
            }
        }
    }

    @Override
    public Match match(int protocol, int dstIp, int dstPort) {
        return byKey.get(key(protocol, dstIp, dstPort));
    }

    @Override
    public boolean isVirtualIp(int ip) {
        return virtualIps.contains(ip);
    }

    @Override
    public List<ServicePort> ports() {
        return ports;
    }

    @Override
    public int nodeIp() {
        return nodeIp;
    }

    @Override
    public String mode() {
        return "ipvs";
    }

    private static long key(int protocol, int ip, int port) {
        return ((long) protocol << 48) ^ ((ip & 0xffffffffL) << 16) ^ (port & 0xffff);
    }


}
