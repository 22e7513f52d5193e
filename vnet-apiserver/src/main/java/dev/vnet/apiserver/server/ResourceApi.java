package dev.vnet.apiserver.server;

import dev.vnet.apiserver.admission.AdmissionContext;
import dev.vnet.apiserver.admission.Admissions;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.InvalidManifestException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Manifests;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code vnet apply} for every kind of the registry, served as operation {@code apply} of vnet.dev/v1: a whole file
 * at once (strict parse, validation, admission of every object, then the writes), so a bad file changes nothing.
 * Reads and deletes are the Kubernetes verbs of the same API ({@code dev.vnet.apiserver.rest}).
 */
public final class ResourceApi {
    private final ApiBackend backend;
    private final ClusterStore store;
    private final Kinds kinds;

    private ResourceApi(ApiBackend backend, Kinds kinds) {
        this.backend = backend;
        this.store = backend.store();
        this.kinds = kinds;
    }

    /** Registers apply and ping for the built-in kinds (reads and deletes are the Kubernetes verbs). */
    public static void register(Handlers handlers, ApiBackend backend) {
        register(handlers, backend, Kinds.builtIn());
    }

    /** Registers apply and ping for the kinds of {@code kinds}. */
    public static void register(Handlers handlers, ApiBackend backend, Kinds kinds) {
        ResourceApi api = new ResourceApi(backend, kinds);
        handlers.add(Operation.PING, req -> Handlers.ok())
                .add(Operation.APPLY, req -> api.apply(req.path("text").asString(""), req.path("source").asString("manifest")));
    }

    // ---- apply ----

    /** One object of the apply, from its document to what is written. */
    private static final class Step {
        final Kind<HasMetadata> kind;
        final HasMetadata want;
        HasMetadata existing;
        HasMetadata write;
        long revision;

        @SuppressWarnings("unchecked")
        Step(Kind<?> kind, HasMetadata want) {
            this.kind = (Kind<HasMetadata>) kind;
            this.want = want;
        }

        String key() {
            return ClusterStore.key(want);
        }

        String name() {
            return kind.singular() + "/" + want.getMetadata().getName();
        }
    }

    private ObjectNode apply(String text, String source) throws InvalidManifestException, ApiException {
        List<Manifests.Document> docs = Manifests.parse(text, source, kinds);
        List<Step> steps = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Map<String, Set<String>> warnings = new TreeMap<>();
        for (Manifests.Document d : docs) {
            Kind<?> kind = d.kind();
            HasMetadata o = d.object();
            if (kind.managedBy() != null) {
                throw new ApiException(source + ": " + kind.plural() + " are not applied: they are written by "
                        + kind.managedBy());
            }
            validate(kind, o);
            if (kind.namespaced() && (o.getMetadata().getNamespace() == null || o.getMetadata().getNamespace().isEmpty())) {
                o.getMetadata().setNamespace(NamespaceKind.DEFAULT);
            } else if (!kind.namespaced()) {
                o.getMetadata().setNamespace(null); // as the API server ignores it on a cluster-scoped object
            }
            Step step = new Step(kind, o);
            if (!seen.add(kind.kind() + "|" + step.key())) {
                throw new ApiException(source + ": " + kind.singular() + " " + o.getMetadata().getName()
                        + " is defined twice");
            }
            d.ignored().forEach(f -> warnings.computeIfAbsent(f, x -> new java.util.TreeSet<>())
                    .add(kind.kind() + " " + o.getMetadata().getName()));
            steps.add(step);
        }
        // Admit everything before storing anything, so a bad file changes nothing.
        Context ctx = new Context();
        for (Step s : steps) {
            s.existing = store.get(s.kind, s.key()).map(ClusterStore.Versioned::value).orElse(null);
            s.write = Admissions.admit(s.kind, s.want, s.existing, ctx);
            ctx.planned.computeIfAbsent(s.kind, k -> new ArrayList<>()).add(s.write != null ? s.write
                    : s.existing != null ? s.existing : s.want);
        }
        for (Step s : steps) {
            if (s.write == null) {
                continue;
            }
            try {
                Optional<ClusterStore.Versioned<HasMetadata>> now = store.get(s.kind, s.key());
                if (now.isEmpty()) {
                    store.create(s.kind, s.key(), s.write);
                } else {
                    store.update(s.kind, s.key(), s.write, now.get().revision());
                }
            } catch (ClusterStore.ConflictException e) {
                throw new ApiException(s.name() + " was changed meanwhile: apply again");
            }
        }
        ObjectNode out = Handlers.ok();
        ArrayNode lines = out.putArray("messages");
        for (Step s : steps) {
            String verb = s.write == null ? "unchanged" : s.existing == null ? "created" : "configured";
            String note = s.write == null ? "" : Admissions.of(s.kind).settled(s.write, ctx);
            lines.add(s.name() + " " + verb + note);
        }
        ArrayNode warn = out.putArray("warnings");
        warnings.forEach((field, objects) -> warn.add(field + " is accepted but not acted on by vnet ("
                + String.join(", ", objects) + ")"));
        return out;
    }

    private static <T extends HasMetadata> void validate(Kind<T> kind, HasMetadata o) throws InvalidManifestException {
        kind.validate(kind.cast(o));
    }

    private static <T extends HasMetadata> void deleting(Kind<T> kind, HasMetadata o, AdmissionContext ctx)
            throws ApiException {
        Admissions.of(kind).deleting(kind.cast(o), ctx);
    }

    /** The apply's view for admission plugins. */
    private final class Context implements AdmissionContext {
        final Map<Kind<?>, List<HasMetadata>> planned = new LinkedHashMap<>();

        @Override
        public ClusterStore store() {
            return store;
        }

        @Override
        public ServiceAllocator allocator() {
            return backend.allocator();
        }

        @Override
        public Kinds kinds() {
            return kinds;
        }

        @Override
        public <T extends HasMetadata> List<T> planned(Kind<T> kind) {
            return planned.getOrDefault(kind, List.of()).stream().map(kind::cast).toList();
        }

        @Override
        public List<String> nodeNames() {
            return backend.nodeNames();
        }

        @Override
        public void admitPod(Pod pod) throws ApiException {
            backend.admitPod(pod);
        }

        @Override
        public java.time.Duration settleTimeout() {
            return backend.settleTimeout();
        }

        @Override
        public boolean runsPod(String key) {
            return backend.runsPod(key);
        }
    }
}
