package dev.vnet.node.policy;

import dev.vnet.apiserver.api.InvalidManifestException;
import dev.vnet.apiserver.api.Names;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.NetworkPolicyKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.node.NodeConfig;
import dev.vnet.node.dns.DnsMirrorPod;
import dev.vnet.node.router.NodeRouter;
import dev.vnet.policy.Peer;
import dev.vnet.policy.PodPort;
import dev.vnet.policy.PolicySet;
import dev.vnet.policy.PolicyValidation;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * One node's policy agent, as Calico's Felix is: it compiles the cluster's NetworkPolicies, with who is who
 * (every pod's IP, labels and named ports, every namespace's labels), into this node's {@link NodePolicy} and
 * swaps it into the router's policy stage. A NetworkPolicy, Pod or Namespace change schedules a full sync
 * through its {@link Reconciler}. With no NetworkPolicy in the cluster the stage gets no gate at all.
 *
 * <p>A policy change applies to new connections; the ones the stage already let through keep going, as with
 * Linux-based CNIs, whose conntrack passes established traffic.
 */
public final class PolicySync implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicySync.class.getName());

    private final NodeConfig node;
    private final ClusterStore store;
    private final NodeRouter router;
    private final Reconciler reconciler;
    private volatile NodePolicy current;

    public PolicySync(NodeConfig node, ClusterStore store, NodeRouter router) {
        this.node = node;
        this.store = store;
        this.router = router;
        installValidation();
        this.reconciler = Reconciler.start("policy-" + node.name(), store,
                List.of(NetworkPolicyKind.KIND, PodKind.KIND, NamespaceKind.KIND), this::sync);
    }

    /**
     * Makes the API server of this process check a policy as Kubernetes does before storing it (the engine's
     * checks); every node's policy agent does this when it starts, before the API serves.
     */
    public static void installValidation() {
        NetworkPolicyKind.setValidator(PolicySync::validate);
    }

    private static void validate(NetworkPolicy p) throws InvalidManifestException {
        List<String> problems = PolicyValidation.validate(p);
        if (!problems.isEmpty()) {
            throw new InvalidManifestException(Names.what(p) + ": " + problems.get(0));
        }
    }

    /** Rebuilds this node's policy from the store and installs it (none when the cluster has no policy). */
    public synchronized void sync() {
        List<NetworkPolicy> policies = store.list(NetworkPolicyKind.KIND);
        applied = summary(policies, peers(store, node));
        if (policies.isEmpty()) {
            current = null;
            router.setPolicyGate(null);
            return;
        }
        NodePolicy next = new NodePolicy(PolicySet.compile(policies), peers(store, node), node.podSubnet(), node.podCidr(),
                Set.of(node.tunIp().bits(), node.underlayIp().bits(), node.gateway().bits()), node.name());
        current = next;
        router.setPolicyGate(next);
        LOG.fine(() -> "policy on " + node.name() + ": " + policies.size() + " policies");
    }

    /** What the last sync compiled, one line per policy and per pod it knows: compared by `vnet diff`. */
    private volatile java.util.Map<String, String> applied = java.util.Map.of();

    public java.util.Map<String, String> applied() {
        return applied;
    }

    /** The same summary of what the store holds now. */
    public java.util.Map<String, String> fromStore() {
        return summary(store.list(NetworkPolicyKind.KIND), peers(store, node));
    }

    private static java.util.Map<String, String> summary(List<NetworkPolicy> policies, Map<Integer, Peer> peers) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (NetworkPolicy p : policies) {
            out.put("policy " + p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
                    dev.vnet.apiserver.api.Json.MAPPER.writeValueAsString(p.getSpec()));
        }
        peers.forEach((ip, peer) -> out.put("pod at " + new dev.vnet.core.addr.Ipv4Address(ip), peer.toString()));
        return out;
    }

    /** The policy this node applies now, or null when the cluster has none. */
    public NodePolicy current() {
        return current;
    }

    /**
     * Who is who, by IP: every pod that has one (host-network pods have their node's, and are left out), and at
     * the cluster DNS address this node's DNS pod, as a policy names it ({@code k8s-app: kube-dns}).
     */
    public static Map<Integer, Peer> peers(ClusterStore store, NodeConfig node) {
        Map<String, Map<String, String>> namespaces = new HashMap<>();
        for (Namespace n : store.list(NamespaceKind.KIND)) {
            namespaces.put(NamespaceKind.name(n), NamespaceKind.labels(n));
        }
        Map<Integer, Peer> peers = new HashMap<>();
        Pod dnsPod = null;
        for (Pod p : store.list(PodKind.KIND)) {
            if (Boolean.TRUE.equals(p.getSpec().getHostNetwork())) {
                if (PodKind.name(p).equals(DnsMirrorPod.name(node.name()))) {
                    dnsPod = p;
                }
                continue;
            }
            String phase = PodKind.phase(p);
            if (PodKind.podIp(p) == null || phase.equals("Succeeded") || phase.equals("Failed")) {
                continue; // its IP may already be another pod's
            }
            Peer peer = Peer.of(p, namespaces.getOrDefault(PodKind.namespace(p), Map.of()));
            peers.put(peer.ip(), peer);
        }
        int dns = node.dnsServer().bits();
        Map<String, String> labels = dnsPod != null ? dnsPod.getMetadata().getLabels() : DnsMirrorPod.LABELS;
        peers.put(dns, Peer.pod(DnsMirrorPod.NAMESPACE, DnsMirrorPod.name(node.name()), dns, labels,
                namespaces.getOrDefault(DnsMirrorPod.NAMESPACE, Map.of()),
                List.of(PodPort.udp("dns", 53), PodPort.tcp("dns-tcp", 53))));
        return peers;
    }

    /** The address of {@code ip} as the node's policy sees it: a pod (namespace/name) or an address. */
    public String describe(int ip) {
        NodePolicy p = current;
        return p == null ? Ipv4Address.toString(ip) : p.peer(ip).toString();
    }

    /** The loop that applies the store's changes: paused by a fault, asked what it applied last. */
    public dev.vnet.apiserver.controller.Reconciler reconciler() {
        return reconciler;
    }

    @Override
    public void close() {
        reconciler.close();
        router.setPolicyGate(null);
    }
}
