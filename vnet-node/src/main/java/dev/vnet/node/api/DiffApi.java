package dev.vnet.node.api;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.service.ServicePort;
import dev.vnet.node.VnetNode;
import dev.vnet.overlay.Peer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code vnet diff}: what the store asks of each node of this process against what the node has programmed, table
 * by table — its Service table (kube-proxy's rules), its overlay peers (flannel's routes), its policy inputs, its DNS
 * records — with each loop's last applied revision and time. The desired side is compiled from the store by the
 * same code a sync runs, so a difference is only ever a sync not yet applied (or held back by {@code --pause
 * sync}): the reconciliation loop, made visible. Each difference carries how long it has been seen.
 */
final class DiffApi {
    private final NodeHost host;
    /** When each difference was first seen, so that its age can be told; forgotten once it is gone. */
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();

    DiffApi(NodeHost host) {
        this.host = host;
    }

    ObjectNode diff(String onlyNode) {
        ObjectNode out = Json.object().put("ok", true);
        ArrayNode nodes = out.putArray("nodes");
        Instant now = Instant.now();
        java.util.Set<String> still = new java.util.HashSet<>();
        for (int i = 0; i < host.nodes().size(); i++) {
            VnetNode node = host.nodes().get(i);
            String name = node.config().name();
            if (!onlyNode.isEmpty() && !onlyNode.equals(name)) {
                continue;
            }
            ObjectNode n = nodes.addObject().put("node", name);
            if (host.serviceSync(i) == null || host.policySync(i) == null || host.dnsSync(i) == null
                    || host.peerSync(i) == null) {
                n.putArray("loops");
                n.putArray("differences");
                continue; // a node without its loops (a test's) has nothing programmed to compare
            }
            ArrayNode loops = n.putArray("loops");
            List<Reconciler> rs = List.of(host.serviceSync(i).reconciler(), host.policySync(i).reconciler(),
                    host.dnsSync(i).reconciler(), host.peerSync(i).reconciler());
            for (Reconciler r : rs) {
                Reconciler.Applied a = r.applied();
                ObjectNode l = loops.addObject().put("loop", a.loop()).put("revision", a.revision())
                        .put("paused", a.paused());
                l.put("appliedAt", a.at() == null ? "" : a.at().toString());
                l.put("pendingSince", a.pendingSince() == null ? "" : a.pendingSince().toString());
            }
            ArrayNode diffs = n.putArray("differences");
            compare(name, "services", services(host.serviceSync(i).compileFromStore().ports()),
                    services(host.serviceSync(i).ports()), diffs, now, still);
            compare(name, "peers", peers(host.peerSync(i).fromStore()), peers(node.peers().peers()), diffs, now,
                    still);
            compare(name, "policy", host.policySync(i).fromStore(), host.policySync(i).applied(), diffs, now, still);
            compare(name, "dns", records(host.dnsSync(i).fromStore()), records(host.dnsSync(i).programmed()), diffs,
                    now, still);
        }
        firstSeen.keySet().retainAll(still);
        return out;
    }

    private void compare(String node, String table, Map<String, String> desired, Map<String, String> programmed,
                         ArrayNode out, Instant now, java.util.Set<String> still) {
        TreeSet<String> keys = new TreeSet<>(desired.keySet());
        keys.addAll(programmed.keySet());
        for (String k : keys) {
            String want = desired.get(k);
            String have = programmed.get(k);
            if (java.util.Objects.equals(want, have)) {
                continue;
            }
            String id = node + "|" + table + "|" + k + "|" + want + "|" + have;
            still.add(id);
            Instant since = firstSeen.computeIfAbsent(id, x -> now);
            ObjectNode d = out.addObject().put("table", table).put("key", k)
                    .put("change", want == null ? "stale" : have == null ? "missing" : "differs")
                    .put("ageSeconds", Duration.between(since, now).toSeconds());
            d.put("desired", want == null ? "" : want);
            d.put("programmed", have == null ? "" : have);
        }
    }

    /** One line per Service port: where it listens and its endpoints, in order. */
    static Map<String, String> services(List<ServicePort> ports) {
        Map<String, String> out = new TreeMap<>();
        for (ServicePort p : ports) {
            List<String> eps = new ArrayList<>();
            for (Endpoint e : p.endpoints()) {
                eps.add(new Ipv4Address(e.ip()) + ":" + e.port() + (e.ready() ? "" : " (not ready)"));
            }
            java.util.Collections.sort(eps);
            out.put(p.name() + " " + new Ipv4Address(p.clusterIp()) + ":" + p.port() + "/" + (p.protocol() == 17
                    ? "UDP" : "TCP"), "endpoints " + (eps.isEmpty() ? "none" : String.join(",", eps))
                    + (p.nodePort() == 0 ? "" : ", nodePort " + p.nodePort())
                    + (p.loadBalancerIp() == 0 ? "" : ", LB " + new Ipv4Address(p.loadBalancerIp())));
        }
        return out;
    }

    static Map<String, String> peers(List<Peer> peers) {
        Map<String, String> out = new TreeMap<>();
        for (Peer p : peers) {
            out.put("peer " + p.nodeName(), p.podSubnet() + " via " + p.underlayIp() + " (VTEP " + p.vtepMac() + ")");
        }
        return out;
    }

    /** DNS records as keys (a record is there or not); the SOA lines are left out, their serial always moves. */
    static Map<String, String> records(List<String> lines) {
        Map<String, String> out = new TreeMap<>();
        for (String l : lines) {
            if (!l.contains("\tSOA\t") && !l.contains(" SOA ")) {
                out.put("record " + l.replace('\t', ' ').replaceAll(" +", " "), "present");
            }
        }
        return out;
    }
}
