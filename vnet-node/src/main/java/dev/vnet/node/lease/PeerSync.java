package dev.vnet.node.lease;

import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.PeerTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Programs a node's overlay peer table from the cluster's subnet leases, flannel-style: one peer per other node
 * that holds a live lease, from the lease's pod CIDR, underlay IP and VTEP MAC. A node whose lease expires
 * (it stopped renewing: crashed, or cut off) drops out of every peer table, and its subnet's route with it.
 *
 * <p>A lease change schedules one full {@link #sync} (coalesced by its {@link Reconciler}), the table's only writer: it rebuilds the peer set from
 * the store and installs it at once, so it is idempotent and a missed event cannot leave a stale peer.
 */
public final class PeerSync implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerSync.class.getName());

    private final String self;
    private final ClusterStore store;
    private final PeerTable table;
    private final Reconciler reconciler;
    /** Told of each peer once it is in the table (the node sends a first packet through the new tunnel). */
    private final java.util.function.Consumer<Peer> added;

    public PeerSync(String self, ClusterStore store, PeerTable table) {
        this(self, store, table, p -> { });
    }

    public PeerSync(String self, ClusterStore store, PeerTable table, java.util.function.Consumer<Peer> added) {
        this.self = self;
        this.store = store;
        this.table = table;
        this.added = added;
        this.reconciler = Reconciler.start("peers-" + self, store, List.of(SubnetLeaseKind.KIND), this::sync);
    }

    /** Rebuilds the peer table from the store. */
    public synchronized void sync() {
        List<Peer> peers;
        try {
            peers = fromStore();
        } catch (ClusterStore.UnavailableException e) {
            LOG.warning("overlay peers kept as they were: " + e.getMessage());
            return; // forward with the last known peers, as kube-proxy keeps its rules
        }
        Set<String> before = names(table.peers());
        Set<String> after = names(peers);
        table.replace(peers);
        if (!before.equals(after)) {
            for (Peer p : peers) {
                if (!before.contains(p.nodeName())) {
                    LOG.info("overlay peer added: node=" + self + " peer=" + p.nodeName() + " subnet=" + p.podSubnet()
                            + " underlay=" + p.underlayIp() + " vtepMac=" + p.vtepMac());
                    added.accept(p);
                }
            }
            before.stream().filter(n -> !after.contains(n))
                    .forEach(n -> LOG.info("overlay peer removed: node=" + self + " peer=" + n));
        }
    }

    /** The peers the store's subnet leases ask for now (every live node but this one). */
    public List<Peer> fromStore() {
        List<Peer> peers = new ArrayList<>();
        for (SubnetLease lease : store.list(SubnetLeaseKind.KIND)) {
            SubnetLease.Spec s = lease.spec();
            if (s == null || self.equals(s.node())) {
                continue;
            }
            try {
                peers.add(Peer.of(s.node(), Cidr.parse(s.podCIDR()), Ipv4Address.parse(s.underlayIP()),
                        MacAddress.parse(s.vtepMAC())));
            } catch (RuntimeException e) {
                LOG.warning("subnet lease of " + s.node() + " is malformed, not an overlay peer: " + e.getMessage());
            }
        }
        return peers;
    }

    private static Set<String> names(List<Peer> peers) {
        Set<String> out = new TreeSet<>();
        peers.forEach(p -> out.add(p.nodeName()));
        return out;
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
