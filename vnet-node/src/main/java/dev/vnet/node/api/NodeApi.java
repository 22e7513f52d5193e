package dev.vnet.node.api;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.server.Streaming;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import dev.vnet.node.workload.Workload;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The node's own operations (served as vnet.dev/v1 on the API of the lab or of a node process): the state of this process's nodes — pod
 * logs, where `vnet exec` runs, conntrack, the Service rules and data plane, DNS questions, flows, counters,
 * topology, traces and captures. Requests and answers are JSON.
 */
public final class NodeApi {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final NodeHost lab;
    private final ClusterStore store;

    private NodeApi(NodeHost host) {
        this.lab = host;
        this.store = host.store();
    }

    /** Registers every node verb of {@code host}'s nodes, captures (a stream) aside. */
    public static void register(Handlers handlers, NodeHost host) {
        NodeApi api = new NodeApi(host);
        ObservabilityApi observability = new ObservabilityApi(host);
        TraceApi trace = new TraceApi(host);
        PolicyApi policy = new PolicyApi(host);
        DiffApi diff = new DiffApi(host);
        dev.vnet.apiserver.server.FaultApi.register(handlers, host.store());
        handlers.add(Operation.DIFF, req -> diff.diff(req.path("node").asString("")))
                .add(Operation.FAULT_COUNTS, req -> {
                    var faults = host.faults();
                    var out = dev.vnet.apiserver.server.Handlers.ok();
                    out.set("faults", faults == null ? dev.vnet.apiserver.api.Json.MAPPER.createArrayNode()
                            : faults.counts());
                    return out;
                })
                .add(Operation.STATUS, req -> api.status())
                .add(Operation.LOGS, api::logs)
                .add(Operation.TARGET, req -> api.target(req.path("name").asString(), req.path("namespace").asString("")))
                .add(Operation.SERVICE_DATAPLANE, api::serviceDataplane)
                .add(Operation.CONNTRACK, req -> api.conntrack(req.path("node").asString("")))
                .add(Operation.PROXY_RULES, api::proxyRules)
                .add(Operation.DNS_LOG, req -> api.dnsLog(req.path("node").asString("")))
                .add(Operation.FLOWS, req -> api.flows(req.path("since").asLong(0)))
                .add(Operation.STATS, req -> observability.stats(req.path("node").asString("")))
                .add(Operation.TOPOLOGY, req -> observability.topology())
                .add(Operation.TRACE, req -> req.hasNonNull("next")
                        ? trace.traceNext(source(req), req.path("next").asString(), req.path("wait").asInt(30))
                        : trace.trace(source(req), req.path("target").asString(), req.path("protocol").asString("")))
                .add(Operation.POLICY_CHECK, policy::check)
                .add(Operation.POLICY_MATRIX, policy::matrix)
                .add(Operation.POLICY_PROBE, policy::probe)
                .add(Operation.TRACE_ARM, TraceApi::arm)
                .add(Operation.TRACE_COLLECT, req -> TraceApi.collect(req.path("ipId").asInt()));
    }

    /** The source pod of a trace: NAMESPACE/NAME, or NAME in the request's namespace. */
    private static String source(JsonNode req) {
        return PodKind.refKey(req.path("source").asString(), req.path("namespace").asString(""));
    }

    /** The streaming verbs of {@code host}'s nodes: captures (a stream) and port-forwards (a two-way pipe). */
    public static Streaming streaming(NodeHost host) {
        CaptureApi capture = new CaptureApi(host);
        PortForwardApi portForward = new PortForwardApi(host);
        return new Streaming() {
            @Override
            public boolean handles(String op) {
                return capture.handles(op);
            }

            @Override
            public void stream(JsonNode request, java.io.OutputStream out, java.util.concurrent.CountDownLatch gone)
                    throws IOException, ApiException {
                capture.stream(request, out, gone);
            }

            @Override
            public boolean pipes(String op) {
                return portForward.pipes(op);
            }

            @Override
            public java.nio.channels.SocketChannel openPipe(JsonNode request) throws ApiException {
                return portForward.open(request);
            }
        };
    }

    private static ObjectNode ok() {
        return Handlers.ok();
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
        out.put("outside", lab.outsideNs());
        return out;
    }

    // ---- logs, exec targets, down ----

