package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry of resource kinds: what the API serves and the store keeps. Adding a kind is one
 * {@link #register} of its {@link Kind} (plus, if writing it should do something, its admission).
 */
public final class Kinds {
    private static final Kinds BUILT_IN = new Kinds()
            .register(NamespaceKind.KIND)
            .register(PodKind.KIND)
            .register(ServiceKind.KIND)
            .register(EndpointsKind.KIND)
            .register(EndpointSliceKind.KIND)
            .register(NodeKind.KIND)
            .register(NetworkPolicyKind.KIND)
            .register(SecretKind.KIND)
            .register(IngressClassKind.KIND)
            .register(IngressKind.KIND)
            .register(GatewayClassKind.KIND)
            .register(GatewayKind.KIND)
            .register(HTTPRouteKind.KIND)
            .register(SubnetLeaseKind.KIND)
            .register(FaultKind.KIND);

    private final Map<String, Kind<?>> byKind = new LinkedHashMap<>();

    /** The kinds vnet serves. */
    public static Kinds builtIn() {
        return BUILT_IN;
    }

    /** An empty registry, for a test that registers kinds of its own. */
    public Kinds() {
    }

    /** A copy with the same kinds, to register more in. */
    public Kinds copy() {
        Kinds k = new Kinds();
        byKind.values().forEach(k::register);
        return k;
    }

    public synchronized Kinds register(Kind<?> kind) {
        if (byKind.putIfAbsent(kind.kind(), kind) != null) {
            throw new IllegalStateException("kind " + kind.kind() + " is registered twice");
        }
        return this;
    }

    public synchronized List<Kind<?>> all() {
        return List.copyOf(byKind.values());
    }

    /** The kind named {@code kind} in manifests and the store (Pod), if registered. */
    public synchronized Optional<Kind<?>> byKind(String kind) {
        return Optional.ofNullable(byKind.get(kind));
    }

    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> Optional<Kind<T>> byType(Class<T> type) {
        return byKind.values().stream().filter(k -> k.type() == type).map(k -> (Kind<T>) k).findFirst();
    }

    /** The kind a command-line word names (pods, pod, po, Pod, pods.GROUP), or empty. */
    public synchronized Optional<Kind<?>> find(String word) {
        String w = word.toLowerCase();
        for (Kind<?> k : byKind.values()) {
            if (k.words().contains(w) || k.kind().equalsIgnoreCase(w)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** As {@link #find}, or kubectl's error for a word that names no kind. */
    public Kind<?> named(String word) throws ApiException {
        return find(word).orElseThrow(() -> new ApiException("the server doesn't have a resource type \""
                + word + "\": vnet knows " + String.join(", ", plurals())));
    }

    public synchronized List<String> plurals() {
        return byKind.values().stream().map(Kind::plural).toList();
    }

    /** Every word that names a kind, for completion. */
    public synchronized List<String> words() {
        List<String> out = new ArrayList<>();
        byKind.values().forEach(k -> out.addAll(k.words()));
        return out;
    }

    /** Each kind's store name and type, as the stores decode values. */
    public synchronized Map<String, Class<?>> storeTypes() {
        Map<String, Class<?>> out = new LinkedHashMap<>();
        byKind.values().forEach(k -> out.put(k.kind(), k.type()));
        return out;
    }
}
