package dev.vnet.apiserver.server;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vnet.apiserver.api.EndpointSlice;
import dev.vnet.apiserver.api.Endpoints;
import dev.vnet.apiserver.api.Manifests;
import dev.vnet.apiserver.api.Service;
import dev.vnet.apiserver.api.Node;
import dev.vnet.apiserver.api.ObjectMeta;
import dev.vnet.apiserver.api.Pod;
import dev.vnet.apiserver.api.Validation;
import dev.vnet.apiserver.controller.Scheduler;
import dev.vnet.apiserver.store.ClusterStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The API server's resource verbs: apply (validate, admit, store), get and delete, for the kinds the API serves.
 * Requests and answers are JSON; resources come back as Kubernetes would print them.
 */
public final class ResourceApi {
    private static final ObjectMapper JSON = Manifests.JSON;
    private static final long WAIT_NANOS = 30_000_000_000L;

    private final ApiBackend lab;
    private final ClusterStore store;

    private ResourceApi(ApiBackend backend) {
        this.lab = backend;
        this.store = backend.store();
    }

    /** Registers apply, get, delete and ping. */
    public static void register(Handlers handlers, ApiBackend backend) {
        ResourceApi api = new ResourceApi(backend);
        handlers.add("ping", req -> ok())
                .add("apply", req -> api.applyManifests(req.path("text").asText(), req.path("source").asText("manifest")))
                .add("get", api::get)
                .add("delete", api::delete);
    }

    private static ObjectNode ok() {
        return Handlers.ok();
    }

    // ---- apply ----

