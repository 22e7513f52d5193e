package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** What an admission plugin may consult: the store, the other objects of the same apply, and the nodes. */
public interface AdmissionContext {
    ClusterStore store();

    ServiceAllocator allocator();

    /** The kinds the API serves (a namespace's delete removes its objects of each). */
    Kinds kinds();

    /** The objects of {@code kind} this apply has admitted so far (to allocate against them too). */
    <T extends HasMetadata> List<T> planned(Kind<T> kind);

    /** Every node of the cluster, by name. */
    List<String> nodeNames();

    /** Refuses a pod the nodes of this machine could not run (its network namespace name is taken). */
    void admitPod(Pod pod) throws ApiException;

    /** How long an apply waits for what it promises (a pod decided by its node), or a delete for it to stop. */
    java.time.Duration settleTimeout();

    /** Whether a node of this process still runs the pod {@code namespace/name}. */
    boolean runsPod(String key);
}
