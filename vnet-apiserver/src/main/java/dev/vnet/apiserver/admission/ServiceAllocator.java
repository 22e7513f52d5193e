package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.server.ApiException;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.apiserver.api.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the API server fills in for a Service: a ClusterIP from the Service CIDR, NodePorts from
 * 30000–32767, and for LoadBalancer Services an IP from the pool (MetalLB's job). A taken or out-of-range
 * value is refused with the API server's words ("provided IP is already allocated"); an update keeps what
 * was allocated before and refuses to change the ClusterIP (it is immutable).
 */
public final class ServiceAllocator {
    public static final int NODE_PORT_MIN = 30000;
    public static final int NODE_PORT_MAX = 32767;

    private final Cidr serviceCidr;
    private final Set<Integer> reservedIps;
    private final Ipv4Address poolStart;
    private final Ipv4Address poolEnd;

    public ServiceAllocator(Cidr serviceCidr, Set<Integer> reservedIps, Ipv4Address poolStart, Ipv4Address poolEnd) {
        this.serviceCidr = serviceCidr;
        this.reservedIps = reservedIps;
        this.poolStart = poolStart;
        this.poolEnd = poolEnd;
    }

    /** The allocator of a cluster's plan: its Service CIDR (less the API's and DNS's IPs) and LoadBalancer pool. */
    public static ServiceAllocator forNetwork(dev.vnet.apiserver.ClusterNetwork network) {
        return new ServiceAllocator(network.serviceCidr(),
                Set.of(network.apiServiceIp().bits(), network.dnsIp().bits()), network.lbPoolStart(), network.lbPoolEnd());
    }

    /**
     * Returns {@code want} with its allocations filled in, given the other Services of the cluster and the
     * version of this Service already stored (or null).
     */
    public Service allocate(Service want, Service existing, List<Service> others) throws ApiException {
        String what = "Service " + want.name();
        Service.Spec spec = want.spec();
        String type = want.type();
        Set<Integer> takenIps = new HashSet<>(reservedIps);
        Set<String> takenNodePorts = new HashSet<>();
        Set<Integer> takenLbIps = new HashSet<>();
        for (Service s : others) {
            if (s.spec().clusterIP() != null && !s.headless() && !s.spec().clusterIP().isEmpty()) {
                takenIps.add(Ipv4Address.parse(s.spec().clusterIP()).bits());
            }
            if (s.spec().ports() != null) {
                for (Service.ServicePort p : s.spec().ports()) {
                    if (p.nodePort() != null) {
                        takenNodePorts.add(p.protocolOrDefault() + "/" + p.nodePort());
                    }
                }
            }
            if (s.loadBalancerIp() != null) {
                takenLbIps.add(Ipv4Address.parse(s.loadBalancerIp()).bits());
            }
        }
        // ClusterIP: immutable once allocated.
        String clusterIp = spec.clusterIP();
        String had = existing == null ? null : existing.spec().clusterIP();
        if (type.equals(Service.EXTERNAL_NAME)) {
            clusterIp = null;
        } else if (had != null && !had.isEmpty() && (clusterIp == null || clusterIp.isEmpty())) {
            clusterIp = had;
        } else if (had != null && !had.isEmpty() && !had.equals(clusterIp)) {
            throw new ApiException(what + ": spec.clusterIP: field is immutable (it is " + had
                    + "): delete the Service to change it");
        } else if (clusterIp == null || clusterIp.isEmpty()) {
            clusterIp = freeIp(takenIps, what);
        } else if (!clusterIp.equals("None")) {
            Ipv4Address ip = Ipv4Address.parse(clusterIp);
            boolean edge = ip.bits() == serviceCidr.network().bits()
                    || ip.bits() == serviceCidr.network().bits() + (int) (serviceCidr.size() - 1);
            if (!serviceCidr.contains(ip) || edge) {
                throw new ApiException(what + ": spec.clusterIP: Invalid value: \"" + clusterIp
                        + "\": provided IP is not in the valid range " + serviceCidr);
            }
            if (takenIps.contains(ip.bits()) && !clusterIp.equals(had)) {
                throw new ApiException(what + ": spec.clusterIP: Invalid value: \"" + clusterIp
                        + "\": provided IP is already allocated");
            }
        }
        // NodePorts: for NodePort and LoadBalancer Services, kept across updates per port.
        List<Service.ServicePort> ports = new ArrayList<>();
        boolean exposed = type.equals(Service.NODE_PORT) || type.equals(Service.LOAD_BALANCER);
        for (Service.ServicePort p : spec.ports() == null ? List.<Service.ServicePort>of() : spec.ports()) {
            Integer nodePort = null;
            if (exposed) {
                String proto = p.protocolOrDefault();
                nodePort = p.nodePort();
                if (nodePort == null) {
                    nodePort = previousNodePort(existing, p);
                }
                if (nodePort == null) {
                    nodePort = freeNodePort(takenNodePorts, proto, what);
                } else {
                    if (nodePort < NODE_PORT_MIN || nodePort > NODE_PORT_MAX) {
                        throw new ApiException(what + ": spec.ports[].nodePort: Invalid value: " + nodePort
                                + ": provided port is not in the valid range " + NODE_PORT_MIN + "-" + NODE_PORT_MAX);
                    }
                    if (takenNodePorts.contains(proto + "/" + nodePort)) {
                        throw new ApiException(what + ": spec.ports[].nodePort: Invalid value: " + nodePort
                                + ": provided port is already allocated");
                    }
                }
                takenNodePorts.add(proto + "/" + nodePort);
            }
            ports.add(new Service.ServicePort(p.name(), p.protocolOrDefault(), p.port(),
                    p.targetPort() == null ? dev.vnet.apiserver.api.IntOrString.of(p.port()) : p.targetPort(), nodePort));
        }
        Service.Spec filled = new Service.Spec(type, spec.selector(), ports, clusterIp,
                clusterIp == null ? null : List.of(clusterIp),
                spec.sessionAffinity() == null ? "None" : spec.sessionAffinity(), affinityConfig(spec),
                exposed ? Objects.requireNonNullElse(spec.externalTrafficPolicy(), "Cluster") : null,
                type.equals(Service.EXTERNAL_NAME) ? null : Objects.requireNonNullElse(spec.internalTrafficPolicy(), "Cluster"),
                spec.externalName(), spec.loadBalancerIP());
        Service.Status status = null;
        if (type.equals(Service.LOAD_BALANCER)) {
            String lbIp = existing == null ? null : existing.loadBalancerIp();
            if (spec.loadBalancerIP() != null && !spec.loadBalancerIP().isEmpty()) {
                Ipv4Address asked = Ipv4Address.parse(spec.loadBalancerIP());
                if (!inPool(asked.bits())) {
                    throw new ApiException(what + ": spec.loadBalancerIP: " + asked + " is not in the pool "
                            + poolStart + "-" + poolEnd);
                }
                if (takenLbIps.contains(asked.bits()) && !asked.toString().equals(lbIp)) {
                    throw new ApiException(what + ": spec.loadBalancerIP: " + asked + " is already allocated");
                }
                lbIp = asked.toString();
            }
            if (lbIp == null) {
                lbIp = freeLbIp(takenLbIps, what);
            }
            status = new Service.Status(new Service.LoadBalancerStatus(List.of(new Service.Ingress(lbIp))));
        }
        return want.withSpec(filled).withStatus(status);
    }

    private static Service.SessionAffinityConfig affinityConfig(Service.Spec spec) {
        if (!"ClientIP".equals(spec.sessionAffinity())) {
            return null;
        }
        Integer t = spec.sessionAffinityConfig() == null || spec.sessionAffinityConfig().clientIP() == null
                ? null : spec.sessionAffinityConfig().clientIP().timeoutSeconds();
        return new Service.SessionAffinityConfig(new Service.ClientIPConfig(t == null ? 10800 : t));
    }

    private static Integer previousNodePort(Service existing, Service.ServicePort p) {
        if (existing == null || existing.spec().ports() == null) {
            return null;
        }
        for (Service.ServicePort old : existing.spec().ports()) {
            if (Objects.equals(old.port(), p.port()) && old.protocolOrDefault().equals(p.protocolOrDefault())) {
                return old.nodePort();
            }
        }
        return null;
    }

    private String freeIp(Set<Integer> taken, String what) throws ApiException {
        for (long i = 1; i < serviceCidr.size() - 1; i++) {
            int ip = serviceCidr.network().bits() + (int) i;
            if (!taken.contains(ip)) {
                return Ipv4Address.toString(ip);
            }
        }
        throw new ApiException(what + ": no free ClusterIP left in " + serviceCidr);
    }

    private static int freeNodePort(Set<String> taken, String proto, String what) throws ApiException {
        for (int p = NODE_PORT_MIN; p <= NODE_PORT_MAX; p++) {
            if (!taken.contains(proto + "/" + p)) {
                return p;
            }
        }
        throw new ApiException(what + ": no free NodePort left");
    }

    private String freeLbIp(Set<Integer> taken, String what) throws ApiException {
        for (int ip = poolStart.bits(); Integer.compareUnsigned(ip, poolEnd.bits()) <= 0; ip++) {
            if (!taken.contains(ip)) {
                return Ipv4Address.toString(ip);
            }
        }
        throw new ApiException(what + ": the LoadBalancer pool " + poolStart + "-" + poolEnd + " is exhausted");
    }

    private boolean inPool(int ip) {
        return Integer.compareUnsigned(ip, poolStart.bits()) >= 0 && Integer.compareUnsigned(ip, poolEnd.bits()) <= 0;
    }
}
