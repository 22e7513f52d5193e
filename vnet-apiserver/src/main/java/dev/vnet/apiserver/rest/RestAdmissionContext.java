package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.admission.AdmissionContext;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;

/** Admission's view for one REST write: the backend's store, allocator and nodes; one object, so nothing planned. */
final class RestAdmissionContext implements AdmissionContext {
    private final ApiBackend backend;
    private final Kinds kinds;

    RestAdmissionContext(ApiBackend backend, Kinds kinds) {
        this.backend = backend;
        this.kinds = kinds;
    }

    @Override
    public ClusterStore store() {
        return backend.store();
    }

    @Override
    public ServiceAllocator allocator() {
        return backend.allocator();
    }

    @Override
    public Kinds kinds() {
        return kinds;
    }

    @Override
    public <T extends HasMetadata> List<T> planned(Kind<T> kind) {
        return List.of();
    }

    @Override
    public List<String> nodeNames() {
        return backend.nodeNames();
    }

    @Override
    public void admitPod(Pod pod) throws ApiException {
        backend.admitPod(pod);
    }

    @Override
    public Duration settleTimeout() {
        return backend.settleTimeout();
    }

    /** Whether Nodes are removed by hand here (a cluster of node processes). */
    boolean nodesDeletable() {
        return backend.nodesDeletable();
    }

    @Override
    public boolean runsPod(String key) {
        return backend.runsPod(key);
    }
}
