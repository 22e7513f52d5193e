package dev.vnet.node.dns;

import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.apiserver.store.ClusterStore;
import java.util.List;

/** Keeps a {@link ClusterDns} index equal to the cluster's Services, Endpoints and Pods: a full rebuild per change. */
public final class DnsSync implements AutoCloseable {
    private final ClusterStore store;
    private final ClusterDns dns;
    private final Reconciler reconciler;

    public DnsSync(ClusterStore store, ClusterDns dns) {
        this.store = store;
        this.dns = dns;
        this.reconciler = Reconciler.start("dns", store, List.of(ServiceKind.KIND, EndpointsKind.KIND, PodKind.KIND),
                this::sync);
    }

    public synchronized void sync() {
        dns.update(store.list(ServiceKind.KIND), store.list(EndpointsKind.KIND), store.list(PodKind.KIND));
    }

    /** The records the store asks for now, as {@link ClusterDns#records()} lists them (for `vnet diff`). */
    public List<String> fromStore() {
        ClusterDns want = dns.emptyCopy();
        want.update(store.list(ServiceKind.KIND), store.list(EndpointsKind.KIND), store.list(PodKind.KIND));
        return want.records();
    }

    /** The records this node's DNS answers from now. */
    public List<String> programmed() {
        return dns.records();
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
