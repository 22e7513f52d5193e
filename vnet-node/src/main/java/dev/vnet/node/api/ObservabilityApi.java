package dev.vnet.node.api;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.bridge.PortCounters;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.DropReason;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.node.NodeConfig;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.pod.PodSandbox;
import dev.vnet.node.router.RouterCounters;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.Vtep;
import dev.vnet.overlay.VxlanHeader;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The lab's observability verbs, {@code stats} and {@code topology}: each node's counters per port and per
 * stage, and the shape of the lab (underlay, nodes, bridges, pods, tunnels), as JSON for {@code vnet stats}
 * and {@code vnet topology}. Everything is read from the stages' own counters and tables; nothing here counts.
 */
final class ObservabilityApi {
    private final NodeHost lab;

    ObservabilityApi(NodeHost lab) {
        this.lab = lab;
    }

    /** Counters of every node, or of the node named {@code nodeOrEmpty}; the DNS counters are lab-wide. */
    ObjectNode stats(String nodeOrEmpty) throws ApiException {
        ObjectNode out = ok();
        ArrayNode nodes = out.putArray("nodes");
        for (VnetNode n : selected(nodeOrEmpty)) {
            nodes.add(nodeStats(n));
        }
        out.set("dns", dnsStats(lab.dnsLog()));
        return out;
    }

    /** The lab's shape: the underlay with the outside, each node with its devices and pods, the tunnels. */
    ObjectNode topology() {
        dev.vnet.apiserver.ClusterNetwork c = lab.network();
        ObjectNode out = ok();
        out.putObject("underlay").put("bridge", lab.underlayLink()[1]).put("cidr", c.underlay().toString())
                .put("netns", lab.outsideNs()).put("outsideIP", c.underlay().host(1).toString());
        List<VnetNode> nodes = lab.nodes();
        out.put("vni", nodes.isEmpty() ? Vtep.DEFAULT_VNI : nodes.get(0).vtep().vni())
                .put("udpPort", VxlanHeader.UDP_PORT).put("mtu", c.mtu());
        ArrayNode arr = out.putArray("nodes");
        nodes.forEach(n -> arr.add(nodeTopology(n)));
        ArrayNode tunnels = out.putArray("tunnels");
        tunnels(nodes).forEach(tunnels::add);
        return out;
    }

    private List<VnetNode> selected(String node) throws ApiException {
        List<VnetNode> all = lab.nodes();
        if (node.isEmpty()) {
            return all;
        }
        List<VnetNode> one = all.stream().filter(n -> n.config().name().equals(node)).toList();
        if (one.isEmpty()) {
            throw new ApiException("nodes \"" + node + "\" not found (nodes: "
                    + String.join(", ", all.stream().map(n -> n.config().name()).toList()) + ")");
        }
        return one;
    }

    private static ObjectNode ok() {
        return Json.MAPPER.createObjectNode().put("ok", true);
    }

    // ---- stats ----

