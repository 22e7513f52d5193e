package dev.vnet.apiserver.store;

import java.time.Duration;
import java.util.Map;

/** Opens a cluster store from its address: {@code memory}, or {@code etcd://HOST:PORT}. */
public final class Stores {
    /** Every kind the cluster keeps, with the record that holds it. */
    public static final Map<String, Class<?>> KINDS = dev.vnet.apiserver.api.Kinds.builtIn().storeTypes();

    /** How long a store call may wait before the store counts as unreachable. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private Stores() {
    }

    /**
     * Refuses a store that this network namespace would reach only through a gateway. A cluster's nodes, and a
     * machine that manages them (a node, the Vagrant host, {@code vnet-outside}), share its network directly;
     * anything else would send lab traffic out through the default route, off the machine.
     */
    static void requireOnLink(String address) {
        String host = java.net.URI.create(address.replaceFirst("^etcd://", "http://")).getHost();
        if (host == null || !host.matches("[0-9.]+") || host.startsWith("127.")) {
            return;
        }
        dev.vnet.core.linux.Commands.Result route = new dev.vnet.core.linux.Commands(null)
                .tryRun("ip", "-4", "-o", "route", "get", host);
        // Inside a pod (the node gives its processes POD_NAME), the default route is the pod's gateway: vnet's own
        // data plane, which carries the packet to the node, never off the machine.
        boolean podNetwork = System.getenv("POD_NAME") != null && route.output().contains(" dev eth0 ");
        if (!route.ok() || route.output().contains(" via ") && !podNetwork) {
            throw new ClusterStore.UnavailableException("the cluster store " + address + " is not on a network this "
                    + "machine is attached to (" + (route.ok() ? "only via a gateway" : "no route") + "): run vnet on "
                    + "a node, or inside the lab (the local lab does this by itself)", null);
        }
    }

    public static ClusterStore open(String address) {
        if (address == null || address.equals("memory")) {
            return new MemoryStore();
        }
        if (address.startsWith("etcd://") || address.startsWith("http://")) {
            requireOnLink(address);
            return EtcdStore.connect(address, KINDS, CALL_TIMEOUT);
        }
        throw new IllegalArgumentException("--store must be memory or etcd://HOST:PORT, not " + address);
    }
}
