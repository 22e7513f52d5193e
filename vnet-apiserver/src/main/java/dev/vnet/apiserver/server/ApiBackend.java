package dev.vnet.apiserver.server;

import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What the API server's resource verbs work on: the cluster store, the allocator of Service addresses, and the
 * few questions only the process that runs the nodes can answer. A local lab and a node process each provide one.
 */
public interface ApiBackend {
    ClusterStore store();

    ServiceAllocator allocator();

    /** Every node of the cluster, by name (where the scheduler may place pods). */
    List<String> nodeNames();

    /**
     * Refuses a pod the nodes could not run for a reason of this machine (its network namespace name is taken,
     * or reserved for the lab), as a validating admission webhook would; the message says what to do.
     */
    default void admitPod(Pod pod) throws ApiException {
    }

    /** Whether a node of this process still runs the pod {@code namespace/name} (a delete waits until not). */
    default boolean runsPod(String key) {
        return false;
    }

    /** How long an apply waits for its pods to leave Pending (and a delete for them to stop). */
    default java.time.Duration settleTimeout() {
        return java.time.Duration.ofSeconds(30);
    }

    /**
     * Whether an operator deletes Nodes by hand: in a cluster of node processes a dead node is removed with
     * `vnet delete node`; in a local lab the nodes come and go with the lab.
     */
    default boolean nodesDeletable() {
        return false;
    }
}
