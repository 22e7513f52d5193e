package dev.vnet.node.agent;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.node.VnetNode;
import dev.vnet.node.pod.NamespaceRecord;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Makes the nodes run the pods the store says they should, as kubelet's pod sync loop does: on every change to
 * Pods it {@link #reconcile}s — starts each pending pod bound to one of its nodes, stops the ones the store no
 * longer has — and writes back each pod's real status. It is the only writer of pod status; its syncs run one
 * at a time on its {@link Reconciler}'s thread.
 */
public final class PodController implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PodController.class.getName());

    private final ClusterStore store;
    private final List<VnetNode> nodes;
    private final NamespaceRecord state;
    private final Reconciler reconciler;

    /** Whether {@code state} records pod namespaces only, so that one the store does not know is a stray. */
    private final boolean podsOnly;

    /**
     * @param state    where pod namespaces are recorded as they are made
     * @param podsOnly true for a node process, whose record holds its pods' namespaces only: those the store no
     *                 longer has are removed at start. A local lab's record also holds its node namespaces.
     */
    public PodController(ClusterStore store, List<VnetNode> nodes, NamespaceRecord state, boolean podsOnly) {
        this.store = store;
        this.nodes = nodes;
        this.state = state;
        this.podsOnly = podsOnly;
        this.reconciler = Reconciler.start("pods", store, List.of(PodKind.KIND), this::reconcile);
    }

    /**
     * Makes the nodes match the store after a restart or a lost watch: pods a previous run of this node started
     * are adopted with their IPs (persistent TAPs re-attached), pending ones start, pods the store no longer has
     * are stopped, and pod namespaces recorded by a previous run but unknown to the store are removed.
     */
    synchronized void reconcile() {
        List<Pod> stored = store.list(PodKind.KIND); // unreachable: the reconciler retries
        java.util.Set<String> wanted = new java.util.HashSet<>();
        for (Pod pod : stored) {
            VnetNode node = nodeFor(pod);
            if (node == null) {
                continue;
            }
            String key = VnetNode.key(pod);
            wanted.add(PodKind.netns(pod));
            if (node.pods().containsKey(key)) {
                continue;
            }
            String ip = PodKind.podIp(pod);
            if ("Running".equals(PodKind.phase(pod)) && ip != null) {
                writeStatus(key, node.adoptPod(pod, dev.vnet.core.addr.Ipv4Address.parse(ip)));
            } else if ("Pending".equals(PodKind.phase(pod))) {
                start(node, pod, key);
            }
        }
        for (VnetNode node : nodes) {
            for (String key : List.copyOf(node.pods().keySet())) {
                if (stored.stream().noneMatch(p -> VnetNode.key(p).equals(key))) {
                    String netns = node.pods().get(key).sandbox().spec().netns();
                    node.stopPod(key);
                    state.removed(netns);
                }
            }
        }
        for (String netns : podsOnly ? state.namespaces() : java.util.Set.<String>of()) {
            if (!wanted.contains(netns) && nodes.stream().noneMatch(n -> n.pods().values().stream()
                    .anyMatch(p -> p.sandbox().spec().netns().equals(netns)))) {
                LOG.info("removing the namespace of a pod the store no longer has: " + netns);
                dev.vnet.core.linux.Commands commands = new dev.vnet.core.linux.Commands(null);
                dev.vnet.node.pod.Namespaces.killProcessesIn(commands, netns);
                commands.tryRun("ip", "netns", "del", netns);
                state.removed(netns);
            }
        }
    }

    private void start(VnetNode node, Pod pod, String key) {
        String netns = PodKind.netns(pod);
        try {
            state.added(netns);
        } catch (IOException ex) {
            LOG.warning("cannot record namespace " + netns + ": " + ex.getMessage());
        }
        PodStatus status = node.startPod(pod);
        if (!node.pods().containsKey(key)) {
            state.removed(netns);
        }
        writeStatus(key, status);
    }

    /** Re-reads a pod's status from its node (a container exited) and records it if it changed. */
    public synchronized void refresh(String key) {
        for (VnetNode node : nodes) {
            PodStatus s = node.status(key);
            if (s != null) {
                writeStatus(key, s);
            }
        }
    }

    private void writeStatus(String key, PodStatus status) {
        Optional<ClusterStore.Versioned<Pod>> current;
        try {
            current = store.get(PodKind.KIND, key);
        } catch (ClusterStore.UnavailableException ex) {
            LOG.warning("pod status not recorded now: " + ex.getMessage());
            return;
        }
        if (current.isEmpty() || Objects.equals(current.get().value().getStatus(), status)) {
            return;
        }
        try {
            store.update(PodKind.KIND, key, new PodBuilder(current.get().value()).withStatus(status).build(),
                    current.get().revision());
        } catch (ClusterStore.ConflictException ex) {
            LOG.fine("status write lost a race, next event retries: " + ex.getMessage());
        } catch (ClusterStore.UnavailableException ex) {
            LOG.warning("pod status not recorded now: " + ex.getMessage());
        }
    }

    /** The node of ours that runs {@code pod}, or null: another node's, or a mirror pod its node keeps itself. */
    private VnetNode nodeFor(Pod pod) {
        if (PodKind.mirror(pod)) {
            return null;
        }
        String name = PodKind.nodeName(pod);
        for (VnetNode n : nodes) {
            if (n.config().name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    @Override
    public void close() {
        reconciler.close();
    }
}
