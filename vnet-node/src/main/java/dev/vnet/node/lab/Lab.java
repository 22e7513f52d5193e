package dev.vnet.node.lab;

import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import dev.vnet.node.store.ClusterStore;
import java.time.Instant;
import java.util.List;

/**
 * What the API serves from: the cluster store and the nodes this process runs. A {@link LocalLab} runs every
 * node of a one-machine lab; a {@link NodeAgent} runs one node of a cluster whose store is etcd.
 */
public interface Lab {
    LabConfig config();

    ClusterStore store();

    ServiceAllocator allocator();

    /** The nodes whose data plane runs in this process. */
    List<VnetNode> nodes();

    /** Every node of the cluster, by name, as the store lists them (for scheduling and LoadBalancer IPs). */
    List<String> nodeNames();

    /** The Service control loop of {@code nodes().get(i)}. */
    ServiceSync serviceSync(int i);

    DnsLog dnsLog();

    FlowLog flowLog();

    Instant startedAt();

    /** Stops the lab (`vnet down`); a node process refuses, since the cluster is more than itself. */
    void close();

    /** Where `--point underlay` captures: {namespace, interface} of the wire the nodes' VXLAN crosses. */
    default String[] underlayLink() {
        return new String[] {config().outsideNs(), LocalLab.UNDERLAY_BRIDGE};
    }

    /**
     * The APIs of the nodes that run in other processes (a node process's peers), which a trace arms so that a
     * probe is followed past the VXLAN hop; none in a one-process lab, where every node is here.
     */
    default List<ApiClient> otherNodes() {
        return List.of();
    }

    /** Whether `down` over the API may stop this process. */
    default boolean stoppable() {
        return true;
    }
}
