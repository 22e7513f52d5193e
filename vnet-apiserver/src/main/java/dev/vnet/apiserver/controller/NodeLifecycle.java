package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
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
    private final Reconciler reconciler;

    public NodeLifecycle(ClusterStore store) {
        this.store = store;
        this.reconciler = Reconciler.start("node-lifecycle", store, List.of(SubnetLeaseKind.KIND, NodeKind.KIND),
                this::sync);
    }

    /** Sets every Node's Ready condition from the leases now in the store. */
    public synchronized void sync() {
        Set<String> leased = new HashSet<>();
        for (SubnetLease l : store.list(SubnetLeaseKind.KIND)) {
            leased.add(l.spec().node());
        }
        for (Node n : store.list(NodeKind.KIND)) {
            boolean ready = leased.contains(NodeKind.name(n));
            String status = NodeKind.readyStatus(n);
            if (status != null && !status.equals("Unknown") && ready == NodeKind.ready(n)) {
                continue;
            }
            write(NodeKind.name(n), ready);
        }
    }

    private void write(String name, boolean ready) {
        String key = ClusterStore.key("", name);
        Optional<ClusterStore.Versioned<Node>> cur = store.get(NodeKind.KIND, key);
        if (cur.isEmpty()) {
            return;
        }
        NodeCondition c = ready
                ? new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("SubnetLeaseHeld")
                        .withMessage("node holds its subnet lease").build()
                : new NodeConditionBuilder().withType("Ready").withStatus("False").withReason("LeaseExpired")
                        .withMessage("node stopped renewing its subnet lease").build();
        Node updated = new NodeBuilder(cur.get().value()).editOrNewStatus().withConditions(c).endStatus().build();
        try {
            store.update(NodeKind.KIND, key, updated, cur.get().revision());
            LOG.info("node " + (ready ? "Ready" : "NotReady") + ": node=" + name);
        } catch (ClusterStore.ConflictException e) {
            LOG.fine("node condition write raced, the next event retries: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        reconciler.close();
    }
}
