package dev.vnet.node.api;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.ProbeRepr;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code vnet trace SRC DST[:PORT]}: sends a probe packet from a pod's port as if the pod had sent it, and
 * returns every stage's decision about it on every node it crossed (bridge, Service stage, router, VXLAN),
 * and how it ended. The probe's own conntrack entry is removed afterwards, so real flows are not disturbed;
 * the destination answers it as it would any packet (a SYN-ACK or RST, an echo reply), which the source pod's
 * kernel then drops or resets.
 */
final class TraceApi {
    private static final long QUIET_NANOS = 150_000_000L;
    private static final long MAX_NANOS = 2_000_000_000L;

    private final NodeHost lab;

    TraceApi(NodeHost lab) {
        this.lab = lab;
    }

    /** @param sourceKey the source pod's key, namespace/name */
    ObjectNode trace(String sourceKey, String target, String protocolName) throws ApiException {
        RunningPod src = running(sourceKey).orElseThrow(() -> new ApiException("pods \"" + shown(sourceKey)
                + "\" not found (or not running): the source of a trace is a running pod"));
        String source = shown(sourceKey);
        VnetNode node = lab.nodes().stream().filter(n -> n.pods().containsValue(src)).findFirst().orElseThrow();
        Destination dst = resolve(target, src.namespace());
        int protocol = switch (protocolName == null || protocolName.isEmpty() ? (dst.port > 0 ? "tcp" : "icmp")
                : protocolName) {
            case "tcp" -> Ipv4Packet.PROTO_TCP;
            case "udp" -> Ipv4Packet.PROTO_UDP;
            case "icmp" -> Ipv4Packet.PROTO_ICMP;
            default -> throw new ApiException("--proto must be tcp, udp or icmp");
        };
        if (protocol != Ipv4Packet.PROTO_ICMP && dst.port <= 0) {
            throw new ApiException("a " + protocolName + " trace needs a port: " + target + ":PORT");
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int ipId = rnd.nextInt(1, 0x10000);
        int srcPort = rnd.nextInt(40000, 60000);
        long marker = protocol == Ipv4Packet.PROTO_TCP ? rnd.nextLong(1, 0x1_0000_0000L) : srcPort;
        Probe probe = new Probe(ipId, protocol, marker);
        int srcIp = src.sandbox().spec().ip().bits();
        long dstMac = nextHopMac(node, dst.ip);
        ByteBuffer frame = ByteBuffer.allocateDirect(128);
        int length = new ProbeRepr(src.sandbox().mac().bits(), dstMac, srcIp, dst.ip, protocol, ipId, srcPort,
                dst.port, marker).emit(frame);
        if (!Tracing.begin(probe)) {
            throw new ApiException("another trace is running: try again in a moment");
        }
        long start = System.nanoTime();
        List<ApiClient> armed = armOthers(probe);
        try {
            probe.hop(node.config().name(), "pod", "probe sent from " + source + " eth0: " + describe(protocol,
                    srcIp, srcPort, dst.ip, dst.port) + ", IP id " + ipId + ", to MAC "
                    + dev.vnet.core.addr.MacAddress.toString(dstMac));
            node.bridge().receive(src.sandbox().port().port(), frame, length, System.nanoTime());
            waitForEnd(probe, start);
        } finally {
            Tracing.end(probe);
            for (VnetNode n : lab.nodes()) {
                n.proxy().conntrack().removeIf(e -> e.protocol() == protocol && e.origSrcIp() == srcIp
                        && e.origSrcPort() == srcPort);
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("ok", true);
        out.put("source", source).put("target", target).put("resolved", dst.describe())
                .put("protocol", protocol == 6 ? "tcp" : protocol == 17 ? "udp" : "icmp")
                .put("probe", describe(protocol, srcIp, srcPort, dst.ip, dst.port)).put("ipId", ipId);
        ArrayNode hops = out.putArray("hops");
        long last = 0;
        for (Probe.Hop h : probe.hops()) {
            last = (h.nanos() - start) / 1000;
            hops.addObject().put("micros", last).put("node", h.node()).put("stage", h.stage())
                    .put("decision", h.decision());
        }
        String outcome = probe.outcome();
        for (ApiClient other : armed) {
            JsonNode theirs;
            try {
                theirs = other.call(Operation.TRACE_COLLECT.request().put("ipId", ipId));
            } catch (ApiException e) {
                continue;
            }
            // Another process's clock: its hops keep their own spacing, placed after ours.
            long first = -1;
            for (JsonNode h : theirs.path("hops")) {
                first = first < 0 ? h.path("nanos").asLong() : first;
                hops.addObject().put("micros", last + (h.path("nanos").asLong() - first) / 1000)
                        .put("node", h.path("node").asString()).put("stage", h.path("stage").asString())
                        .put("decision", h.path("decision").asString());
            }
            if (outcome == null && theirs.hasNonNull("outcome")) {
                outcome = theirs.path("outcome").asString();
            }
        }
        out.put("outcome", outcome == null ? "no stage reported an end within 2 s" : outcome);
        return out;
    }

    /** Probes armed on this process for a trace started by another node process, by IP id. */
    private static final java.util.Map<Integer, Probe> ARMED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Asks the nodes in other processes to follow this probe too; returns those that agreed. */
    private List<ApiClient> armOthers(Probe probe) {
        List<ApiClient> armed = new java.util.ArrayList<>();
        for (ApiClient other : lab.otherNodes()) {
            try {
                other.call(Operation.TRACE_ARM.request().put("ipId", probe.ipId())
                        .put("protocol", probe.protocol()).put("marker", probe.marker()));
                armed.add(other);
            } catch (ApiException e) {
                // That node is busy or gone: the trace shows what the others saw.
            }
        }
        return armed;
    }

    /** `trace-arm`: follow a probe another node sends, until `trace-collect` (or 10 s) ends it. */
    static ObjectNode arm(JsonNode req) throws ApiException {
        Probe p = new Probe(req.path("ipId").asInt(), req.path("protocol").asInt(), req.path("marker").asLong());
        if (!Tracing.begin(p)) {
            throw new ApiException("another trace is running on this node");
        }
        ARMED.put(p.ipId(), p);
        Thread expiry = new Thread(() -> {
            sleep(10_000);
            if (ARMED.remove(p.ipId(), p)) {
                Tracing.end(p);
            }
        }, "trace-arm-expiry");
        expiry.setDaemon(true);
        expiry.start();
        return Json.MAPPER.createObjectNode().put("ok", true);
    }

    /** `trace-collect`: the hops this node saw of an armed probe, once it went quiet (at most 2 s). */
    static ObjectNode collect(int ipId) throws ApiException {
        Probe p = ARMED.remove(ipId);
        if (p == null) {
            throw new ApiException("no trace with IP id " + ipId + " is armed here");
        }
        try {
            waitForEnd(p, System.nanoTime());
        } finally {
            Tracing.end(p);
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("ok", true);
        ArrayNode hops = out.putArray("hops");
        for (Probe.Hop h : p.hops()) {
            hops.addObject().put("nanos", h.nanos()).put("node", h.node()).put("stage", h.stage())
                    .put("decision", h.decision());
        }
        if (p.outcome() != null) {
            out.put("outcome", p.outcome());
        }
        return out;
    }

    /** Marks the next real packet from the pod that matches {@code filterText}, waiting up to {@code seconds}. */
    ObjectNode traceNext(String sourceKey, String filterText, int seconds) throws ApiException {
        String source = shown(sourceKey);
        RunningPod src = running(sourceKey)
                .orElseThrow(() -> new ApiException("pods \"" + source + "\" not found (or not running)"));
        VnetNode node = lab.nodes().stream().filter(n -> n.pods().containsValue(src)).findFirst().orElseThrow();
        dev.vnet.core.capture.CaptureFilter filter;
        try {
            filter = dev.vnet.core.capture.CaptureFilter.parse(filterText.isBlank() ? "ip" : filterText);
        } catch (IllegalArgumentException e) {
            throw new ApiException(e.getMessage());
        }
        java.util.concurrent.CompletableFuture<Probe> started = new java.util.concurrent.CompletableFuture<>();
        node.bridge().traceNext(src.sandbox().port().port(), filter, started::complete);
        Probe probe;
        try {
            probe = started.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ApiException("no packet from " + source + " matched \"" + filter + "\" within " + seconds + " s");
        } catch (Exception e) {
            throw new ApiException("trace interrupted: " + e.getMessage());
        } finally {
            node.bridge().cancelTraceNext();
        }
        long start = System.nanoTime();
        try {
            waitForEnd(probe, start);
        } finally {
            Tracing.end(probe);
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("ok", true);
        out.put("source", source).put("target", "next packet matching " + filter)
                .put("resolved", "the next packet from " + source + " matching \"" + filter + "\"")
                .put("probe", "a real packet, IP id " + probe.ipId()).put("ipId", probe.ipId());
        ArrayNode hops = out.putArray("hops");
        for (Probe.Hop h : probe.hops()) {
            hops.addObject().put("micros", Math.max(0, (h.nanos() - start) / 1000)).put("node", h.node())
                    .put("stage", h.stage()).put("decision", h.decision());
        }
        out.put("outcome", probe.outcome() == null ? "no stage reported an end within 2 s" : probe.outcome());
        return out;
    }

    private Optional<RunningPod> running(String key) {
        return lab.nodes().stream().map(n -> n.pods().get(key)).filter(java.util.Objects::nonNull).findFirst();
    }

    /** A pod as the user names it: NAME in default, NAMESPACE/NAME elsewhere. */
    private static String shown(String key) {
        String ns = key.substring(0, key.indexOf('/'));
        return ns.equals(dev.vnet.apiserver.api.NamespaceKind.DEFAULT) ? key.substring(key.indexOf('/') + 1) : key;
    }

    private static void waitForEnd(Probe probe, long start) {
        int seen = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() - start < MAX_NANOS) {
            int n = probe.hops().size();
            if (n != seen) {
                seen = n;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > QUIET_NANOS && probe.outcome() != null) {
                return;
            }
            sleep(10);
        }
    }

    private record Destination(int ip, int port, String what) {
        String describe() {
            return what;
        }
    }

    /**
     * IP, IP:PORT, a Service (NAME or NAMESPACE/NAME, with :PORT or its first port), or a pod (NAME or
     * NAMESPACE/NAME); a bare name is looked up in the source pod's namespace.
     */
    private Destination resolve(String target, String namespace) throws ApiException {
        String host = target;
        int port = -1;
        int colon = target.lastIndexOf(':');
        if (colon > 0) {
            host = target.substring(0, colon);
            try {
                port = Integer.parseInt(target.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ApiException("bad port in \"" + target + "\": use DST:PORT with a number");
            }
            if (port < 1 || port > 65535) {
                throw new ApiException("port " + port + " is out of range");
            }
        }
        try {
            Ipv4Address ip = Ipv4Address.parse(host);
            return new Destination(ip.bits(), port, ip + (port > 0 ? ":" + port : ""));
        } catch (IllegalArgumentException notAnIp) {
            // a name
        }
        String ns = host.contains("/") ? host.substring(0, host.indexOf('/')) : namespace;
        String name = host.contains("/") ? host.substring(host.indexOf('/') + 1) : host;
        Optional<Service> svc = lab.store().get(ServiceKind.KIND, ClusterStore.key(ns, name))
                .map(ClusterStore.Versioned::value);
        if (svc.isPresent() && svc.get().getSpec().getClusterIP() != null && !ServiceKind.headless(svc.get())) {
            Service s = svc.get();
            if (port < 0 && !s.getSpec().getPorts().isEmpty()) {
                port = s.getSpec().getPorts().get(0).getPort();
            }
            String ip = s.getSpec().getClusterIP();
            return new Destination(Ipv4Address.parse(ip).bits(), port,
                    "Service " + ns + "/" + name + " at " + ip + (port > 0 ? ":" + port : ""));
        }
        Optional<Pod> pod = lab.store().get(PodKind.KIND, ClusterStore.key(ns, name)).map(ClusterStore.Versioned::value);
        String ip = pod.map(PodKind::podIp).orElse(null);
        if (ip != null) {
            return new Destination(Ipv4Address.parse(ip).bits(), port,
                    "pod " + shown(ClusterStore.key(ns, name)) + " at " + ip + (port > 0 ? ":" + port : ""));
        }
        throw new ApiException("\"" + host + "\" is neither an IP, a Service in namespace " + ns + ", nor a pod");
    }

    /** The MAC the pod's kernel would send to: the destination pod's on the same subnet, else the gateway's. */
    private static long nextHopMac(VnetNode node, int dstIp) {
        if (node.config().podSubnet().contains(dstIp) && dstIp != node.config().tunIp().bits()
                && dstIp != node.gateway().ip()) {
            long mac = node.gateway().neighbors().lookup(dstIp, System.nanoTime());
            if (mac >= 0) {
                return mac;
            }
            for (RunningPod p : node.pods().values()) {
                if (p.sandbox().spec().ip().bits() == dstIp) {
                    return p.sandbox().mac().bits();
                }
            }
        }
        return node.gateway().mac();
    }

    private static String describe(int protocol, int src, int sport, int dst, int dport) {
        String p = protocol == 6 ? "TCP SYN " : protocol == 17 ? "UDP " : "ICMP echo ";
        return p + Ipv4Address.toString(src) + (protocol == 1 ? "" : ":" + sport) + " → " + Ipv4Address.toString(dst)
                + (protocol == 1 || dport <= 0 ? "" : ":" + dport);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
