package dev.vnet.apiserver.client;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.Stores;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CLI's way into a cluster of node processes ({@code --store etcd://…}): it finds the nodes in the store and
 * sends each request where its {@link Operation.Route} says, with the cluster token. Cluster-wide requests go to
 * a live node that answers — the first in name order, else the next: a node that holds its lease but whose API
 * is down or hung never takes the CLI down; node-local ones go to the node they name (or the pod's node), and
 * those about every node are asked of each live node and merged.
 */
public final class ClusterClient extends ApiClient implements AutoCloseable {
    /** How long a node may take to answer a ping before the next one is tried. */
    private static final int PING_MILLIS = 2000;

    private final ClusterStore store;
    private final String token;
    /** Where a member's API is: https://ADDRESS:PORT. */
    private final java.util.function.Function<Member, java.net.URI> apiOf;
    /** The node that answered last: asked first next time. */
    private String lastGood;

    public ClusterClient(String storeAddress, String token, int apiPort) {
        this(Stores.open(storeAddress), token, apiPort);
    }

    ClusterClient(ClusterStore store, String token, int apiPort) {
        this(store, token, m -> java.net.URI.create("https://" + m.address() + ":" + apiPort));
    }

    /** With each member's API where {@code apiOf} says (tests: several nodes on ports of 127.0.0.1). */
    ClusterClient(ClusterStore store, String token, java.util.function.Function<Member, java.net.URI> apiOf) {
        this.store = store;
        this.token = token;
        this.apiOf = apiOf;
    }

    /** A node of the cluster, with whether it holds its subnet lease now. */
    record Member(String name, String address, boolean live) {}

    List<Member> members() {
        Set<String> leased = new HashSet<>();
        for (SubnetLease l : store.list(SubnetLeaseKind.KIND)) {
            leased.add(l.spec().node());
        }
        List<Member> out = new ArrayList<>();
        for (Node n : store.list(NodeKind.KIND)) {
            String ip = NodeKind.internalIp(n);
            if (ip != null) {
                out.add(new Member(NodeKind.name(n), ip, leased.contains(NodeKind.name(n))));
            }
        }
        out.sort(java.util.Comparator.comparing(Member::name));
        return out;
    }

    /** Each member's client, made once: each holds its own connections. */
    private final Map<String, ApiClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
    private String caPem;

    /** The client of one member's API: HTTPS to its underlay address, trusting the cluster's CA. */
    ApiClient clientOf(Member m) throws ApiException {
        String key = m.name() + "@" + m.address();
        ApiClient c = clients.get(key);
        if (c == null) {
            c = ApiClient.https(apiOf.apply(m), ca(), token);
            clients.put(key, c);
        }
        return c;
    }

    private synchronized String ca() throws ApiException {
        if (caPem == null) {
            caPem = dev.vnet.apiserver.rest.KubeCredentials.caPemIn(store).orElseThrow(() -> new ApiException(
                    "the cluster has no API CA yet (Secret kube-system/" + dev.vnet.apiserver.rest.KubeCredentials
                            .CA_SECRET + "): is a node process running?"));
        }
        return caPem;
    }

    /**
     * A kubeconfig for this cluster as seen from this machine: the first live node's API (its underlay address),
     * the cluster's CA, and the token. kubectl has one server per cluster entry; `vnet` itself fails over.
     */
    public String kubeconfig() throws ApiException {
        Member first = liveInOrder().get(0);
        return dev.vnet.apiserver.rest.Kubeconfig.text(apiOf.apply(first).toString(), ca(), token);
    }

    /** A Kubernetes REST request, to a live node that answers (the next one if it does not). */
    @Override
    public JsonNode rest(String method, String path, JsonNode body) throws ApiException {
        List<String> down = new ArrayList<>();
        for (Member m : liveInOrder()) {
            ApiClient c = clientOf(m);
            if (!c.answers(PING_MILLIS)) {
                down.add(m.name()); // holds its lease but hangs: never wait for it
                continue;
            }
            try {
                JsonNode reply = c.rest(method, path, body);
                lastGood = m.name();
                return reply;
            } catch (UnreachableException e) {
                down.add(m.name());
            }
        }
        throw new ApiException("no node of the cluster answers (" + String.join(", ", down)
                + " hold a lease but their APIs do not answer): are the node processes running?");
    }

    /** A watch on the first live node that answers; it ends when that node's stream does. */
    @Override
    public void watch(dev.vnet.apiserver.api.Kind<?> kind, Runnable opened, java.util.function.Consumer<JsonNode> event)
            throws ApiException {
        for (Member m : liveInOrder()) {
            ApiClient c = clientOf(m);
            if (c.answers(PING_MILLIS)) {
                c.watch(kind, opened, event);
                return;
            }
        }
        throw new ApiException("no node of the cluster answers a watch: are the node processes running?");
    }

    private Member named(String node) throws ApiException {
        return members().stream().filter(m -> m.name().equals(node)).findFirst()
                .orElseThrow(() -> new ApiException("nodes \"" + node + "\" not found"));
    }

    /** The live members, the one that answered last first, then in name order. */
    private List<Member> liveInOrder() throws ApiException {
        List<Member> live = new ArrayList<>(members().stream().filter(Member::live).toList());
        if (live.isEmpty()) {
            throw new ApiException("no node of the cluster holds a lease (are the node processes running?)");
        }
        live.sort(java.util.Comparator.comparing((Member m) -> !m.name().equals(lastGood)));
        return live;
    }

    /**
     * Sends a cluster-wide request to one live node that answers: a node whose API refuses, is unreachable or
     * hangs is skipped for the next. Only a node that could not have acted on the request is skipped.
     */
    private JsonNode anyLive(JsonNode req) throws ApiException {
        List<String> down = new ArrayList<>();
        for (Member m : liveInOrder()) {
            ApiClient c = clientOf(m);
            if (!c.answers(PING_MILLIS)) {
                down.add(m.name());
                continue;
            }
            try {
                JsonNode reply = c.call(req);
                lastGood = m.name();
                return reply;
            } catch (UnreachableException e) {
                down.add(m.name()); // it went away between the ping and the request: nothing was sent
            }
        }
        throw new ApiException("no node of the cluster answers (" + String.join(", ", down)
                + " hold a lease but their APIs do not answer): are the node processes running?");
    }

    /** The node of the pod a request names: NAMESPACE/NAME, or NAME in the request's namespace. */
    private Member nodeOfPod(String ref, String namespace) throws ApiException {
        String key = PodKind.refKey(ref, namespace);
        Optional<Pod> p = store.get(PodKind.KIND, key).map(ClusterStore.Versioned::value);
        if (p.isEmpty() || PodKind.nodeName(p.get()) == null) {
            throw new ApiException("pods \"" + key.substring(key.indexOf('/') + 1) + "\" not found");
        }
        return named(PodKind.nodeName(p.get()));
    }

    private static String namespaceOf(JsonNode req) {
        return req.path("namespace").asString("");
    }

    @Override
    public boolean labRunning() {
        try {
            return members().stream().anyMatch(Member::live);
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public JsonNode call(JsonNode request) throws ApiException {
        try {
            return route(request);
        } catch (ClusterStore.UnavailableException | ApiException e) {
            String name = request.path("name").asString("");
            if (Operation.TARGET.wire().equals(request.path("op").asString("")) && !name.startsWith("node/")
                    && !name.equals("outside") && !name.isEmpty()) {
                // Store or node down: a pod's network namespace is named after the pod, so `vnet exec` still works
                // for the pods of this machine (forwarding goes on without the control plane, and so does debugging).
                String key = PodKind.refKey(name, namespaceOf(request));
                String netns = PodKind.netnsName(key.substring(0, key.indexOf('/')), key.substring(key.indexOf('/') + 1));
                return Json.object().put("ok", true).put("netns", netns)
                        .put("node", "a node that does not answer (" + e.getMessage() + ")");
            }
            throw e instanceof ApiException le ? le : new ApiException(e.getMessage());
        }
    }

    private JsonNode route(JsonNode req) throws ApiException {
        Operation op = Operation.of(req.path("op").asString(""));
        if (op == null) {
            return anyLive(req); // let a node say it does not know it
        }
        String node = req.path("node").asString("");
        switch (op.route()) {
            case LAB_ONLY:
                throw new ApiException("this is a cluster of node processes: stop the local one with `vnet down` "
                        + "where it was started, or the VMs with `vagrant halt`");
            case BETWEEN_NODES:
                throw new ApiException(op.wire() + " is sent by one node to another, not by a client");
            case POD_NODE:
                return clientOf(node.isEmpty() ? nodeOfPod(req.path(op.target()).asString(""), namespaceOf(req))
                        : named(node)).call(req);
            case EXEC_TARGET: {
                String name = req.path(op.target()).asString("");
                if (name.startsWith("node/")) {
                    return clientOf(named(name.substring(5))).call(req);
                }
                return name.equals("outside") ? anyLive(req) : clientOf(nodeOfPod(name, namespaceOf(req))).call(req);
            }
            case EVERY_NODE_IN_ORDER:
                return flows(req);
            case ONE_NODE:
                return node.isEmpty() ? anyLive(req) : clientOf(named(node)).call(req);
            case EVERY_NODE:
                return node.isEmpty() ? everyNode(op, req) : clientOf(named(node)).call(req);
            case ANY_NODE:
            default:
                return anyLive(req);
        }
    }

    private JsonNode everyNode(Operation op, JsonNode req) throws ApiException {
        ObjectNode merged = null;
        List<String> unreachable = new ArrayList<>();
        for (Member m : members()) {
            if (!m.live()) {
                continue;
            }
            JsonNode one;
            try {
                one = clientOf(m).call(req, 30_000);
            } catch (ApiException e) {
                unreachable.add(m.name());
                continue;
            }
            merged = merged == null ? (ObjectNode) one.deepCopy() : merge(merged, one);
        }
        if (merged == null) {
            throw new ApiException("no node answered (" + String.join(", ", unreachable) + "): are they running?");
        }
        if (op == Operation.STATUS) {
            merged.put("store", store.describe());
        }
        return merged;
    }

    /** The last flow sequence number seen from each node, and the numbers this client gave out. */
    private final Map<String, Long> flowSeen = new HashMap<>();
    private long flowSeq;

    /**
     * Flow events of every live node. Each node numbers its own events, so this client keeps where it is in
     * each node's log and numbers what it hands out itself: `vnet flows -f` then asks for "since N" as with a
     * one-process lab, and gets each event once.
     */
    private JsonNode flows(JsonNode req) throws ApiException {
        String only = req.path("node").asString("");
        ObjectNode out = Json.object().put("ok", true);
        ArrayNode events = out.putArray("events");
        List<ObjectNode> all = new ArrayList<>();
        for (Member m : members()) {
            if (!m.live() || (!only.isEmpty() && !only.equals(m.name()))) {
                continue;
            }
            long since = req.path("since").asLong(0) == 0 ? 0 : flowSeen.getOrDefault(m.name(), 0L);
            JsonNode theirs;
            try {
                theirs = clientOf(m).call(Operation.FLOWS.request().put("since", since), 30_000);
            } catch (ApiException e) {
                continue;
            }
            for (JsonNode e : theirs.path("events")) {
                flowSeen.merge(m.name(), e.path("seq").asLong(0), Math::max);
                all.add((ObjectNode) e.deepCopy());
            }
        }
        all.sort(java.util.Comparator.comparing((ObjectNode e) -> e.path("at").asString(""))); // interleave by time
        all.forEach(e -> events.add(e.put("seq", ++flowSeq)));
        return out;
    }

    /** Joins per-node answers: lists are concatenated, counts added, anything else kept from the first. */
    static ObjectNode merge(ObjectNode into, JsonNode more) {
        Iterator<Map.Entry<String, JsonNode>> fields = more.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode have = into.get(f.getKey());
            JsonNode add = f.getValue();
            if (have == null) {
                into.set(f.getKey(), add.deepCopy());
            } else if (have.isArray() && add.isArray()) {
                ((ArrayNode) have).addAll((ArrayNode) add.deepCopy());
            } else if (have.isObject() && add.isObject()) {
                merge((ObjectNode) have, add);
            } else if (have.isIntegralNumber() && add.isIntegralNumber() && !f.getKey().equals("pid")) {
                into.put(f.getKey(), have.asLong() + add.asLong());
            }
        }
        return into;
    }

    @Override
    public void stream(JsonNode request, OutputStream sink) throws ApiException {
        String pod = request.path("pod").asString("");
        String node = request.path("node").asString("");
        if (pod.isEmpty() && node.isEmpty() && members().stream().filter(Member::live).count() > 1) {
            // One capture stream comes from one node process: say which, rather than pick one silently.
            throw new ApiException("in a cluster of node processes a capture runs on one node: add --node NAME "
                    + "(or capture a pod, on its node)");
        }
        Member m = !pod.isEmpty() ? nodeOfPod(pod, namespaceOf(request)) : !node.isEmpty() ? named(node)
                : liveInOrder().get(0);
        clientOf(m).stream(request, sink);
    }

    /** A pipe (a port-forward) to the node that runs the request's pod, or to the node it names. */
    @Override
    public WebSocketPipe pipe(JsonNode request) throws ApiException {
        String node = request.path("node").asString("");
        Member m = node.isEmpty() ? nodeOfPod(request.path(Operation.PORT_FORWARD.target()).asString(""),
                namespaceOf(request)) : named(node);
        return clientOf(m).pipe(request);
    }

    @Override
    public void close() {
        store.close();
    }
}