    /** One node's counters: its bridge ports, then each stage of its data path. */
    static ObjectNode nodeStats(VnetNode n) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("name", n.config().name());
        Bridge bridge = n.bridge();
        ArrayNode ports = o.putArray("ports");
        for (BridgePort p : bridge.ports()) {
            PortCounters c = p.counters();
            ObjectNode po = ports.addObject().put("name", p.name()).put("rxPackets", c.rxPackets())
                    .put("rxBytes", c.rxBytes()).put("txPackets", c.txPackets()).put("txBytes", c.txBytes())
                    .put("drops", c.totalDrops());
            po.set("dropsByReason", drops(c.dropsByReason()));
        }
        o.putObject("bridge").put("name", bridge.name()).put("forwarded", bridge.forwarded())
                .put("flooded", bridge.flooded()).put("learnedNew", bridge.learnedNew())
                .put("learnedMoved", bridge.learnedMoved()).put("learnRefused", bridge.learnRefused())
                .put("diverted", bridge.diverted()).put("fdbEntries", bridge.fdb().size());
        GatewayPort gw = n.gateway();
        o.putObject("gateway").put("arpReplies", gw.arpReplies()).put("echoReplies", gw.echoReplies())
                .put("routed", gw.routed()).put("neighbors", gw.neighbors().snapshot().size());
        RouterCounters rc = n.router().counters();
        ObjectNode router = o.putObject("router");
        ObjectNode routed = router.putObject("routed");
        for (RouterCounters.Route r : RouterCounters.Route.values()) {
            routed.put(r.name(), rc.routed(r));
        }
        router.put("icmpErrors", rc.icmpErrors());
        router.set("dropsByReason", drops(rc.dropsByReason()));
        ArrayNode stages = router.putArray("pipeline");
        for (dev.vnet.node.router.Pipeline.Installed st : n.router().pipeline().stages()) {
            ObjectNode so = stages.addObject().put("stage", st.name()).put("packets", st.counters().packets())
                    .put("passed", st.counters().passed()).put("sent", st.counters().sent());
            so.set("dropsByReason", drops(st.counters().dropsByReason()));
        }
        Vtep v = n.vtep();
        ObjectNode vxlan = o.putObject("vxlan").put("vni", v.vni()).put("txPackets", v.txPackets())
                .put("txBytes", v.txBytes()).put("rxPackets", v.rxPackets()).put("rxBytes", v.rxBytes())
                .put("peers", v.peers().peers().size());
        vxlan.set("dropsByReason", drops(v.dropsByReason()));
        ServiceProxy sp = n.proxy();
        ObjectNode services = o.putObject("services").put("newFlows", sp.newFlows()).put("translated", sp.translated())
                .put("rejected", sp.rejected()).put("snatted", sp.snatted()).put("snatRedirects", sp.snatRedirects());
        ObjectNode spDrops = services.putObject("dropsByReason");
        for (DropReason r : DropReason.values()) {
            if (sp.drops(r) != 0) {
                spDrops.put(r.name(), sp.drops(r));
            }
        }
        Conntrack ct = sp.conntrack();
        o.putObject("conntrack").put("entries", ct.size()).put("max", ct.maxEntries()).put("inserted", ct.inserted())
                .put("droppedFull", ct.droppedFull()).put("clashed", ct.clashed()).put("expired", ct.expired())
                .put("earlyDropped", ct.earlyDropped()).put("reclaimed", ct.reclaimed());
        return o;
    }

    private static ObjectNode drops(Map<DropReason, Long> byReason) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        byReason.forEach((r, count) -> o.put(r.name(), count));
        return o;
    }

    static ObjectNode dnsStats(DnsLog log) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ObjectNode types = o.putObject("queriesByType");
        log.queriesByType().forEach(types::put);
        ObjectNode rcodes = o.putObject("responsesByRcode");
        log.responsesByRcode().forEach(rcodes::put);
        o.put("malformed", log.malformedCount());
        o.put("unansweredPaused", log.pausedDropCount());
        return o;
    }

    // ---- topology ----

    /** One node: where it sits on the underlay, its VTEP and TUN, its bridge with the gateway and pods. */
    static ObjectNode nodeTopology(VnetNode n) {
        NodeConfig c = n.config();
        ObjectNode o = Json.MAPPER.createObjectNode().put("name", c.name()).put("netns", c.netns())
                .put("underlayIP", c.underlayIp().toString()).put("underlayLink", "ul-" + c.name())
                .put("podCIDR", c.podSubnet().toString()).put("vtepMAC", c.vtepMac().toString());
        o.putObject("tun").put("name", VnetNode.TUN_NAME).put("ip", c.tunIp().toString());
        o.put("bridge", n.bridge().name());
        GatewayPort gw = n.gateway();
        o.putObject("gateway").put("ip", Ipv4Address.toString(gw.ip())).put("mac", MacAddress.toString(gw.mac()))
                .put("port", gw.port().name());
        ArrayNode pods = o.putArray("pods");
        n.pods().values().stream().sorted(Comparator.comparing((RunningPod p) -> p.name())).forEach(p -> {
            PodSandbox s = p.sandbox();
            pods.addObject().put("name", p.name()).put("namespace", p.namespace())
                    .put("ip", s.spec().ip().toString()).put("mac", s.mac().toString())
                    .put("port", s.port().port().name());
        });
        ArrayNode peers = o.putArray("peers");
        for (Peer p : n.peers().peers()) {
            peers.addObject().put("node", p.nodeName()).put("podCIDR", p.podSubnet().toString())
                    .put("underlayIP", p.underlayIp().toString()).put("vtepMAC", p.vtepMac().toString());
        }
        return o;
    }

    /**
     * One entry per pair of nodes with a tunnel, in node order: {@code both} is true when each knows the other
     * as a peer (the normal state), false while only {@code from} knows {@code to}.
     */
    static List<ObjectNode> tunnels(List<VnetNode> nodes) {
        List<ObjectNode> out = new java.util.ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = i + 1; j < nodes.size(); j++) {
                boolean ab = knows(nodes.get(i), nodes.get(j));
                boolean ba = knows(nodes.get(j), nodes.get(i));
                if (!ab && !ba) {
                    continue;
                }
                NodeConfig from = (ab ? nodes.get(i) : nodes.get(j)).config();
                NodeConfig to = (ab ? nodes.get(j) : nodes.get(i)).config();
                out.add(Json.MAPPER.createObjectNode().put("from", from.name())
                        .put("fromIP", from.underlayIp().toString()).put("fromPodCIDR", from.podSubnet().toString())
                        .put("to", to.name()).put("toIP", to.underlayIp().toString())
                        .put("toPodCIDR", to.podSubnet().toString())
                        .put("vni", nodes.get(i).vtep().vni()).put("both", ab && ba));
            }
        }
        return out;
    }

    private static boolean knows(VnetNode a, VnetNode b) {
        return a.peers().peers().stream().anyMatch(p -> p.nodeName().equals(b.config().name()));
    }
}
