package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Places a new pod on a node, as kube-scheduler binds it: the node its {@code spec.nodeName} names, else the
 * node with the fewest pods (the lowest-numbered on a tie), a spread that is easy to predict in a lab.
 */
public final class Scheduler {
    private Scheduler() {
    }

    /** The node for {@code pod}; {@code load} is the number of pods each node has now. */
    public static String schedule(Pod pod, List<String> nodeNames, Map<String, Integer> load) throws ApiException {
        String wanted = PodKind.nodeName(pod);
        if (wanted != null) {
            if (!nodeNames.contains(wanted)) {
                throw new ApiException("Pod " + PodKind.name(pod) + ": spec.nodeName: no node named " + wanted
                        + " (nodes: " + String.join(", ", nodeNames) + ")");
            }
            return wanted;
        }
        if (nodeNames.isEmpty()) {
            throw new ApiException("Pod " + PodKind.name(pod) + ": no node to run it on (are the nodes running?)");
        }
        return nodeNames.stream().min(Comparator.comparingInt((String n) -> load.getOrDefault(n, 0))
                .thenComparing(Comparator.naturalOrder())).orElseThrow();
    }

    /** How many pods each node has now. */
    public static Map<String, Integer> podsPerNode(ClusterStore store) {
        Map<String, Integer> load = new HashMap<>();
        for (Pod p : store.list(PodKind.KIND)) {
            if (PodKind.nodeName(p) != null) {
                load.merge(PodKind.nodeName(p), 1, Integer::sum);
            }
        }
        return load;
    }
}
