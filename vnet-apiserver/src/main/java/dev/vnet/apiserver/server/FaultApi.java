package dev.vnet.apiserver.server;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Fault;
import dev.vnet.apiserver.api.FaultKind;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.fault.FaultSpec;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code vnet fault add}: checks the fault against the cluster (its node, pod and peer exist, the pod runs on that
 * node) and stores it as a Fault with the next free id; the node it names applies it. Listing and deleting are
 * the Kubernetes verbs on {@code faults}.
 */
public final class FaultApi {
    private FaultApi() {
    }

    public static void register(Handlers handlers, ClusterStore store) {
        handlers.add(Operation.FAULT_ADD, req -> add(store, req));
    }

    static ObjectNode add(ClusterStore store, JsonNode req) throws ApiException {
        List<String> args = new ArrayList<>();
        req.path("args").forEach(a -> args.add(a.asString()));
        FaultSpec spec;
        try {
            spec = FaultSpec.parse(args);
        } catch (IllegalArgumentException e) {
            throw new ApiException(e.getMessage());
        }
        if (store.get(NodeKind.KIND, ClusterStore.key("", spec.node())).isEmpty()) {
            throw new ApiException("nodes \"" + spec.node() + "\" not found");
        }
        if (spec.peer() != null && store.get(NodeKind.KIND, ClusterStore.key("", spec.peer())).isEmpty()) {
            throw new ApiException("nodes \"" + spec.peer() + "\" not found (--peer names the node at the tunnel's "
                    + "far end)");
        }
        if (spec.peer() != null && spec.peer().equals(spec.node())) {
            throw new ApiException("--peer must be another node than --node: a tunnel joins two nodes");
        }
        if (spec.pod() != null) {
            String key = PodKind.refKey(spec.pod(), "default");
            Pod pod = store.get(PodKind.KIND, key).map(ClusterStore.Versioned::value).orElseThrow(() ->
                    new ApiException("pods \"" + key.substring(key.indexOf('/') + 1) + "\" not found"));
            String on = PodKind.nodeName(pod);
            if (!spec.node().equals(on)) {
                throw new ApiException("pod " + spec.pod() + " runs on " + on + ", not " + spec.node()
                        + ": give --node " + on);
            }
        }
        if (spec.pod() != null && spec.pod().startsWith("default/")) {
            // One name per pod, as the node names its ports' faults: NAME in default, NAMESPACE/NAME elsewhere.
            List<String> canonical = new ArrayList<>(spec.toArgs());
            canonical.set(canonical.indexOf("--pod") + 1, spec.pod().substring("default/".length()));
            spec = FaultSpec.parse(canonical);
        }
        Fault.Spec stored = new Fault.Spec(spec.node(), spec.pod(), spec.peer(), spec.toArgs(), spec.describe());
        for (int attempt = 0; attempt < 10; attempt++) {
            int id = 1;
            for (Fault f : store.list(FaultKind.KIND)) {
                id = Math.max(id, f.id() + 1);
            }
            try {
                store.create(FaultKind.KIND, ClusterStore.key("", Integer.toString(id)), Fault.of(id, stored));
                return Handlers.ok().put("id", id).put("description", spec.describe());
            } catch (ClusterStore.ConflictException e) {
                // Another add took this id: the next one.
            }
        }
        throw new ApiException("could not store the fault (the store changed under it): add it again");
    }
}
