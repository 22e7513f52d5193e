package dev.vnet.apiserver.server;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;

/**
 * An operator removing a dead node from a cluster of node processes ({@code vnet delete node NAME}, or kubectl's):
 * the Node, which frees its pod subnet for a new node, and the pods bound to it, as the pod garbage collector
 * would. A node that still holds its lease is refused: its process is alive and would write itself back.
 */
public final class NodeRemoval {
    private NodeRemoval() {
    }

    /** Removes node {@code name}; returns one line per object deleted, the Node last. */
    public static List<String> remove(ClusterStore store, String name) throws ApiException {
        String key = ClusterStore.key("", name);
        if (store.get(NodeKind.KIND, key).isEmpty()) {
            throw new ApiException("nodes \"" + name + "\" not found");
        }
        if (store.list(SubnetLeaseKind.KIND).stream().anyMatch(l -> l.spec().node().equals(name))) {
            throw new ApiException("node " + name + " still holds its subnet lease: stop its process first "
                    + "(a deleted node's subnet may go to another node)");
        }
        List<String> lines = new ArrayList<>();
        for (Pod p : store.list(PodKind.KIND)) {
            if (name.equals(PodKind.nodeName(p))) {
                store.delete(PodKind.KIND, PodKind.key(p));
                lines.add("pod \"" + PodKind.name(p) + "\" deleted (it was bound to " + name + ")");
            }
        }
        store.delete(NodeKind.KIND, key);
        lines.add("node \"" + name + "\" deleted");
        return lines;
    }

    /** The Node itself, for the answer of a REST delete. */
    public static Node get(ClusterStore store, String name) {
        return store.get(NodeKind.KIND, ClusterStore.key("", name)).map(ClusterStore.Versioned::value).orElse(null);
    }
}
