package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceSpecBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.SessionAffinityConfig;
import io.fabric8.kubernetes.api.model.SessionAffinityConfigBuilder;
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
     * Returns a copy of {@code want} with its allocations filled in, given the other Services of the cluster and
     * the version of this Service already stored (or null).
     */
    public Service allocate(Service want, Service existing, List<Service> others) throws ApiException {
        String what = "Service " + want.getMetadata().getName();
        ServiceSpec spec = want.getSpec();
        String type = ServiceKind.type(want);
        Set<Integer> takenIps = new HashSet<>(reservedIps);
        Set<String> takenNodePorts = new HashSet<>();
        Set<Integer> takenLbIps = new HashSet<>();
        for (Service s : others) {
            String ip = s.getSpec().getClusterIP();
            if (ip != null && !ServiceKind.headless(s) && !ip.isEmpty()) {
                takenIps.add(Ipv4Address.parse(ip).bits());
            }
            for (ServicePort p : s.getSpec().getPorts()) {
                if (p.getNodePort() != null) {
                    takenNodePorts.add(ServiceKind.protocol(p) + "/" + p.getNodePort());
                }
            }
            if (ServiceKind.loadBalancerIp(s) != null) {
                takenLbIps.add(Ipv4Address.parse(ServiceKind.loadBalancerIp(s)).bits());
            }
        }
        // ClusterIP: immutable once allocated.
        String clusterIp = spec.getClusterIP();
        String had = existing == null ? null : existing.getSpec().getClusterIP();
        if (type.equals(ServiceKind.EXTERNAL_NAME)) {
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
        List<ServicePort> ports = new ArrayList<>();
        boolean exposed = type.equals(ServiceKind.NODE_PORT) || type.equals(ServiceKind.LOAD_BALANCER);
        for (ServicePort p : spec.getPorts()) {
            Integer nodePort = null;
            String proto = ServiceKind.protocol(p);
            if (exposed) {
                nodePort = p.getNodePort();
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
            Integer number = ServiceKind.targetNumber(p);
            IntOrString target = p.getTargetPort() == null ? new IntOrString(p.getPort())
                    : number != null ? new IntOrString(number) : p.getTargetPort();
            ports.add(new ServicePortBuilder(p).withProtocol(proto).withTargetPort(target).withNodePort(nodePort)
                    .build());
        }
        ServiceSpec filled = new ServiceSpecBuilder(spec).withType(type).withPorts(ports).withClusterIP(clusterIp)
                .withClusterIPs(clusterIp == null ? List.of() : List.of(clusterIp))
                .withSessionAffinity(spec.getSessionAffinity() == null ? "None" : spec.getSessionAffinity())
                .withSessionAffinityConfig(affinityConfig(spec))
                .withExternalTrafficPolicy(exposed ? Objects.requireNonNullElse(spec.getExternalTrafficPolicy(), "Cluster")
                        : null)
                .withInternalTrafficPolicy(type.equals(ServiceKind.EXTERNAL_NAME) ? null
                        : Objects.requireNonNullElse(spec.getInternalTrafficPolicy(), "Cluster"))
                .build();
        ServiceStatus status = null;
        if (type.equals(ServiceKind.LOAD_BALANCER)) {
            String lbIp = existing == null ? null : ServiceKind.loadBalancerIp(existing);
            if (spec.getLoadBalancerIP() != null && !spec.getLoadBalancerIP().isEmpty()) {
                Ipv4Address asked = Ipv4Address.parse(spec.getLoadBalancerIP());
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
            status = new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp(lbIp).endIngress()
                    .endLoadBalancer().build();
        }
        return new ServiceBuilder(want).withSpec(filled).withStatus(status).build();
    }

    private static SessionAffinityConfig affinityConfig(ServiceSpec spec) {
        if (!"ClientIP".equals(spec.getSessionAffinity())) {
            return null;
        }
        Integer t = spec.getSessionAffinityConfig() == null || spec.getSessionAffinityConfig().getClientIP() == null
                ? null : spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
        return new SessionAffinityConfigBuilder().withNewClientIP().withTimeoutSeconds(t == null ? 10800 : t)
                .endClientIP().build();
    }

    private static Integer previousNodePort(Service existing, ServicePort p) {
        if (existing == null) {
            return null;
        }
        for (ServicePort old : existing.getSpec().getPorts()) {
            if (Objects.equals(old.getPort(), p.getPort()) && ServiceKind.protocol(old).equals(ServiceKind.protocol(p))) {
                return old.getNodePort();
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
