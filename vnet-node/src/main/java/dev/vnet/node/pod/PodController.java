package dev.vnet.node.pod;

import dev.vnet.node.VnetNode;
import dev.vnet.apiserver.api.Pod;
import dev.vnet.apiserver.store.ClusterStore;
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
    private final NamespaceRecord state;
    private final ClusterStore.Watch watch;

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
        long from = store.revision();
        reconcile();
        this.watch = store.watch(Pod.KIND, from, this::onEvent);
    }

    /**
     * Makes the nodes match the store after a restart or a lost watch: pods a previous run of this node started
     * are adopted with their IPs (persistent TAPs re-attached), pending ones start, pods the store no longer has
     * are stopped, and pod namespaces recorded by a previous run but unknown to the store are removed.
     */
    synchronized void reconcile() {
        List<Pod> stored;
        try {
            stored = store.list(Pod.KIND, Pod.class);
        } catch (ClusterStore.UnavailableException ex) {
            LOG.warning("pods not reconciled now: " + ex.getMessage());
            return;
        }
        java.util.Set<String> wanted = new java.util.HashSet<>();
        for (Pod pod : stored) {
            VnetNode node = nodeFor(pod);
            if (node == null) {
                continue;
            }
            String key = VnetNode.key(pod);
            wanted.add(pod.name());
            if (node.pods().containsKey(key)) {
                continue;
            }
            String ip = pod.status() == null ? null : pod.status().podIP();
            if ("Running".equals(pod.phase()) && ip != null) {
                writeStatus(key, node.adoptPod(pod, dev.vnet.core.addr.Ipv4Address.parse(ip)));
            } else if ("Pending".equals(pod.phase())) {
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

    private synchronized void onEvent(ClusterStore.Event e) {
        if (e.type() == ClusterStore.EventType.RELIST) {
            reconcile();
            return;
        }
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
        start(node, pod, key);
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
        Optional<ClusterStore.Versioned<Pod>> current;
        try {
            current = store.get(Pod.KIND, key, Pod.class);
        } catch (ClusterStore.UnavailableException ex) {
            LOG.warning("pod status not recorded now: " + ex.getMessage());
            return;
        }
        if (current.isEmpty() || Objects.equals(current.get().value().status(), status)) {
            return;
        }
        try {
            store.update(Pod.KIND, key, current.get().value().withStatus(status), current.get().revision());
        } catch (ClusterStore.ConflictException ex) {
            LOG.fine("status write lost a race, next event retries: " + ex.getMessage());
        } catch (ClusterStore.UnavailableException ex) {
            LOG.warning("pod status not recorded now: " + ex.getMessage());
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