    private ObjectNode logs(JsonNode req) throws ApiException {
        String name = req.path("pod").asString();
        String key = PodKind.refKey(name, req.path("namespace").asString(""));
        RunningPod pod = runningPod(key).orElseThrow(() -> new ApiException("pods \"" + name + "\" not found"
                + " (or not running)"));
        String container = req.path("container").asString("");
        List<Workload> ws = pod.workloads();
        Workload w;
        if (container.isEmpty()) {
            if (ws.size() > 1) {
                throw new ApiException("pod " + name + " has several containers: choose one with -c ("
                        + String.join(", ", ws.stream().map(Workload::containerName).toList()) + ")");
            }
            w = ws.get(0);
        } else {
            w = ws.stream().filter(x -> x.containerName().equals(container)).findFirst()
                    .orElseThrow(() -> new ApiException("container " + container + " is not valid for pod " + name));
        }
        try {
            return ok().put("text", Files.readString(w.logFile()));
        } catch (IOException e) {
            throw new ApiException("cannot read the log of " + name + "/" + w.containerName() + ": " + e.getMessage());
        }
    }

    private Optional<RunningPod> runningPod(String key) {
        return lab.nodes().stream().map(n -> n.pods().get(key)).filter(java.util.Objects::nonNull).findFirst();
    }

    /** Where `vnet exec NAME` runs: a pod's namespace (NAME in {@code namespace}, or NS/NAME), node/NAME's, or the outside's. */
    private ObjectNode target(String name, String namespace) throws ApiException {
        if (name.equals("outside")) {
            return ok().put("netns", lab.outsideNs());
        }
        if (name.startsWith("node/")) {
            String node = name.substring(5);
            return lab.nodes().stream().filter(n -> n.config().name().equals(node)).findFirst()
                    .map(n -> ok().put("netns", n.config().netns()).put("node", n.config().name()))
                    .orElseThrow(() -> new ApiException("nodes \"" + node + "\" not found"));
        }
        String key = PodKind.refKey(name, namespace);
        String podName = key.substring(key.indexOf('/') + 1);
        for (VnetNode n : lab.nodes()) {
            RunningPod p = n.pods().get(key);
            if (p != null) {
                return ok().put("netns", p.sandbox().spec().netns()).put("node", n.config().name());
            }
        }
        Optional<Pod> stored = store.get(PodKind.KIND, key).map(ClusterStore.Versioned::value);
        if (stored.isPresent()) {
            throw new ApiException("pod " + podName + " is " + PodKind.phase(stored.get()) + ", not running: "
                    + PodKind.message(stored.get()));
        }
        throw new ApiException("pods \"" + podName + "\" not found" + ": targets are pod names, node/NAME or outside");
    }

    // ---- the Service data plane ----

    private ObjectNode serviceDataplane(JsonNode req) throws ApiException {
        String prefix = req.path("namespace").asString("default") + "/" + req.path("name").asString();
        ObjectNode out = ok().put("proxyMode", lab.proxyMode());
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

    private ObjectNode conntrack(String node) throws ApiException {
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
            throw new ApiException("nodes \"" + node + "\" not found");
        }
        return out;
    }

    private static String tuple(int src, int sport, int dst, int dport) {
        return "src=" + dev.vnet.core.addr.Ipv4Address.toString(src) + " dst=" + dev.vnet.core.addr.Ipv4Address.toString(dst)
                + " sport=" + sport + " dport=" + dport;
    }

    private ObjectNode proxyRules(JsonNode req) throws ApiException {
        String service = req.path("service").asString("");
        String node = req.path("node").asString("node-1");
        int index = -1;
        for (int i = 0; i < lab.nodes().size(); i++) {
            if (lab.nodes().get(i).config().name().equals(node)) {
                index = i;
            }
        }
        if (index < 0) {
            throw new ApiException("nodes \"" + node + "\" not found");
        }
        String only = null;
        if (!service.isEmpty()) {
            only = service.contains("/") ? service : req.path("namespace").asString("default") + "/" + service;
            String key = only;
            if (store.get(ServiceKind.KIND, key).isEmpty()) {
                throw new ApiException("services \"" + service + "\" not found");
            }
        }
        return ok().put("text", dev.vnet.nat.service.ProxyRules.render(lab.serviceSync(index).ports(), only))
                .put("proxyMode", lab.proxyMode());
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


}
