package dev.vnet.apiserver.client;

import dev.vnet.apiserver.server.ApiException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vnet.apiserver.api.Node;
import dev.vnet.apiserver.api.Pod;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.Stores;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The CLI's way into a cluster of node processes ({@code --store etcd://…}): it finds the nodes in the store and
 * sends each request to the node API that can answer it, with the cluster token. Cluster-wide requests (apply,
 * get, delete) go to one live node, which works on the store; node-local ones go to the node they name (or the
 * pod's node), and those about every node are asked of each live node and merged.
 */
public final class ClusterClient extends ApiClient implements AutoCloseable {
    /** Requests whose answer is a per-node view: without a node they are asked of every live node. */
    private static final Set<String> PER_NODE = Set.of("conntrack", "stats", "dns-log", "topology", "status",
            "service-dataplane");

    private final ClusterStore store;
    private final String token;
    private final int apiPort;

    public ClusterClient(String storeAddress, String token, int apiPort) {
        this.store = Stores.open(storeAddress);
        this.token = token;
        this.apiPort = apiPort;
    }

    /** A node of the cluster, with whether it holds its subnet lease now. */
    record Member(String name, String address, boolean live) {}

    List<Member> members() {
        Set<String> leased = new HashSet<>();
        store.list(SubnetLease.KIND, SubnetLease.class).forEach(l -> leased.add(l.spec().node()));
        List<Member> out = new ArrayList<>();
        for (Node n : store.list(Node.KIND, Node.class)) {
            String ip = n.status() == null ? null : n.status().addresses().stream()
                    .filter(a -> a.type().equals("InternalIP")).map(Node.Address::address).findFirst().orElse(null);
            if (ip != null) {
                out.add(new Member(n.name(), ip, leased.contains(n.name())));
            }
        }
        out.sort(java.util.Comparator.comparing(Member::name));
        return out;
    }

    private ApiClient clientOf(Member m) {
        return ApiClient.tcp(new InetSocketAddress(m.address(), apiPort), token);
    }

    private Member named(String node) throws ApiException {
        return members().stream().filter(m -> m.name().equals(node)).findFirst()
                .orElseThrow(() -> new ApiException("nodes \"" + node + "\" not found"));
    }

    private Member anyLive() throws ApiException {
        return members().stream().filter(Member::live).findFirst().orElseThrow(() -> new ApiException(
                "no node of the cluster holds a lease (are the node processes running?)"));
    }

    private Member nodeOfPod(String name) throws ApiException {
        String pod = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
        Optional<Pod> p = store.list(Pod.KIND, Pod.class).stream().filter(x -> x.name().equals(pod)).findFirst();
        if (p.isEmpty() || p.get().spec().nodeName() == null) {
            throw new ApiException("pods \"" + pod + "\" not found");
        }
        return named(p.get().spec().nodeName());
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
            String name = request.path("name").asText("");
            if (request.path("op").asText().equals("target") && !name.startsWith("node/") && !name.equals("outside")
                    && !name.isEmpty()) {
                // Store or node down: a pod's namespace is named after it, so `vnet exec` still works for the
                // pods of this machine (forwarding goes on without the control plane, and so does debugging).
                String pod = name.contains("/") ? name.substring(name.indexOf('/') + 1) : name;
                return dev.vnet.apiserver.api.Manifests.JSON.createObjectNode().put("ok", true).put("netns", pod)
                        .put("node", "a node that does not answer (" + e.getMessage() + ")");
            }
            throw e instanceof ApiException le ? le : new ApiException(e.getMessage());
        }
    }

    private JsonNode route(JsonNode req) throws ApiException {
        String op = req.path("op").asText();
        String node = req.path("node").asText("");
        switch (op) {
            case "down":
                throw new ApiException("this is a cluster of node processes: stop the local one with `vnet down` "
                        + "where it was started, or the VMs with `vagrant halt`");
            case "logs":
                return clientOf(nodeOfPod(req.path("pod").asText())).call(req);
            case "trace":
                return clientOf(nodeOfPod(req.path("source").asText())).call(req);
            case "target": {
                String name = req.path("name").asText();
                if (name.startsWith("node/")) {
                    return clientOf(named(name.substring(5))).call(req);
                }
                if (name.equals("outside")) {
                    return clientOf(anyLive()).call(req);
                }
                return clientOf(nodeOfPod(name)).call(req);
            }
            case "flows":
                return flows(req);
            case "proxy-rules":
                return clientOf(node.isEmpty() ? anyLive() : named(node)).call(req);
            default:
                break;
        }
        if (!PER_NODE.contains(op)) {
            return clientOf(anyLive()).call(req);
        }
        if (!node.isEmpty()) {
            return clientOf(named(node)).call(req);
        }
        ObjectNode merged = null;
        List<String> unreachable = new ArrayList<>();
        for (Member m : members()) {
            if (!m.live()) {
                continue;
            }
            JsonNode one;
            try {
                one = clientOf(m).call(req);
            } catch (ApiException e) {
                unreachable.add(m.name());
                continue;
            }
            merged = merged == null ? (ObjectNode) one.deepCopy() : merge(merged, one);
        }
        if (merged == null) {
            throw new ApiException("no node answered (" + String.join(", ", unreachable) + "): are they running?");
        }
        if (op.equals("status")) {
            merged.put("store", store.describe());
        }
        return merged;
    }

    /** The last flow sequence number seen from each node, and the numbers this client gave out. */
    private final Map<String, Long> flowSeen = new java.util.HashMap<>();
    private long flowSeq;

    /**
     * Flow events of every live node. Each node numbers its own events, so this client keeps where it is in
     * each node's log and numbers what it hands out itself: `vnet flows -f` then asks for "since N" as with a
     * one-process lab, and gets each event once.
     */
    private JsonNode flows(JsonNode req) throws ApiException {
        String only = req.path("node").asText("");
        ObjectNode out = dev.vnet.apiserver.api.Manifests.JSON.createObjectNode().put("ok", true);
        ArrayNode events = out.putArray("events");
        List<ObjectNode> all = new ArrayList<>();
        for (Member m : members()) {
            if (!m.live() || (!only.isEmpty() && !only.equals(m.name()))) {
                continue;
            }
            long since = req.path("since").asLong(0) == 0 ? 0 : flowSeen.getOrDefault(m.name(), 0L);
            JsonNode theirs;
            try {
                theirs = clientOf(m).call(dev.vnet.apiserver.api.Manifests.JSON.createObjectNode().put("op", "flows")
                        .put("since", since));
            } catch (ApiException e) {
                continue;
            }
            for (JsonNode e : theirs.path("events")) {
                flowSeen.merge(m.name(), e.path("seq").asLong(), Math::max);
                all.add((ObjectNode) e.deepCopy());
            }
        }
        all.sort(java.util.Comparator.comparing((ObjectNode e) -> e.path("at").asText())); // interleave by time
        all.forEach(e -> events.add(e.put("seq", ++flowSeq)));
        return out;
    }

    /** Joins per-node answers: lists are concatenated, counts added, anything else kept from the first. */
    static ObjectNode merge(ObjectNode into, JsonNode more) {
        Iterator<Map.Entry<String, JsonNode>> fields = more.fields();
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
        String pod = request.path("pod").asText("");
        String node = request.path("node").asText("");
        if (pod.isEmpty() && node.isEmpty() && members().stream().filter(Member::live).count() > 1) {
            // One capture stream comes from one node process: say which, rather than pick one silently.
            throw new ApiException("in a cluster of node processes a capture runs on one node: add --node NAME "
                    + "(or capture a pod, on its node)");
        }
        Member m = !pod.isEmpty() ? nodeOfPod(pod) : !node.isEmpty() ? named(node) : anyLive();
        clientOf(m).stream(request, sink);
    }

    @Override
    public void close() {
        store.close();
    }

}
