package dev.vnet.node.proxy;

import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.linux.Commands;
import dev.vnet.nat.lb.Algorithm;
import dev.vnet.nat.lb.Balancer;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.service.IptablesChainBalancer;
import dev.vnet.nat.service.IptablesTable;
import dev.vnet.nat.service.IpvsTable;
import dev.vnet.nat.service.ServicePort;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.nat.service.ServiceTable;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * One node's kube-proxy control loop: it compiles the cluster's Services and Endpoints into this node's
 * Service table and swaps it into the {@link ServiceProxy} — the table's only writer, as kube-proxy's
 * syncProxyRules is. A Service, Endpoints or Node change schedules a full, idempotent {@link #sync}, coalesced
 * and rate-limited by its {@link Reconciler} (kube-proxy's minSyncPeriod).
 *
 * <p>It also holds this node's share of LoadBalancer IPs, as MetalLB's L2 mode does: each IP is answered
 * by one node (chosen from the IP, so every node agrees without talking), which routes it into its data
 * plane and answers ARP for it on the underlay ({@code ip neigh add proxy}).
 */
public final class ServiceSync implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ServiceSync.class.getName());

    private final String nodeName;
    private final String netns;
    private final int nodeIp;
    private final String proxyMode;
    private final String defaultAlgorithm;
    private final ClusterStore store;
    private final ServiceProxy proxy;
    private final Commands commands;
    private final Reconciler reconciler;
    /** Balancers keep state (a round-robin position), so they outlive a sync. */
    private final Map<String, Balancer> balancers = new ConcurrentHashMap<>();
    private Set<String> heldLbIps = new TreeSet<>();
    private volatile List<ServicePort> ports = List.of();
    private final String underlayLink;

    /**
     * @param defaultAlgorithm the node's load-balancing algorithm for Services without the annotation, or null
     *                         for the proxy mode's own: iptables' statistic rules, or ipvs' round-robin
     */
    public ServiceSync(String nodeName, String netns, int nodeIp, String proxyMode, String defaultAlgorithm,
                       ClusterStore store, ServiceProxy proxy, Commands commands) {
        this(nodeName, netns, "eth0", nodeIp, proxyMode, defaultAlgorithm, store, proxy, commands);
    }

    /** @param underlayLink the node's interface on the underlay, where it answers ARP for LoadBalancer IPs */
    public ServiceSync(String nodeName, String netns, String underlayLink, int nodeIp, String proxyMode,
                       String defaultAlgorithm, ClusterStore store, ServiceProxy proxy, Commands commands) {
        this.underlayLink = underlayLink;
        this.nodeName = nodeName;
        this.netns = netns;
        this.nodeIp = nodeIp;
        this.proxyMode = proxyMode;
        this.defaultAlgorithm = defaultAlgorithm;
        this.store = store;
        this.proxy = proxy;
        this.commands = commands;
        this.reconciler = Reconciler.start("services-" + nodeName, store,
                List.of(ServiceKind.KIND, EndpointsKind.KIND, NodeKind.KIND), this::sync);
    }

    /** Rebuilds the Service table from the store and installs it; updates the LoadBalancer IPs held here. */
    public synchronized void sync() {
        Compiled c = compileFromStore();
        ServiceTable table = proxyMode.equals("ipvs") ? new IpvsTable(c.ports(), nodeIp)
                : new IptablesTable(c.ports(), nodeIp);
        proxy.setTable(table);
        ports = List.copyOf(c.ports());
        holdLoadBalancerIps(c.lbIpsHere());
    }

    /** What the store asks of this node now: its Service ports, and the LoadBalancer IPs it should hold. */
    public record Compiled(List<ServicePort> ports, Set<String> lbIpsHere) {}

    /** The Service table the store wants now, compiled as a sync would, without installing it (for `vnet diff`). */
    public synchronized Compiled compileFromStore() {
        List<ServicePort> compiled = new ArrayList<>();
        List<String> nodes = lbCandidates(store);
        Set<String> lbIpsHere = new TreeSet<>();
        Map<String, Endpoints> endpoints = new HashMap<>();
        store.list(EndpointsKind.KIND).forEach(e -> endpoints.put(ClusterStore.key(e), e));
        for (Service svc : store.list(ServiceKind.KIND)) {
            if (ServiceKind.headless(svc) || ServiceKind.type(svc).equals(ServiceKind.EXTERNAL_NAME)
                    || svc.getSpec().getClusterIP() == null || ServiceKind.nodeLocal(svc)) {
                continue; // nothing to translate: DNS answers for these
            }
            Endpoints eps = endpoints.get(ServiceKind.key(svc));
            String lbIp = ServiceKind.loadBalancerIp(svc);
            if (lbIp != null && nodeName.equals(lbHolder(lbIp, nodes))) {
                lbIpsHere.add(lbIp);
            }
            for (io.fabric8.kubernetes.api.model.ServicePort sp : svc.getSpec().getPorts()) {
                compiled.add(compile(svc, sp, eps, lbIp));
            }
        }
        return new Compiled(compiled, lbIpsHere);
    }

    private ServicePort compile(Service svc, io.fabric8.kubernetes.api.model.ServicePort sp, Endpoints eps, String lbIp) {
        String name = ServiceKind.key(svc) + (sp.getName() == null ? "" : ":" + sp.getName());
        int protocol = "UDP".equals(ServiceKind.protocol(sp)) ? 17 : 6;
        List<Endpoint> endpoints = new ArrayList<>();
        if (eps != null) {
            for (EndpointSubset subset : eps.getSubsets()) {
                EndpointPort port = subset.getPorts().stream()
                        .filter(p -> Objects.equals(p.getName(), sp.getName()) || subset.getPorts().size() == 1)
                        .findFirst().orElse(null);
                if (port == null) {
                    continue;
                }
                for (EndpointAddress a : subset.getAddresses()) {
                    endpoints.add(new Endpoint(Ipv4Address.parse(a.getIp()).bits(), port.getPort(), a.getNodeName(),
                            nodeName.equals(a.getNodeName()), true));
                }
            }
        }
        var spec = svc.getSpec();
        long affinity = 0;
        if ("ClientIP".equals(spec.getSessionAffinity()) && spec.getSessionAffinityConfig() != null
                && spec.getSessionAffinityConfig().getClientIP() != null
                && spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() != null) {
            affinity = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds() * 1_000_000_000L;
        }
        return new ServicePort(name, protocol, Ipv4Address.parse(spec.getClusterIP()).bits(), sp.getPort(),
                sp.getNodePort() == null ? 0 : sp.getNodePort(), lbIp == null ? 0 : Ipv4Address.parse(lbIp).bits(),
                List.copyOf(endpoints), balancerFor(svc, name), affinity,
                "Local".equals(spec.getExternalTrafficPolicy()), "Local".equals(spec.getInternalTrafficPolicy()));
    }

    /** The Service's annotation if any, else the mode's default: iptables' statistic rules, or ipvs' round-robin. */
    private Balancer balancerFor(Service svc, String portName) {
        String asked = svc.getMetadata().getAnnotations().get(ServiceKind.LB_ALGORITHM_ANNOTATION);
        String algorithm = asked != null ? asked : defaultAlgorithm != null ? defaultAlgorithm
                : proxyMode.equals("ipvs") ? "round-robin" : "iptables";
        return balancers.computeIfAbsent(portName + "|" + algorithm, k -> algorithm.equals("iptables")
                ? new IptablesChainBalancer(portName.hashCode())
                : Algorithm.parse(algorithm).create(ep -> proxy.conntrack().countTo(ep.ip(), ep.port())));
    }

    /**
     * The nodes that may hold LoadBalancer IPs: the Ready ones (a dead node cannot answer ARP), or every node
     * while none is known Ready yet (a lab starting).
     */
    public static List<String> lbCandidates(ClusterStore store) {
        List<Node> all = store.list(NodeKind.KIND);
        List<String> ready = all.stream().filter(NodeKind::ready).map(NodeKind::name).sorted().toList();
        return ready.isEmpty() ? all.stream().map(NodeKind::name).sorted().toList() : ready;
    }

    /** Which node answers for a LoadBalancer IP: picked from the IP, so all nodes agree without talking. */
    public static String lbHolder(String ip, List<String> sortedNodes) {
        if (sortedNodes.isEmpty()) {
            return null;
        }
        int last = Ipv4Address.parse(ip).bits() & 0xff;
        return sortedNodes.get(last % sortedNodes.size());
    }

    private void holdLoadBalancerIps(Set<String> want) {
        for (String ip : heldLbIps) {
            if (!want.contains(ip)) {
                commands.tryRun("ip", "-n", netns, "neigh", "del", "proxy", ip, "dev", underlayLink);
                commands.tryRun("ip", "-n", netns, "route", "del", ip + "/32");
                LOG.info("load balancer IP released: node=" + nodeName + " ip=" + ip);
            }
        }
        Set<String> held = new TreeSet<>();
        for (String ip : want) {
            if (heldLbIps.contains(ip)) {
                held.add(ip);
                continue;
            }
            // Route the IP into the data plane, and answer ARP for it on the underlay.
            boolean ok = commands.tryRun("ip", "-n", netns, "route", "replace", ip + "/32", "dev", "vnet0").ok()
                    && commands.tryRun("ip", "-n", netns, "neigh", "replace", "proxy", ip, "dev", underlayLink).ok();
            if (ok) {
                held.add(ip);
                LOG.info("load balancer IP held: node=" + nodeName + " ip=" + ip);
            } else {
                LOG.warning("cannot hold load balancer IP, the next sync retries: node=" + nodeName + " ip=" + ip);
            }
        }
        heldLbIps = held;
    }

    public List<ServicePort> ports() {
        return ports;
    }

    public Set<String> heldLoadBalancerIps() {
        return Set.copyOf(heldLbIps);
    }

    public String proxyMode() {
        return proxyMode;
    }

    /** The loop that applies the store's changes: paused by a fault, asked what it applied last. */
    public dev.vnet.apiserver.controller.Reconciler reconciler() {
        return reconciler;
    }

    @Override
    public void close() {
        reconciler.close();
    }

}
