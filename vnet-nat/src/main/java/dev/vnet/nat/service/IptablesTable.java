package dev.vnet.nat.service;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * kube-proxy's iptables mode: the KUBE-SERVICES chain is a list of rules, one per Service port and way in
 * (ClusterIP, LoadBalancer IP), ending with a jump to KUBE-NODEPORTS; a packet is compared with each rule
 * in turn until one matches. Finding a Service therefore costs time in proportion to the number of
 * Services — the reason large clusters moved to ipvs or nftables. Immutable: a sync builds a new one.
 */
public final class IptablesTable implements ServiceTable {
    /** One rule of KUBE-SERVICES or KUBE-NODEPORTS: match protocol, destination and port. */
    private record Rule(int protocol, int dstIp, int dstPort, Match target) {}

    private final List<ServicePort> ports;
    private final Rule[] services;
    private final Rule[] nodePorts;
    private final int nodeIp;
    private final Set<Integer> virtualIps = new HashSet<>();

    public IptablesTable(List<ServicePort> ports, int nodeIp) {
        this.ports = List.copyOf(ports);
        this.nodeIp = nodeIp;
        List<Rule> svc = new ArrayList<>();
        List<Rule> np = new ArrayList<>();
        for (ServicePort p : ports) {
            if (p.clusterIp() != 0) {
                svc.add(new Rule(p.protocol(), p.clusterIp(), p.port(), new Match(p, Via.CLUSTER_IP, 0)));
                virtualIps.add(p.clusterIp());
            }
            if (p.loadBalancerIp() != 0) {
                svc.add(new Rule(p.protocol(), p.loadBalancerIp(), p.port(), new Match(p, Via.LOAD_BALANCER, 0)));
                virtualIps.add(p.loadBalancerIp());
            }
            if (p.nodePort() != 0) {
                np.add(new Rule(p.protocol(), 0, p.nodePort(), new Match(p, Via.NODE_PORT, 0)));
            }
        }
        this.services = svc.toArray(Rule[]::new);
        this.nodePorts = np.toArray(Rule[]::new);
    }

    @Override
    public Match match(int protocol, int dstIp, int dstPort) {
        int evaluated = 0;
        for (Rule r : services) {
            evaluated++;
            if (r.dstIp == dstIp && r.dstPort == dstPort && r.protocol == protocol) {
                return new Match(r.target.port(), r.target.via(), evaluated);
            }
        }
        // The last rule of KUBE-SERVICES: "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS".
        evaluated++;
        if (dstIp != nodeIp) {
            return null;
        }
        for (Rule r : nodePorts) {
            evaluated++;
            if (r.dstPort == dstPort && r.protocol == protocol) {
                return new Match(r.target.port(), r.target.via(), evaluated);
            }
        }
        return null;
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
        return "iptables";
    }
}
