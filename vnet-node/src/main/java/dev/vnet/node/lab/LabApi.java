package dev.vnet.node.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vnet.core.linux.NetNs;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import dev.vnet.node.model.EndpointSlice;
import dev.vnet.node.model.Endpoints;
import dev.vnet.node.model.Manifests;
import dev.vnet.node.model.Service;
import dev.vnet.node.model.Node;
import dev.vnet.node.model.ObjectMeta;
import dev.vnet.node.model.Pod;
import dev.vnet.node.model.Validation;
import dev.vnet.node.store.ClusterStore;
import dev.vnet.node.workload.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The lab's API verbs, as the CLI uses them: ping, status, apply, get, delete, logs, target (where
 * {@code vnet exec} should run) and down. Requests and answers are JSON; resources come back as
 * Kubernetes would print them.
 */
final class LabApi implements Function<JsonNode, ObjectNode> {
    private static final ObjectMapper JSON = Manifests.JSON;
    private static final long WAIT_NANOS = 30_000_000_000L;

    private final Lab lab;
    private final ClusterStore store;

    LabApi(Lab lab) {
        this.lab = lab;
        this.store = lab.store();
    }

    @Override
    public ObjectNode apply(JsonNode req) {
        try {
            return switch (req.path("op").asText()) {
                case "ping" -> ok();
                case "status" -> status();
                case "apply" -> applyManifests(req.path("text").asText(), req.path("source").asText("manifest"));
                case "get" -> get(req);
                case "delete" -> delete(req);
                case "logs" -> logs(req);
                case "target" -> target(req.path("name").asText());
                case "service-dataplane" -> serviceDataplane(req);
                case "conntrack" -> conntrack(req.path("node").asText(""));
                case "proxy-rules" -> proxyRules(req);
                case "dns-log" -> dnsLog(req.path("node").asText(""));
                case "flows" -> flows(req.path("since").asLong(0));
                case "stats" -> new ObservabilityApi(lab).stats(req.path("node").asText(""));
                case "topology" -> new ObservabilityApi(lab).topology();
                case "trace" -> req.hasNonNull("next")
                        ? new TraceApi(lab).traceNext(req.path("source").asText(), req.path("next").asText(),
                                req.path("wait").asInt(30))
                        : new TraceApi(lab).trace(req.path("source").asText(), req.path("target").asText(),
                                req.path("protocol").asText(""));
                case "trace-arm" -> TraceApi.arm(req);
                case "trace-collect" -> TraceApi.collect(req.path("ipId").asInt());
                case "down" -> down();
                default -> error("unknown request \"" + req.path("op").asText() + "\"");
            };
        } catch (LabException | Manifests.InvalidManifestException e) {
            return error(e.getMessage());
        }
    }

