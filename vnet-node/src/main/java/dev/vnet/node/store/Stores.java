package dev.vnet.node.store;

import dev.vnet.node.model.EndpointSlice;
import dev.vnet.node.model.Endpoints;
import dev.vnet.node.model.Node;
import dev.vnet.node.model.Pod;
import dev.vnet.node.model.Service;
import dev.vnet.node.model.SubnetLease;
import java.time.Duration;
import java.util.Map;

/** Opens a cluster store from its address: {@code memory}, or {@code etcd://HOST:PORT}. */
public final class Stores {
    /** Every kind the cluster keeps, with the record that holds it. */
    public static final Map<String, Class<?>> KINDS = Map.of(
            Pod.KIND, Pod.class, Service.KIND, Service.class, Endpoints.KIND, Endpoints.class,
            EndpointSlice.KIND, EndpointSlice.class, Node.KIND, Node.class, SubnetLease.KIND, SubnetLease.class);

    /** How long a store call may wait before the store counts as unreachable. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private Stores() {
    }

    public static ClusterStore open(String address) {
        if (address == null || address.equals("memory")) {
            return new MemoryStore();
        }
        if (address.startsWith("etcd://") || address.startsWith("http://")) {
            return EtcdStore.connect(address, KINDS, CALL_TIMEOUT);
        }
        throw new IllegalArgumentException("--store must be memory or etcd://HOST:PORT, not " + address);
    }
}
