package dev.vnet.node.api;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NetworkPolicyKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.IpProtocol;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import dev.vnet.node.policy.ConnectProbe;
import dev.vnet.node.policy.PolicySync;
import dev.vnet.policy.Peer;
import dev.vnet.policy.PolicySet;
import dev.vnet.policy.Verdict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The policy verbs: what the cluster's NetworkPolicies say of a connection ({@code vnet policy check}) and of
 * every pair of pods ({@code vnet policy matrix}), and what the data plane really does with TCP connections from
 * a pod of this process's nodes ({@code --probe}).
 */
final class PolicyApi {
    private static final long PROBE_TIMEOUT_MILLIS = 1500;
    private static final int MAX_PROBE_TARGETS = 256;

    private final NodeHost host;
    private final ClusterStore store;

    PolicyApi(NodeHost host) {
        this.host = host;
        this.store = host.store();
    }

    /** One connection, both sides: {from, to, port, protocol, namespace}. */
    ObjectNode check(JsonNode req) throws ApiException {
        String namespace = req.path("namespace").asString("default");
        int protocol = protocol(req.path("protocol").asString("TCP"));
        int port = req.path("port").asInt(0);
        if (port < 0 || port > 65535) {
            throw new ApiException("port " + port + " is not a port (1-65535)");
        }
        if (port == 0 && protocol != IpProtocol.ICMP.number()) {
            throw new ApiException("which port? give it as DST:PORT (vnet policy check web db:5432)");
        }
        Map<Integer, Peer> peers = PolicySync.peers(store, host.nodes().get(0).config());
        Peer from = resolve(req.path("from").asString(), namespace, peers);
        Peer to = resolve(req.path("to").asString(), namespace, peers);
        PolicySet set = PolicySet.compile(store.list(NetworkPolicyKind.KIND));
        PolicySet.Decision d = set.decide(from, to, protocol, port);
        ObjectNode out = Handlers.ok().put("allowed", d.allowed()).put("from", from.toString())
                .put("to", to.toString()).put("policies", set.size());
        side(out.putObject("egress"), d.egress(), from);
        side(out.putObject("ingress"), d.ingress(), to);
        return out;
    }

    private void side(ObjectNode out, Verdict v, Peer pod) {
        out.put("outcome", v.outcome().name()).put("reason", v.reason());
        String node = pod.isPod() ? nodeOf(pod) : null;
        if (node != null) {
            out.put("node", node);
        }
    }

    private String nodeOf(Peer pod) {
        return store.get(PodKind.KIND, ClusterStore.key(pod.namespace(), pod.name()))
                .map(v -> PodKind.nodeName(v.value())).orElse(null);
    }

    /** A pod ("NAME", "NAMESPACE/NAME") or an IP, as policy sees it. */
    private Peer resolve(String what, String namespace, Map<Integer, Peer> peers) throws ApiException {
        if (what.isEmpty()) {
            throw new ApiException("name a source and a destination: pods (NAME or NAMESPACE/NAME) or IPs");
        }
        if (Character.isDigit(what.charAt(0))) {
            try {
                int ip = Ipv4Address.parse(what).bits();
                Peer p = peers.get(ip);
                return p != null ? p : Peer.address(ip);
            } catch (IllegalArgumentException e) {
                throw new ApiException("\"" + what + "\" is not an IPv4 address: " + e.getMessage());
            }
        }
        String ns = what.contains("/") ? what.substring(0, what.indexOf('/')) : namespace;
        String name = what.contains("/") ? what.substring(what.indexOf('/') + 1) : what;
        for (Peer p : peers.values()) {
            if (p.isPod() && p.namespace().equals(ns) && p.name().equals(name)) {
                return p;
            }
        }
        if (store.get(ServiceKind.KIND, ClusterStore.key(ns, name)).isPresent()) {
            throw new ApiException(ns + "/" + name + " is a Service: policies judge the pods behind it, after "
                    + "the Service is translated; name one of them (vnet get endpoints " + name + " -n " + ns + ")");
        }
        if (store.get(PodKind.KIND, ClusterStore.key(ns, name)).isPresent()) {
            throw new ApiException("pod " + ns + "/" + name + " has no IP yet: wait until it runs");
        }
        throw new ApiException("pods \"" + name + "\" not found in namespace " + ns);
    }

