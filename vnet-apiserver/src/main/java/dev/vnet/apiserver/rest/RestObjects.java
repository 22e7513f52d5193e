package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.EndpointSliceKind;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Objects as the REST API shows them: the stored value with {@code metadata.resourceVersion} set to the store's
 * revision of its last write (vnet stores never keep it inside the value); for a pod whose node wrote no
 * conditions, the conditions kubelet would report (kubectl wait reads Ready); for an EndpointSlice, each port named.
 */
final class RestObjects {
    private RestObjects() {
    }

    static ObjectNode render(Kind<?> kind, Object value, long revision) {
        ObjectNode tree = stored(kind, value, revision);
        if (kind.equals(PodKind.KIND)) {
            addPodConditions(tree);
        } else if (kind.equals(EndpointSliceKind.KIND)) {
            namePorts(tree);
        }
        return tree;
    }

    /**
     * An EndpointSlice port of an unnamed Service port has the name "" (kubectl describe reads the name of every
     * port, and fails on one without).
     */
    private static void namePorts(ObjectNode slice) {
        for (JsonNode p : slice.path("ports")) {
            if (p instanceof ObjectNode port && !port.hasNonNull("name")) {
                port.put("name", "");
            }
        }
    }

    /** The object as stored, with its apiVersion, kind and resourceVersion: what a patch applies to. */
    static ObjectNode stored(Kind<?> kind, Object value, long revision) {
        ObjectNode tree = (ObjectNode) Json.tree(value);
        tree.put("apiVersion", kind.apiVersion()).put("kind", kind.kind());
        ObjectNode meta = tree.has("metadata") ? (ObjectNode) tree.get("metadata") : tree.putObject("metadata");
        meta.put("resourceVersion", Long.toString(revision));
        return tree;
    }

    /** The object named, as shown. */
    static <T extends HasMetadata> Optional<ObjectNode> get(ClusterStore store, Kind<T> kind, String key) {
        return store.get(kind, key).map(v -> shown(store, kind, v));
    }

    /** Rendered, with what only the store knows added: how long a subnet lease has left (never stored). */
    private static <T extends HasMetadata> ObjectNode shown(ClusterStore store, Kind<T> kind, ClusterStore.Versioned<T> v) {
        ObjectNode tree = render(kind, v.value(), v.revision());
        if (v.value() instanceof dev.vnet.apiserver.api.SubnetLease lease) {
            store.timeToLive(lease.spec().leaseId()).ifPresent(left -> {
                ObjectNode meta = (ObjectNode) tree.get("metadata");
                ObjectNode ann = meta.has("annotations") && meta.get("annotations").isObject()
                        ? (ObjectNode) meta.get("annotations") : meta.putObject("annotations");
                ann.put(dev.vnet.apiserver.api.SubnetLeaseKind.REMAINING_ANNOTATION, Long.toString(left.toSeconds()));
            });
        }
        return tree;
    }

    /** A list's items and the revision the list was read at. */
    record Listing(List<ObjectNode> items, long revision) {}

    /** Every object of {@code kind} in {@code namespace} (every namespace when null), each with its revision. */
    static <T extends HasMetadata> Listing list(ClusterStore store, Kind<T> kind, String namespace) {
        long revision = store.revision();
        List<ObjectNode> out = new ArrayList<>();
        for (T item : store.list(kind)) {
            if (namespace != null && kind.namespaced() && !namespace.equals(item.getMetadata().getNamespace())) {
                continue;
            }
            // The list gives values only: each object's revision is its own read.
            store.get(kind, ClusterStore.key(item)).ifPresent(v -> out.add(shown(store, kind, v)));
        }
        return new Listing(out, Math.max(revision, out.stream().mapToLong(RestObjects::revision).max().orElse(0)));
    }

    static long revision(JsonNode object) {
        try {
            return Long.parseLong(object.path("metadata").path("resourceVersion").asString("0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * PodScheduled, Initialized, ContainersReady and Ready, from the phase and the container statuses, when the
     * status has no conditions of its own.
     */
    private static void addPodConditions(ObjectNode pod) {
        JsonNode status = pod.path("status");
        if (!(status instanceof ObjectNode s) || (s.has("conditions") && !s.get("conditions").isEmpty())) {
            return;
        }
        String phase = s.path("phase").asString("Pending");
        boolean scheduled = !pod.path("spec").path("nodeName").asString("").isEmpty();
        boolean containersReady = phase.equals("Running");
        for (JsonNode c : s.path("containerStatuses")) {
            containersReady &= c.path("ready").asBoolean(false);
        }
        if (!s.has("containerStatuses") || s.get("containerStatuses").isEmpty()) {
            containersReady = false;
        }
        String since = s.path("startTime").asString(pod.path("metadata").path("creationTimestamp").asString(""));
        ArrayNode conditions = s.putArray("conditions");
        condition(conditions, "PodScheduled", scheduled, since);
        condition(conditions, "Initialized", scheduled && !phase.equals("Pending"), since);
        condition(conditions, "ContainersReady", containersReady, since);
        condition(conditions, "Ready", containersReady, since);
    }

    private static void condition(ArrayNode conditions, String type, boolean ok, String since) {
        ObjectNode c = conditions.addObject().put("type", type).put("status", ok ? "True" : "False");
        if (!since.isEmpty()) {
            c.put("lastTransitionTime", since);
        }
    }
}
