package dev.vnet.node.agent;

import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.linux.Commands;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.ClusterDns;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.dns.DnsMirrorPod;
import dev.vnet.node.dns.DnsSync;
import dev.vnet.node.lease.PeerSync;
import dev.vnet.node.metrics.NodeMetrics;
import dev.vnet.node.policy.PolicySync;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * What keeps one node's data plane in step with the cluster, started together and stopped together, the same in
 * a local lab (one per node) and in a node process: kube-proxy's Service sync, the CNI's policy agent,
 * flanneld's overlay peers, the node's cluster DNS with its index and mirror pod, its metrics and flow log.
 */
public final class NodeLoops implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeLoops.class.getName());

    /**
     * How the loops of one node are set up.
     *
     * @param lbAlgorithm  the node's default load balancing, or null for the proxy mode's own
     * @param underlayLink the node's interface on the underlay, where it answers ARP for LoadBalancer IPs
     * @param dnsUpstream  where names outside the cluster domain go, or null to answer them REFUSED
     */
    public record Settings(ClusterNetwork network, String proxyMode, String lbAlgorithm, String underlayLink,
                           InetSocketAddress dnsUpstream) {}

    private final List<AutoCloseable> running = new ArrayList<>();
    private ServiceSync services;
    private PolicySync policy;
    private DnsSync dns;
    private PeerSync peers;

    private NodeLoops() {
    }

    /** Starts the loops of {@code node}; on failure stops the ones already started and throws. */
    public static NodeLoops start(VnetNode node, ClusterStore store, Settings s, DnsLog dnsLog, FlowLog flowLog,
                                  Commands commands) throws IOException {
        return start(node, store, s, dnsLog, flowLog, commands, null);
    }

    /**
     * As {@link #start(VnetNode, ClusterStore, Settings, DnsLog, FlowLog, Commands)}, with {@code faults}' pauses:
     * `--pause sync` holds back every loop's changes (the node keeps what it programmed, as a stopped
     * kube-proxy does), `--pause dns` silences the node's DNS server.
     */
    public static NodeLoops start(VnetNode node, ClusterStore store, Settings s, DnsLog dnsLog, FlowLog flowLog,
                                  Commands commands, dev.vnet.node.fault.FaultAgent faults) throws IOException {
        NodeLoops loops = new NodeLoops();
        try {
            loops.running.add(NodeMetrics.start(node, dnsLog));
            node.logFlowsTo(flowLog);
            // Each node answers DNS from its own index, as a node of a real cluster would.
            ClusterNetwork n = s.network();
            ClusterDns dns = new ClusterDns(n.clusterDomain(), n.serviceCidr(), n.podCidr());
            DnsSync dnsSync = new DnsSync(store, dns);
            loops.running.add(dnsSync);
            node.startDns(dns, dnsLog, s.dnsUpstream());
            DnsMirrorPod.publish(store, node.config().name(), node.config().underlayIp().toString(),
                    node.config().netns());
            PeerSync peers = new PeerSync(node.config().name(), store, node.peers(), node::warmTunnel);
            loops.running.add(peers);
            loops.services = new ServiceSync(node.config().name(), node.config().netns(), s.underlayLink(),
                    node.config().underlayIp().bits(), s.proxyMode(), s.lbAlgorithm(), store, node.proxy(), commands);
            loops.running.add(loops.services);
            loops.policy = new PolicySync(node.config(), store, node.router());
            loops.running.add(loops.policy);
            loops.dns = dnsSync;
            loops.peers = peers;
            if (faults != null) {
                String name = node.config().name();
                java.util.function.BooleanSupplier sync = () -> faults.paused(name, dev.vnet.fault.FaultSpec.Pause.SYNC);
                for (var r : loops.reconcilers()) {
                    r.pauseWhen(sync);
                }
                node.dnsServer().pauseWhen(() -> faults.paused(name, dev.vnet.fault.FaultSpec.Pause.DNS));
            }
            return loops;
        } catch (IOException | RuntimeException e) {
            loops.close();
            throw e;
        }
    }

    /** The loops that apply the store's changes to this node, each with what it applied last. */
    public List<dev.vnet.apiserver.controller.Reconciler> reconcilers() {
        return List.of(services.reconciler(), policy.reconciler(), dns.reconciler(), peers.reconciler());
    }

    public DnsSync dns() {
        return dns;
    }

    public PeerSync peers() {
        return peers;
    }

    /** The node's Service sync: its compiled table, the LoadBalancer IPs it holds. */
    public ServiceSync services() {
        return services;
    }

    /** The node's policy agent: the NetworkPolicies it applies now. */
    public PolicySync policy() {
        return policy;
    }

    /** Stops the loops, the last started first. */
    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                LOG.fine("closing " + running.get(i) + ": " + e);
            }
        }
        running.clear();
    }
}