    private static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("ok", false).put("error", message);
    }

    private ObjectNode status() {
        ObjectNode out = ok();
        out.put("pid", ProcessHandle.current().pid());
        out.put("startedAt", lab.startedAt().toString());
        out.put("store", lab.store().describe());
        ArrayNode nodes = out.putArray("nodes");
        for (VnetNode n : lab.nodes()) {
            nodes.addObject().put("name", n.config().name()).put("netns", n.config().netns())
                    .put("underlayIP", n.config().underlayIp().toString())
                    .put("podCIDR", n.config().podSubnet().toString())
                    .put("gateway", n.config().gateway().toString())
                    .put("pods", n.pods().size());
        }
        out.put("outside", lab.config().outsideNs());
        return out;
    }

    // ---- apply ----

    private ObjectNode applyManifests(String text, String source) throws Manifests.InvalidManifestException, LabException {
        List<Object> resources = Manifests.parse(text, source);
        List<Pod> pods = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Object r : resources) {
            if (r instanceof Service svc) {
                Validation.validateService(svc);
                svc = svc.withMetadata(svc.metadata().withDefaults("default"));
                if (!names.add("service/" + svc.namespace() + "/" + svc.name())) {
                    throw new LabException(source + ": service " + svc.name() + " is defined twice");
                }
                services.add(svc);
                continue;
            }
            Pod pod = (Pod) r;
            Validation.validatePod(pod);
            pod = pod.withMetadata(pod.metadata().withDefaults("default"));
            if (!names.add("pod/" + pod.name())) {
                throw new LabException(source + ": pod " + pod.name() + " is defined twice");
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
                throw new LabException("service " + svc.name() + " was changed meanwhile: apply again");
            }
        }
        List<String> created = new ArrayList<>();
        for (Pod pod : toCreate) {
            try {
                store.create(Pod.KIND, VnetNode.key(pod), pod);
                created.add(VnetNode.key(pod));
            } catch (ClusterStore.ConflictException e) {
                throw new LabException("pod " + pod.name() + " was created meanwhile: apply again");
            }
        }
        awaitDecided(created);
        for (Pod pod : toCreate) {
            Pod now = store.get(Pod.KIND, VnetNode.key(pod), Pod.class).map(ClusterStore.Versioned::value).orElse(pod);
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
    private List<Service> planServices(List<Service> services, List<String> messages) throws LabException {
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

    private List<Pod> planPods(List<Pod> pods, List<String> messages) throws LabException {
        List<Pod> toCreate = new ArrayList<>();
        Map<String, Integer> load = podsPerNode();
        for (Pod pod : pods) {
            Optional<Pod> existing = findPodByName(pod.name());
            if (existing.isPresent()) {
                Pod have = existing.get();
                if (!have.namespace().equals(pod.namespace())) {
                    throw new LabException("pod name " + pod.name() + " is taken in namespace " + have.namespace()
                            + ": pod names are unique in the lab, since each names a network namespace");
                }
                if (!sameSpec(have, pod)) {
                    throw new LabException("pod " + pod.name() + " already exists with a different spec: pods cannot "
                            + "be changed, delete it first (`vnet delete pod " + pod.name() + "`)");
                }
                messages.add("pod/" + pod.name() + " unchanged");
                continue;
            }
            checkNamespaceName(pod.name());
            String node = schedule(pod, load);
            load.merge(node, 1, Integer::sum);
            toCreate.add(pod.withSpec(pod.spec().withNodeName(node)).withStatus(Pod.Status.pending("scheduled to " + node))
                    .withMetadata(pod.metadata().withServerFields(UUID.randomUUID().toString(),
                            Instant.now().toString(), null)));
        }
        return toCreate;
    }

    private void checkNamespaceName(String name) throws LabException {
        String prefix = lab.config().prefix();
        if (name.equals(lab.config().outsideNs()) || name.startsWith(prefix + "node-")) {
            throw new LabException("pod name " + name + " is reserved for the lab's own namespaces: choose another");
        }
        if (NetNs.exists(name)) {
            throw new LabException("a network namespace named " + name + " already exists on this machine: "
                    + "remove it (`ip netns del " + name + "`) or choose another pod name");
        }
    }

    private static boolean sameSpec(Pod have, Pod want) {
        Pod.Spec a = have.spec();
        Pod.Spec b = want.spec();
        boolean nodeOk = b.nodeName() == null || b.nodeName().equals(a.nodeName());
        return nodeOk && java.util.Objects.equals(a.withNodeName(null), b.withNodeName(null))
                && java.util.Objects.equals(have.metadata().labels(), want.metadata().labels());
    }

    private String schedule(Pod pod, Map<String, Integer> load) throws LabException {
        List<String> nodeNames = lab.nodeNames();
        String wanted = pod.spec().nodeName();
        if (wanted != null) {
            if (!nodeNames.contains(wanted)) {
                throw new LabException("Pod " + pod.name() + ": spec.nodeName: no node named " + wanted
                        + " (nodes: " + String.join(", ", nodeNames) + ")");
            }
            return wanted;
        }
        // A simple spread: the node with the fewest pods, the lowest-numbered on a tie.
        return nodeNames.stream().min(Comparator.comparingInt((String n) -> load.getOrDefault(n, 0))
                .thenComparing(Comparator.naturalOrder())).orElseThrow();
    }

    private Map<String, Integer> podsPerNode() {
        Map<String, Integer> load = new java.util.HashMap<>();
        for (Pod p : store.list(Pod.KIND, Pod.class)) {
            if (p.spec().nodeName() != null) {
                load.merge(p.spec().nodeName(), 1, Integer::sum);
            }
        }
        return load;
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

    private ObjectNode get(JsonNode req) throws LabException {
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
            throw new LabException(kind.plural + " \"" + name + "\" not found");
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
        for (dev.vnet.node.model.SubnetLease l : store.list(dev.vnet.node.model.SubnetLease.KIND,
                dev.vnet.node.model.SubnetLease.class)) {
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

        static Kind of(String word) throws LabException {
            for (Kind k : values()) {
                if (k.words.contains(word.toLowerCase())) {
                    return k;
                }
            }
            throw new LabException("the server doesn't have a resource type \"" + word
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

    private ObjectNode delete(JsonNode req) throws LabException, Manifests.InvalidManifestException {
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
            if (kind == Kind.NODE && !lab.stoppable()) {
                return deleteNodes(req.path("names"));
            }
            if (kind != Kind.POD && kind != Kind.SERVICE) {
                throw new LabException(kind.plural + " are not deleted by hand: "
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
            throw new LabException(String.join("; ", errors));
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
    private ObjectNode deleteNodes(JsonNode names) throws LabException {
        ObjectNode out = ok();
        ArrayNode lines = out.putArray("messages");
        for (JsonNode n : names) {
            String name = n.asText();
            String key = ClusterStore.key("", name);
            if (store.get(Node.KIND, key, Node.class).isEmpty()) {
                throw new LabException("nodes \"" + name + "\" not found");
            }
            boolean live = store.list(dev.vnet.node.model.SubnetLease.KIND, dev.vnet.node.model.SubnetLease.class)
                    .stream().anyMatch(l -> l.spec().node().equals(name));
            if (live) {
                throw new LabException("node " + name + " still holds its subnet lease: stop its process first "
                        + "(a deleted node's subnet may go to another node)");
            }
            for (Pod p : store.list(Pod.KIND, Pod.class)) {
                if (name.equals(p.spec().nodeName())) {
                    store.delete(Pod.KIND, VnetNode.key(p));
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
        while (System.nanoTime() < deadline && lab.nodes().stream().anyMatch(n -> n.pods().containsKey(key))) {
            sleep(20);
        }
    }

    // ---- logs, exec targets, down ----

    private ObjectNode logs(JsonNode req) throws LabException {
        String name = req.path("pod").asText();
        String key = ClusterStore.key(req.path("namespace").asText("default"), name);
        RunningPod pod = runningPod(key).orElseThrow(() -> new LabException(notFound(Pod.KIND, name)
                + " (or not running)"));
        String container = req.path("container").asText("");
        List<Workload> ws = pod.workloads();
        Workload w;
        if (container.isEmpty()) {
            if (ws.size() > 1) {
                throw new LabException("pod " + name + " has several containers: choose one with -c ("
                        + String.join(", ", ws.stream().map(Workload::containerName).toList()) + ")");
            }
            w = ws.get(0);
        } else {
            w = ws.stream().filter(x -> x.containerName().equals(container)).findFirst()
                    .orElseThrow(() -> new LabException("container " + container + " is not valid for pod " + name));
        }
        try {
            return ok().put("text", Files.readString(w.logFile()));
        } catch (IOException e) {
            throw new LabException("cannot read the log of " + name + "/" + w.containerName() + ": " + e.getMessage());
        }
    }

    private Optional<RunningPod> runningPod(String key) {
        return lab.nodes().stream().map(n -> n.pods().get(key)).filter(java.util.Objects::nonNull).findFirst();
    }

    /** Where `vnet exec NAME` runs: a pod's namespace, node/NAME's, or the outside's. */
    private ObjectNode target(String name) throws LabException {
        if (name.equals("outside")) {
            return ok().put("netns", lab.config().outsideNs());
        }
        if (name.startsWith("node/")) {
            String node = name.substring(5);
            return lab.nodes().stream().filter(n -> n.config().name().equals(node)).findFirst()
                    .map(n -> ok().put("netns", n.config().netns()).put("node", n.config().name()))
                    .orElseThrow(() -> new LabException("nodes \"" + node + "\" not found"));
        }
        // Pod names are unique in the lab (each names a network namespace), so any namespace will do.
        String podName = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
        Optional<RunningPod> p = lab.nodes().stream().flatMap(n -> n.pods().values().stream())
                .filter(rp -> rp.pod().name().equals(podName)).findFirst();
        if (p.isEmpty()) {
            Optional<Pod> stored = findPodByName(podName);
            if (stored.isPresent()) {
                throw new LabException("pod " + podName + " is " + stored.get().phase() + ", not running: "
                        + Optional.ofNullable(stored.get().status()).map(Pod.Status::message).orElse(""));
            }
            throw new LabException(notFound(Pod.KIND, podName) + ": targets are pod names, node/NAME or outside");
        }
        String node = lab.nodes().stream().filter(n -> n.pods().containsValue(p.get())).map(n -> n.config().name())
                .findFirst().orElse("");
        return ok().put("netns", p.get().sandbox().spec().netns()).put("node", node);
    }

    // ---- the Service data plane ----

    private ObjectNode serviceDataplane(JsonNode req) throws LabException {
        String prefix = req.path("namespace").asText("default") + "/" + req.path("name").asText();
        ObjectNode out = ok().put("proxyMode", lab.config().proxyMode());
        dev.vnet.node.proxy.ServiceSync sync = lab.serviceSync(0);
        for (dev.vnet.nat.service.ServicePort p : sync.ports()) {
            if (p.name().equals(prefix) || p.name().startsWith(prefix + ":")) {
                out.put("algorithm", p.balancer().name());
                if (p.loadBalancerIp() != 0) {
                    List<String> nodes = dev.vnet.node.proxy.ServiceSync.lbCandidates(store);
                    out.put("lbNode", dev.vnet.node.proxy.ServiceSync.lbHolder(
                            dev.vnet.core.addr.Ipv4Address.toString(p.loadBalancerIp()), nodes));
                }
            }
        }
        long connections = 0;
        for (VnetNode n : lab.nodes()) {
            for (dev.vnet.nat.conntrack.ConnEntry e : n.proxy().conntrack().snapshot()) {
                if (e.label() != null && (e.label().startsWith(prefix + " ") || e.label().startsWith(prefix + ":"))) {
                    connections++;
                }
            }
        }
        return out.put("connections", connections);
    }

    private ObjectNode conntrack(String node) throws LabException {
        ObjectNode out = ok();
        ArrayNode entries = out.putArray("entries");
        long now = System.nanoTime();
        boolean found = node.isEmpty();
        for (VnetNode n : lab.nodes()) {
            if (!node.isEmpty() && !n.config().name().equals(node)) {
                continue;
            }
            found = true;
            for (dev.vnet.nat.conntrack.ConnEntry e : n.proxy().conntrack().snapshot()) {
                long left = Math.max(0, (e.expiresAtNanos() - now) / 1_000_000_000L);
                if (left == 0) {
                    continue;
                }
                String ip = dev.vnet.core.addr.Ipv4Address.toString(0);
                entries.addObject().put("node", n.config().name())
                        .put("protocol", e.protocol() == 6 ? "tcp" : e.protocol() == 17 ? "udp" : "icmp")
                        .put("state", e.protocol() == 6 ? e.tcpState().name() : e.replied() ? "REPLIED" : "UNREPLIED")
                        .put("timeout", left)
                        .put("original", tuple(e.origSrcIp(), e.origSrcPort(), e.origDstIp(), e.origDstPort()))
                        .put("reply", tuple(e.replySrcIp(), e.replySrcPort(), e.replyDstIp(), e.replyDstPort()))
                        .put("dnat", e.dnat()).put("snat", e.snat())
                        .put("label", e.label() == null ? ip : e.label());
            }
        }
        if (!found) {
            throw new LabException("nodes \"" + node + "\" not found");
        }
        return out;
    }

    private static String tuple(int src, int sport, int dst, int dport) {
        return "src=" + dev.vnet.core.addr.Ipv4Address.toString(src) + " dst=" + dev.vnet.core.addr.Ipv4Address.toString(dst)
                + " sport=" + sport + " dport=" + dport;
    }

    private ObjectNode proxyRules(JsonNode req) throws LabException {
        String service = req.path("service").asText("");
        String node = req.path("node").asText("node-1");
        int index = -1;
        for (int i = 0; i < lab.nodes().size(); i++) {
            if (lab.nodes().get(i).config().name().equals(node)) {
                index = i;
            }
        }
        if (index < 0) {
            throw new LabException("nodes \"" + node + "\" not found");
        }
        String only = null;
        if (!service.isEmpty()) {
            only = service.contains("/") ? service : req.path("namespace").asText("default") + "/" + service;
            String key = only;
            if (store.get(Service.KIND, key, Service.class).isEmpty()) {
                throw new LabException("services \"" + service + "\" not found");
            }
        }
        return ok().put("text", dev.vnet.nat.service.ProxyRules.render(lab.serviceSync(index).ports(), only))
                .put("proxyMode", lab.config().proxyMode());
    }

    private ObjectNode dnsLog(String node) {
        ObjectNode out = ok();
        ArrayNode entries = out.putArray("entries");
        for (dev.vnet.node.dns.DnsLog.Entry e : lab.dnsLog().recent()) {
            if (node.isEmpty() || node.equals(e.node())) {
                ObjectNode o = entries.addObject().put("at", e.at().toString()).put("node", e.node())
                        .put("client", e.client()).put("transport", e.transport()).put("name", e.name())
                        .put("type", e.type()).put("rcode", e.rcode());
                ArrayNode answers = o.putArray("answers");
                e.answers().forEach(answers::add);
            }
        }
        ObjectNode counts = out.putObject("queriesByType");
        lab.dnsLog().queriesByType().forEach(counts::put);
        ObjectNode rcodes = out.putObject("responsesByRcode");
        lab.dnsLog().responsesByRcode().forEach(rcodes::put);
        out.put("malformed", lab.dnsLog().malformedCount());
        return out;
    }

    private ObjectNode flows(long since) {
        ObjectNode out = ok();
        ArrayNode events = out.putArray("events");
        for (dev.vnet.node.router.FlowLog.Event e : lab.flowLog().since(since)) {
            events.addObject().put("seq", e.seq()).put("at", e.at().toString()).put("node", e.node())
                    .put("protocol", e.protocol()).put("src", e.src()).put("dst", e.dst())
                    .put("verdict", e.verdict()).put("detail", e.detail());
        }
        return out;
    }

    private ObjectNode down() {
        if (!lab.stoppable()) {
            return error("this is a node of a cluster, not a lab: stop the lab with `vnet down` where it was started");
        }
        Thread t = new Thread(() -> {
            sleep(100); // let the answer reach the client first
            lab.close();
        }, "lab-down");
        t.start();
        return ok();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