    /** The truth table over the pods of some namespaces (all but kube-system by default): {namespaces, port}. */
    ObjectNode matrix(JsonNode req) throws ApiException {
        int protocol = protocol(req.path("protocol").asString("TCP"));
        int port = req.path("port").asInt(80);
        Set<String> namespaces = new java.util.TreeSet<>();
        req.path("namespaces").forEach(n -> namespaces.add(n.asString()));
        Map<Integer, Peer> peers = PolicySync.peers(store, host.nodes().get(0).config());
        List<Peer> pods = new ArrayList<>(peers.values().stream().filter(Peer::isPod)
                .filter(p -> namespaces.isEmpty() ? !p.namespace().equals("kube-system")
                        : namespaces.contains(p.namespace()))
                .filter(p -> !p.namespace().equals("kube-system") || !p.name().startsWith("kube-dns-"))
                .toList());
        if (pods.isEmpty()) {
            throw new ApiException("no running pods" + (namespaces.isEmpty() ? "" : " in " + namespaces)
                    + ": nothing to tabulate");
        }
        pods.sort(Comparator.comparing(Peer::namespace).thenComparing(Peer::name));
        PolicySet set = PolicySet.compile(store.list(NetworkPolicyKind.KIND));
        ObjectNode out = Handlers.ok().put("protocol", IpProtocol.nameOf(protocol).toUpperCase(java.util.Locale.ROOT)).put("port", port)
                .put("policies", set.size());
        ArrayNode list = out.putArray("pods");
        ArrayNode rows = out.putArray("allowed");
        for (Peer from : pods) {
            list.addObject().put("namespace", from.namespace()).put("name", from.name())
                    .put("ip", Ipv4Address.toString(from.ip()));
            ArrayNode row = rows.addArray();
            for (Peer to : pods) {
                row.add(set.decide(from, to, protocol, port).allowed());
            }
        }
        return out;
    }

    /** TCP connects from one pod of this process's nodes: {pod, namespace, targets: ["IP:PORT"...]}. */
    ObjectNode probe(JsonNode req) throws ApiException {
        String key = PodKind.refKey(req.path("pod").asString(), req.path("namespace").asString(""));
        RunningPod pod = null;
        for (VnetNode n : host.nodes()) {
            pod = pod != null ? pod : n.pods().get(key);
        }
        if (pod == null) {
            throw new ApiException("pod " + key + " does not run on " + (host.nodes().size() == 1
                    ? "node " + host.nodes().get(0).config().name() : "this lab") + ": is it Running?");
        }
        List<ConnectProbe.Target> targets = new ArrayList<>();
        for (JsonNode t : req.path("targets")) {
            String s = t.asString();
            int colon = s.lastIndexOf(':');
            try {
                targets.add(new ConnectProbe.Target(Ipv4Address.parse(s.substring(0, colon)).bits(),
                        Integer.parseInt(s.substring(colon + 1))));
            } catch (RuntimeException e) {
                throw new ApiException("probe target \"" + s + "\" is not IP:PORT");
            }
        }
        if (targets.size() > MAX_PROBE_TARGETS) {
            throw new ApiException("at most " + MAX_PROBE_TARGETS + " probe targets at once, got " + targets.size());
        }
        long timeout = Math.max(100, Math.min(10_000, req.path("timeoutMillis").asLong(PROBE_TIMEOUT_MILLIS)));
        try {
            List<ConnectProbe.Result> results = ConnectProbe.run(pod.sandbox().spec().netns(), targets, timeout);
            ObjectNode out = Handlers.ok();
            ArrayNode list = out.putArray("results");
            for (int i = 0; i < targets.size(); i++) {
                list.addObject().put("target", targets.get(i).toString()).put("result", results.get(i).name())
                        .put("reached", results.get(i).reached());
            }
            return out;
        } catch (IOException e) {
            throw new ApiException("cannot probe from " + key + ": " + e.getMessage());
        }
    }

    private static int protocol(String name) throws ApiException {
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "TCP" -> IpProtocol.TCP.number();
            case "UDP" -> IpProtocol.UDP.number();
            case "ICMP" -> IpProtocol.ICMP.number();
            default -> throw new ApiException("protocol " + name + " is not one policy judges here: TCP, UDP or ICMP");
        };
    }
}