    private ObjectNode applyManifests(String text, String source) throws Manifests.InvalidManifestException, ApiException {
        List<Object> resources = Manifests.parse(text, source);
        List<Pod> pods = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Object r : resources) {
            if (r instanceof Service svc) {
                Validation.validateService(svc);
                svc = svc.withMetadata(svc.metadata().withDefaults("default"));
                if (!names.add("service/" + svc.namespace() + "/" + svc.name())) {
                    throw new ApiException(source + ": service " + svc.name() + " is defined twice");
                }
                services.add(svc);
                continue;
            }
            Pod pod = (Pod) r;
            Validation.validatePod(pod);
            pod = pod.withMetadata(pod.metadata().withDefaults("default"));
            if (!names.add("pod/" + pod.name())) {
                throw new ApiException(source + ": pod " + pod.name() + " is defined twice");
            }
            pods.add(pod);
        }
        // Check and allocate everything before storing anything, so a bad file changes nothing.
        List<String> messages = new ArrayList<>();
        List<Service> serviceWrites = planServices(services, messages);
        List<Pod> toCreate = planPods(pods, messages);
        for (Service svc : serviceWrites) {
            String key = ClusterStore.key(svc.namespace(), svc.name());
            Optional<ClusterStore.Versioned<Service>> have = store.get(Service.KIND, key, Service.class);
            try {
                if (have.isEmpty()) {
                    store.create(Service.KIND, key, svc);
                } else {
                    store.update(Service.KIND, key, svc, have.get().revision());
                }
            } catch (ClusterStore.ConflictException e) {
                throw new ApiException("service " + svc.name() + " was changed meanwhile: apply again");
            }
        }
        List<String> created = new ArrayList<>();
        for (Pod pod : toCreate) {
            try {
                store.create(Pod.KIND, ClusterStore.key(pod.namespace(), pod.name()), pod);
                created.add(ClusterStore.key(pod.namespace(), pod.name()));
            } catch (ClusterStore.ConflictException e) {
                throw new ApiException("pod " + pod.name() + " was created meanwhile: apply again");
            }
        }
        awaitDecided(created);
        for (Pod pod : toCreate) {
            Pod now = store.get(Pod.KIND, ClusterStore.key(pod.namespace(), pod.name()), Pod.class).map(ClusterStore.Versioned::value).orElse(pod);
            String line = "pod/" + pod.name() + " created";
            if ("Failed".equals(now.phase())) {
                line += " but failed to start: " + now.status().message();
            }
            messages.add(line);
        }
        ObjectNode out = ok();
        ArrayNode lines = out.putArray("messages");
        messages.forEach(lines::add);
        return out;
    }

    /** Allocates each Service's IPs and ports against the others; returns those that change. */
    private List<Service> planServices(List<Service> services, List<String> messages) throws ApiException {
        List<Service> writes = new ArrayList<>();
        List<Service> others = new ArrayList<>(store.list(Service.KIND, Service.class));
        for (Service want : services) {
            String key = ClusterStore.key(want.namespace(), want.name());
            Service existing = store.get(Service.KIND, key, Service.class).map(ClusterStore.Versioned::value).orElse(null);
            others.removeIf(o -> o.namespace().equals(want.namespace()) && o.name().equals(want.name()));
            Service filled = lab.allocator().allocate(want, existing, others);
            if (existing != null) {
                filled = filled.withMetadata(filled.metadata().withServerFields(existing.metadata().uid(),
                        existing.metadata().creationTimestamp(), null));
                if (filled.equals(existing)) {
                    messages.add("service/" + want.name() + " unchanged");
                    others.add(existing);
                    continue;
                }
                messages.add("service/" + want.name() + " configured");
            } else {
                filled = filled.withMetadata(filled.metadata().withServerFields(UUID.randomUUID().toString(),
                        Instant.now().toString(), null));
                messages.add("service/" + want.name() + " created");
            }
            others.add(filled);
            writes.add(filled);
        }
        return writes;
    }

    private List<Pod> planPods(List<Pod> pods, List<String> messages) throws ApiException {
        List<Pod> toCreate = new ArrayList<>();
        Map<String, Integer> load = Scheduler.podsPerNode(store);
        for (Pod pod : pods) {
            Optional<Pod> existing = findPodByName(pod.name());
            if (existing.isPresent()) {
                Pod have = existing.get();
                if (!have.namespace().equals(pod.namespace())) {
                    throw new ApiException("pod name " + pod.name() + " is taken in namespace " + have.namespace()
                            + ": pod names are unique in the lab, since each names a network namespace");
                }
                if (!sameSpec(have, pod)) {
                    throw new ApiException("pod " + pod.name() + " already exists with a different spec: pods cannot "
                            + "be changed, delete it first (`vnet delete pod " + pod.name() + "`)");
                }
                messages.add("pod/" + pod.name() + " unchanged");
                continue;
            }
            lab.admitPod(pod);
            String node = Scheduler.schedule(pod, lab.nodeNames(), load);
            load.merge(node, 1, Integer::sum);
            toCreate.add(pod.withSpec(pod.spec().withNodeName(node)).withStatus(Pod.Status.pending("scheduled to " + node))
                    .withMetadata(pod.metadata().withServerFields(UUID.randomUUID().toString(),
                            Instant.now().toString(), null)));
        }
        return toCreate;
    }

    private static boolean sameSpec(Pod have, Pod want) {
        Pod.Spec a = have.spec();
        Pod.Spec b = want.spec();
        boolean nodeOk = b.nodeName() == null || b.nodeName().equals(a.nodeName());
        return nodeOk && java.util.Objects.equals(a.withNodeName(null), b.withNodeName(null))
                && java.util.Objects.equals(have.metadata().labels(), want.metadata().labels());
    }

    /** Waits until each pod has left Pending, so `apply` then `exec` works in a script. */
    private void awaitDecided(List<String> keys) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        for (String key : keys) {
            while (System.nanoTime() < deadline) {
                Optional<ClusterStore.Versioned<Pod>> p = store.get(Pod.KIND, key, Pod.class);
                if (p.isEmpty() || !"Pending".equals(p.get().value().phase())) {
                    break;
                }
                sleep(20);
            }
        }
    }

    private Optional<Pod> findPodByName(String name) {
        return store.list(Pod.KIND, Pod.class).stream().filter(p -> p.name().equals(name)).findFirst();
    }

    // ---- get ----

    private ObjectNode get(JsonNode req) throws ApiException {
        Kind kind = Kind.of(req.path("kind").asText());
        String name = req.path("name").asText("");
        String namespace = req.path("namespace").asText("default");
        boolean all = req.path("allNamespaces").asBoolean(false) || !kind.namespaced;
        List<Object> items = new ArrayList<>();
        for (Object item : store.list(kind.kind, kind.type)) {
            ObjectMeta m = metaOf(item);
            if ((all || namespace.equals(m.namespace())) && (name.isEmpty() || name.equals(m.name()))) {
                items.add(item);
            }
        }
        if (!name.isEmpty() && items.isEmpty()) {
            throw new ApiException(kind.plural + " \"" + name + "\" not found");
        }
        ObjectNode out = ok();
        ObjectNode list = out.putObject("list");
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        ArrayNode arr = list.putArray("items");
        for (Object item : items) {
            arr.add(JSON.valueToTree(item));
        }
        if (kind == Kind.NODE) {
            leases(out.putObject("leases"));
        }
        return out;
    }

    /** Each node's subnet lease and what is left of its TTL, for `get nodes -o wide`. */
    private void leases(ObjectNode out) {
        for (dev.vnet.apiserver.api.SubnetLease l : store.list(dev.vnet.apiserver.api.SubnetLease.KIND,
                dev.vnet.apiserver.api.SubnetLease.class)) {
            ObjectNode o = out.putObject(l.spec().node()).put("subnet", l.spec().podCIDR())
                    .put("ttlSeconds", l.spec().ttlSeconds());
            store.timeToLive(l.spec().leaseId()).ifPresent(left -> o.put("remainingSeconds", left.toSeconds()));
        }
    }

    /** The resource kinds the API serves, with kubectl's names and short names. */
    enum Kind {
        POD(Pod.KIND, Pod.class, "pods", true, "pod", "pods", "po"),
        NODE(Node.KIND, Node.class, "nodes", false, "node", "nodes", "no"),
        SERVICE(Service.KIND, Service.class, "services", true, "service", "services", "svc"),
        ENDPOINTS(Endpoints.KIND, Endpoints.class, "endpoints", true, "endpoints", "ep"),
        ENDPOINT_SLICE(EndpointSlice.KIND, EndpointSlice.class, "endpointslices.discovery.k8s.io", true,
                "endpointslice", "endpointslices");

        final String kind;
        final Class<?> type;
        final String plural;
        final boolean namespaced;
        final List<String> words;

        Kind(String kind, Class<?> type, String plural, boolean namespaced, String... words) {
            this.kind = kind;
            this.type = type;
            this.plural = plural;
            this.namespaced = namespaced;
            this.words = List.of(words);
        }

        static Kind of(String word) throws ApiException {
            for (Kind k : values()) {
                if (k.words.contains(word.toLowerCase())) {
                    return k;
                }
            }
            throw new ApiException("the server doesn't have a resource type \"" + word
                    + "\": vnet knows pods, nodes, services, endpoints and endpointslices");
        }
    }

    static ObjectMeta metaOf(Object item) {
        if (item instanceof Pod p) {
            return p.metadata();
        } else if (item instanceof Node n) {
            return n.metadata();
        } else if (item instanceof Service s) {
            return s.metadata();
        } else if (item instanceof Endpoints e) {
            return e.metadata();
        }
        return ((EndpointSlice) item).metadata();
    }

    private static String notFound(String kind, String name) {
        return (kind.equals(Pod.KIND) ? "pods" : "nodes") + " \"" + name + "\" not found";
    }

    // ---- delete ----

    private ObjectNode delete(JsonNode req) throws ApiException, Manifests.InvalidManifestException {
        List<String[]> targets = new ArrayList<>(); // {kind, name}
        String namespace = req.path("namespace").asText("default");
        if (req.hasNonNull("text")) {
            for (Object r : Manifests.parse(req.path("text").asText(), req.path("source").asText("manifest"))) {
                ObjectMeta m = metaOf(r);
                targets.add(new String[] {r instanceof Service ? Service.KIND : Pod.KIND, m.name(),
                        m.namespace() == null ? namespace : m.namespace()});
            }
        } else {
            Kind kind = Kind.of(req.path("kind").asText());
            if (kind == Kind.NODE && lab.nodesDeletable()) {
                return deleteNodes(req.path("names"));
            }
            if (kind != Kind.POD && kind != Kind.SERVICE) {
                throw new ApiException(kind.plural + " are not deleted by hand: "
                        + (kind == Kind.NODE ? "the lab's nodes come from `vnet up --nodes N`"
                        : "they follow their Service and its pods"));
            }
            req.path("names").forEach(n -> targets.add(new String[] {kind.kind, n.asText(), namespace}));
        }
        boolean ignoreMissing = req.path("ignoreNotFound").asBoolean(false) || req.hasNonNull("text");
        List<String> messages = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String[] t : targets) {
            String key = ClusterStore.key(t[2], t[1]);
            String word = t[0].equals(Service.KIND) ? "service" : "pod";
            if (!store.delete(t[0], key)) {
                if (!ignoreMissing) {
                    errors.add((word.equals("pod") ? "pods" : "services") + " \"" + t[1] + "\" not found");
                }
                continue;
            }
            if (word.equals("pod")) {
                awaitGone(key);
            }
            messages.add(word + " \"" + t[1] + "\" deleted");
        }
        if (!errors.isEmpty() && messages.isEmpty()) {
            throw new ApiException(String.join("; ", errors));
        }
        ObjectNode out = ok();
        ArrayNode lines = out.putArray("messages");
        messages.forEach(lines::add);
        ArrayNode errs = out.putArray("errors");
        errors.forEach(errs::add);
        return out;
    }

    /**
     * An operator removing dead nodes from a cluster: the Node (which frees its pod subnet for a new node) and
     * the pods bound to it. A node that still holds its subnet lease is alive and is refused.
     */
    private ObjectNode deleteNodes(JsonNode names) throws ApiException {
        ObjectNode out = ok();
        ArrayNode lines = out.putArray("messages");
        for (JsonNode n : names) {
            String name = n.asText();
            String key = ClusterStore.key("", name);
            if (store.get(Node.KIND, key, Node.class).isEmpty()) {
                throw new ApiException("nodes \"" + name + "\" not found");
            }
            boolean live = store.list(dev.vnet.apiserver.api.SubnetLease.KIND, dev.vnet.apiserver.api.SubnetLease.class)
                    .stream().anyMatch(l -> l.spec().node().equals(name));
            if (live) {
                throw new ApiException("node " + name + " still holds its subnet lease: stop its process first "
                        + "(a deleted node's subnet may go to another node)");
            }
            for (Pod p : store.list(Pod.KIND, Pod.class)) {
                if (name.equals(p.spec().nodeName())) {
                    store.delete(Pod.KIND, ClusterStore.key(p.namespace(), p.name()));
                    lines.add("pod \"" + p.name() + "\" deleted (it was bound to " + name + ")");
                }
            }
            store.delete(Node.KIND, key);
            lines.add("node \"" + name + "\" deleted");
        }
        out.putArray("errors");
        return out;
    }

    private void awaitGone(String key) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (System.nanoTime() < deadline && lab.runsPod(key)) {
            sleep(20);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
