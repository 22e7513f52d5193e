package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.Node;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.store.ClusterStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The control plane's view of node health, as Kubernetes' node lifecycle controller keeps it: a Node is Ready
 * while it holds a subnet lease, and NotReady (reason LeaseExpired) once the lease has run out. It only writes
 * the Ready condition; the subnet stays the node's until the Node is deleted.
 */
public final class NodeLifecycle implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeLifecycle.class.getName());

    private final ClusterStore store;
    private final List<ClusterStore.Watch> watches = new ArrayList<>();

    public NodeLifecycle(ClusterStore store) {
        this.store = store;
        long from = store.revision(); // before the first list: a change in between is then delivered too
        sync();
        watches.add(store.watch(SubnetLease.KIND, from, e -> sync()));
        watches.add(store.watch(Node.KIND, from, e -> {
            if (e.type() != ClusterStore.EventType.DELETE) {
                sync();
            }
        }));
    }

    /** Sets every Node's Ready condition from the leases now in the store. */
    public synchronized void sync() {
        try {
            Set<String> leased = new HashSet<>();
            store.list(SubnetLease.KIND, SubnetLease.class).forEach(l -> leased.add(l.spec().node()));
            for (Node n : store.list(Node.KIND, Node.class)) {
                boolean ready = leased.contains(n.name());
                if (ready == n.ready() && n.status() != null && n.status().conditions() != null
                        && n.status().conditions().stream().noneMatch(c -> "Unknown".equals(c.status()))) {
                    continue;
                }
                write(n.name(), ready);
            }
        } catch (ClusterStore.UnavailableException e) {
            LOG.warning("node conditions not updated: " + e.getMessage());
        }
    }

    private void write(String name, boolean ready) {
        Optional<ClusterStore.Versioned<Node>> cur = store.get(Node.KIND, ClusterStore.key("", name), Node.class);
        if (cur.isEmpty()) {
            return;
        }
        Node n = cur.get().value();
        Node.Condition c = ready
                ? new Node.Condition("Ready", "True", "SubnetLeaseHeld", "node holds its subnet lease")
                : new Node.Condition("Ready", "False", "LeaseExpired", "node stopped renewing its subnet lease");
        Node updated = new Node(n.apiVersion(), n.kind(), n.metadata(), n.spec(),
                new Node.Status(List.of(c), n.status() == null ? List.of() : n.status().addresses()));
        try {
            store.update(Node.KIND, ClusterStore.key("", name), updated, cur.get().revision());
            LOG.info("node " + (ready ? "Ready" : "NotReady") + ": node=" + name);
        } catch (ClusterStore.ConflictException e) {
            LOG.fine("node condition write raced, the next event retries: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        watches.forEach(ClusterStore.Watch::close);
    }
}
