package dev.vnet.node.dns;

import dev.vnet.apiserver.api.Endpoints;
import dev.vnet.apiserver.api.Pod;
import dev.vnet.apiserver.api.Service;
import dev.vnet.apiserver.store.ClusterStore;
import java.util.ArrayList;
import java.util.List;

/** Keeps a {@link ClusterDns} index equal to the cluster's Services, Endpoints and Pods: a full rebuild per change. */
public final class DnsSync implements AutoCloseable {
    private final ClusterStore store;
    private final ClusterDns dns;
    private final List<ClusterStore.Watch> watches = new ArrayList<>();

    public DnsSync(ClusterStore store, ClusterDns dns) {
        this.store = store;
        this.dns = dns;
        long from = store.revision(); // before the first list: a change in between is then delivered too
        sync();
        for (String kind : List.of(Service.KIND, Endpoints.KIND, Pod.KIND)) {
            watches.add(store.watch(kind, from, e -> sync()));
        }
    }

    public synchronized void sync() {
        dns.update(store.list(Service.KIND, Service.class), store.list(Endpoints.KIND, Endpoints.class),
                store.list(Pod.KIND, Pod.class));
    }

    @Override
    public void close() {
        watches.forEach(ClusterStore.Watch::close);
    }
}
