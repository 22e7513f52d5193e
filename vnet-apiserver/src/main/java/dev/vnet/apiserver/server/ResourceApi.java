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
 * The API server's resource verbs for every kind of the registry: {@code apply} (strict parse, validation,
 * admission, then the writes), {@code get} and {@code delete}. Nothing here knows a kind by name but the few
 * answers the store alone can give (a subnet lease's time left) and the operator's removal of a dead node.
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

    /** Registers apply, get, delete and ping for the built-in kinds. */
    public static void register(Handlers handlers, ApiBackend backend) {
        register(handlers, backend, Kinds.builtIn());
    }

    /** Registers apply, get, delete and ping for the kinds of {@code kinds}. */
    public static void register(Handlers handlers, ApiBackend backend, Kinds kinds) {
        ResourceApi api = new ResourceApi(backend, kinds);
        handlers.add(Operation.PING, req -> Handlers.ok())
                .add(Operation.APPLY, req -> api.apply(req.path("text").asString(""), req.path("source").asString("manifest")))
                .add(Operation.GET, api::get)
                .add(Operation.DELETE, api::delete);
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

    // ---- get ----

    private ObjectNode get(JsonNode req) throws ApiException {
        Kind<?> kind = kinds.named(req.path("kind").asString(""));
        String name = req.path("name").asString("");
        String namespace = req.path("namespace").asString("default");
        boolean all = req.path("allNamespaces").asBoolean(false) || !kind.namespaced();
        List<HasMetadata> items = new ArrayList<>();
        for (HasMetadata item : store.list(kind.kind(), kind.type())) {
            if ((all || namespace.equals(item.getMetadata().getNamespace()))
                    && (name.isEmpty() || name.equals(item.getMetadata().getName()))) {
                items.add(item);
            }
        }
        if (!name.isEmpty() && items.isEmpty()) {
            throw new ApiException(kind.resource() + " \"" + name + "\" not found");
        }
        ObjectNode out = Handlers.ok().put("kind", kind.kind());
        ObjectNode list = out.putObject("list");
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        ArrayNode arr = list.putArray("items");
        for (HasMetadata item : items) {
            if (item instanceof SubnetLease lease) {
                // The store alone knows how long a lease has left: say it on the copy returned, never stored.
                store.timeToLive(lease.spec().leaseId()).ifPresent(left -> lease.getMetadata().getAnnotations()
                        .put(SubnetLeaseKind.REMAINING_ANNOTATION, Long.toString(left.toSeconds())));
            }
            arr.add(Json.tree(item));
        }
        return out;
    }

    // ---- delete ----

    private ObjectNode delete(JsonNode req) throws ApiException, InvalidManifestException {
        record Target(Kind<?> kind, String name, String namespace) {}
        List<Target> targets = new ArrayList<>();
        String namespace = req.path("namespace").asString("default");
        if (req.hasNonNull("text")) {
            for (Manifests.Document d : Manifests.parse(req.path("text").asString(""),
                    req.path("source").asString("manifest"), kinds)) {
                String ns = d.object().getMetadata().getNamespace();
                targets.add(new Target(d.kind(), d.object().getMetadata().getName(),
                        ns == null || ns.isEmpty() ? namespace : ns));
            }
        } else {
            Kind<?> kind = kinds.named(req.path("kind").asString(""));
            if (kind.equals(NodeKind.KIND) && backend.nodesDeletable()) {
                return deleteNodes(req.path("names"));
            }
            for (JsonNode n : req.path("names")) {
                targets.add(new Target(kind, n.asString(), namespace));
            }
        }
        for (Target t : targets) {
            if (t.kind().managedBy() != null) {
                throw new ApiException(t.kind().plural() + " are not deleted by hand: they are written by "
                        + t.kind().managedBy());
            }
        }
        boolean ignoreMissing = req.path("ignoreNotFound").asBoolean(false) || req.hasNonNull("text");
        List<String> messages = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Context ctx = new Context();
        for (Target t : targets) {
            String key = t.kind().namespaced() ? ClusterStore.key(t.namespace(), t.name()) : ClusterStore.key("", t.name());
            Optional<? extends HasMetadata> have = store.get(t.kind(), key).map(ClusterStore.Versioned::value);
            try {
                if (have.isPresent()) {
                    deleting(t.kind(), have.get(), ctx);
                }
            } catch (ApiException e) {
                errors.add(e.getMessage());
                continue;
            }
            if (have.isEmpty() || !store.delete(t.kind(), key)) {
                if (!ignoreMissing) {
                    errors.add(t.kind().resource() + " \"" + t.name() + "\" not found");
                }
                continue;
            }
            Admissions.of(t.kind()).deleted(key, ctx);
            messages.add(t.kind().singular() + " \"" + t.name() + "\" deleted");
        }
        if (!errors.isEmpty() && messages.isEmpty()) {
            throw new ApiException(String.join("; ", errors));
        }
        ObjectNode out = Handlers.ok();
        ArrayNode lines = out.putArray("messages");
        messages.forEach(lines::add);
        ArrayNode errs = out.putArray("errors");
        errors.forEach(errs::add);
        return out;
    }

    /**
     * An operator removing dead nodes from a cluster: the Node (which frees its pod subnet for a new node) and
     * the pods bound to it, as the pod garbage collector would. A node that still holds its lease is refused.
     */
    private ObjectNode deleteNodes(JsonNode names) throws ApiException {
        ObjectNode out = Handlers.ok();
        ArrayNode lines = out.putArray("messages");
        for (JsonNode n : names) {
            String name = n.asString();
            String key = ClusterStore.key("", name);
            if (store.get(NodeKind.KIND, key).isEmpty()) {
                throw new ApiException("nodes \"" + name + "\" not found");
            }
            if (store.list(SubnetLeaseKind.KIND).stream().anyMatch(l -> l.spec().node().equals(name))) {
                throw new ApiException("node " + name + " still holds its subnet lease: stop its process first "
                        + "(a deleted node's subnet may go to another node)");
            }
            for (Pod p : store.list(PodKind.KIND)) {
                if (name.equals(PodKind.nodeName(p))) {
                    store.delete(PodKind.KIND, PodKind.key(p));
                    lines.add("pod \"" + PodKind.name(p) + "\" deleted (it was bound to " + name + ")");
                }
            }
            store.delete(NodeKind.KIND, key);
            lines.add("node \"" + name + "\" deleted");
        }
        out.putArray("errors");
        return out;
    }
}
