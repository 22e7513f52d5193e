package dev.vnet.node.api;

import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import java.time.Instant;
import java.util.List;

/**
 * What the node API serves from: the nodes whose data plane runs in this process (every node of a local lab,
 * or the one node of a node process), their logs, and the cluster store they read.
 */
public interface NodeHost {
    ClusterStore store();

    /** The cluster's addressing plan. */
    dev.vnet.apiserver.ClusterNetwork network();

    /** The nodes whose data plane runs in this process. */
    List<VnetNode> nodes();

    /** The Service control loop of {@code nodes().get(i)}. */
    ServiceSync serviceSync(int i);

    /** The policy agent of {@code nodes().get(i)} (null where there is none: `vnet diff` then says so). */
    default dev.vnet.node.policy.PolicySync policySync(int i) {
        return null;
    }

    /** The DNS index's sync of {@code nodes().get(i)}. */
    default dev.vnet.node.dns.DnsSync dnsSync(int i) {
        return null;
    }

    /** The overlay peers' sync of {@code nodes().get(i)}. */
    default dev.vnet.node.lease.PeerSync peerSync(int i) {
        return null;
    }

    /** The faults this process applies, or null where none can be injected. */
    default dev.vnet.node.fault.FaultAgent faults() {
        return null;
    }

    /** kube-proxy's mode on these nodes: iptables or ipvs. */
    String proxyMode();

    DnsLog dnsLog();

    FlowLog flowLog();

    Instant startedAt();

    /** The namespace of the world outside the cluster, where `vnet exec outside` runs. */
    String outsideNs();

    /** Where `--point underlay` captures: {namespace, interface} of the wire the nodes' VXLAN crosses. */
    String[] underlayLink();

    /**
     * The APIs of the nodes that run in other processes (a node process's peers), which a trace arms so that a
     * probe is followed past the VXLAN hop; none in a one-process lab, where every node is here.
     */
    default List<ApiClient> otherNodes() {
        return List.of();
    }
}
