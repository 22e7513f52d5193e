package dev.vnet.node.lab;

import dev.vnet.node.VnetNode;
import dev.vnet.node.model.Pod;
import dev.vnet.node.store.ClusterStore;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Makes the nodes run the pods the store says they should: it watches Pods, starts each new one on the node
 * named in its {@code spec.nodeName}, stops deleted ones, and writes back each pod's real status. It is the
 * only writer of pod status, and it works on one thread (the watch's), so events apply in order.
 */
public final class PodController implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PodController.class.getName());

    private final ClusterStore store;
    private final List<VnetNode> nodes;
    private final LabState state;
    private final ClusterStore.Watch watch;

    PodController(ClusterStore store, List<VnetNode> nodes, LabState state) {
        this.store = store;
        this.nodes = nodes;
        this.state = state;
        this.watch = store.watch(Pod.KIND, store.revision(), this::onEvent);
    }

    private synchronized void onEvent(ClusterStore.Event e) {
        Pod pod = (Pod) e.value();
        VnetNode node = nodeFor(pod);
        if (node == null) {
            return;
        }
        String key = VnetNode.key(pod);
        if (e.type() == ClusterStore.EventType.DELETE) {
            node.stopPod(key);
            state.removed(pod.name());
            return;
        }
        if (node.pods().containsKey(key)) {
            return; // a status write of ours coming back
        }
        if (!"Pending".equals(pod.phase())) {
            return; // already decided (e.g. Failed at start): nothing to run
        }
        try {
            state.added(pod.name());
        } catch (IOException ex) {
            LOG.warning("cannot record namespace " + pod.name() + ": " + ex.getMessage());
        }
        Pod.Status status = node.startPod(pod);
        if (!node.pods().containsKey(key)) {
            state.removed(pod.name());
        }
        writeStatus(key, status);
    }

    /** Re-reads a pod's status from its node (a container exited) and records it if it changed. */
    public synchronized void refresh(String key) {
        for (VnetNode node : nodes) {
            Pod.Status s = node.status(key);
            if (s != null) {
                writeStatus(key, s);
            }
        }
    }

    private void writeStatus(String key, Pod.Status status) {
        Optional<ClusterStore.Versioned<Pod>> current = store.get(Pod.KIND, key, Pod.class);
        if (current.isEmpty() || Objects.equals(current.get().value().status(), status)) {
            return;
        }
        try {
            store.update(Pod.KIND, key, current.get().value().withStatus(status), current.get().revision());
        } catch (ClusterStore.ConflictException ex) {
            LOG.fine("status write lost a race, next event retries: " + ex.getMessage());
        }
    }

    private VnetNode nodeFor(Pod pod) {
        String name = pod.spec() == null ? null : pod.spec().nodeName();
        for (VnetNode n : nodes) {
            if (n.config().name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    @Override
    public void close() {
        watch.close();
    }
}
