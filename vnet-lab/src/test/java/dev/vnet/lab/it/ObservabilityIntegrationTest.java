package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Seeing the network: traces through a Service across nodes, captures that tshark decodes (ARP, VXLAN with
 * the inner packet, DNATed TCP with valid checksums), flow events, counters and the topology.
 * Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestLab lab;
    private static String client;
    private static String web;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(2);
        client = lab.pod("client");
        web = lab.pod("web");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {nodeName: node-1, containers: [{name: s, image: busybox, command: [sleep, infinity]}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {app: web}}
                spec: {nodeName: node-2, containers: [{name: w, image: whoami, ports: [{containerPort: 8080}]}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: empty}
                spec: {selector: {app: nobody}, ports: [{port: 80}]}
                """.formatted(client, web));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static JsonNode trace(String target, String proto) throws ApiException {
        return lab.call("trace", "source", client, "target", target, "protocol", proto);
    }

    private static List<String> stages(JsonNode t) {
        List<String> out = new ArrayList<>();
        t.path("hops").forEach(h -> out.add(h.path("node").asString() + " " + h.path("stage").asString()));
        return out;
    }

    @Test
    @Order(1)
    void aTraceThroughAServiceShowsDnatVxlanAndDelivery() throws Exception {
        TestLab.inNs(client, 10, "ping", "-c", "1", "-W", "2", lab.podIp(web)); // the bridges learn the MACs
        JsonNode t = trace("web:80", "tcp");
        // The endpoints controller and each node's Service sync follow the apply by a few sync periods.
        for (int i = 0; i < 40 && t.path("outcome").asString().contains("has no endpoints"); i++) {
            Thread.sleep(250);
            t = trace("web:80", "tcp");
        }
        // Each node's router pipeline in order (service, policy, dns, router), around the bridge and the tunnel.
        assertEquals(List.of("node-1 pod", "node-1 bridge", "node-1 service", "node-1 service", "node-1 policy",
                "node-1 dns", "node-1 router", "node-1 vxlan", "node-2 vxlan", "node-2 service", "node-2 policy",
                "node-2 dns", "node-2 router", "node-2 bridge"), stages(t), t.toString());
        String all = t.path("hops").toString();
        assertTrue(all.contains("DNAT destination") && all.contains(lab.podIp(web) + ":8080"), all);
        assertTrue(all.contains("VNI 1") && all.contains("192.168.56.12"), all);
        assertEquals("delivered to " + web + " on node-2", t.path("outcome").asString());
        JsonNode ct = lab.call("conntrack").path("entries");
        for (JsonNode e : ct) {
            assertTrue(!e.path("original").asString().contains("sport=" + t.path("probe").asString().replaceAll(".*:(\\d+) →.*", "$1")),
                    "the probe's conntrack entry is removed: " + e);
        }
    }

    @Test
    @Order(2)
    void tracesNameTheDropAndItsReason() throws Exception {
        assertTrue(trace("10.244.9.9", "icmp").path("outcome").asString().contains("no route to the destination"));
        assertTrue(trace("empty:80", "tcp").path("outcome").asString().contains("no endpoints"));
        ApiException bad = assertThrows(ApiException.class, () -> trace("nothing-here:80", "tcp"));
        assertTrue(bad.getMessage().contains("neither an IP, a Service"), bad.getMessage());
    }

    private static Path capture(String file, String... keyValues) throws Exception {
        ObjectNode req = JSON.createObjectNode().put("op", "capture");
        for (int i = 0; i < keyValues.length; i += 2) {
            req.put(keyValues[i], keyValues[i + 1]);
        }
        Path path = lab.config.stateDir().resolve(file);
        Thread t = new Thread(() -> {
            try (OutputStream out = new FileOutputStream(path.toFile())) {
                lab.api.stream(req, out);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        Thread.sleep(700); // the capture is attached
        TestLab.inNs(client, 10, "ip", "neigh", "flush", "all");
        TestLab.inNs(client, 15, "curl", "-s", "-m", "3", "http://" + clusterIp() + "/");
        t.join(10_000);
        return path;
    }

    private static String clusterIp() throws Exception {
        return lab.call("get", "kind", "svc", "name", "web").path("list").path("items").get(0)
                .path("spec").path("clusterIP").asString();
    }

    @Test
    @Order(3)
    void capturesDecodeInTshark() throws Exception {
        Path pod = capture("pod.pcap", "pod", client, "count", "6", "format", "pcap", "filter", "arp or tcp");
        String decoded = TestLab.run(60, "tshark", "-r", pod.toString()).out();
        assertTrue(decoded.contains("ARP") && decoded.contains("Who has 10.244.1.1"), decoded);
        assertTrue(decoded.contains(clusterIp()), "the pod sees the ClusterIP: " + decoded);

        Path nat = capture("nat.pcapng", "point", "nat", "node", "node-1", "count", "2", "format", "pcapng",
                "filter", "tcp");
        String natOut = TestLab.run(60, "tshark", "-r", nat.toString(), "-o", "tcp.check_checksum:TRUE", "-T", "fields",
                "-e", "frame.interface_name", "-e", "frame.comment", "-e", "ip.dst", "-e", "tcp.checksum.status",
                "-e", "ip.src", "-e", "tcp.checksum", "-e", "ip.len", "-e", "ip.hdr_len").out();
        assertTrue(natOut.contains("node-1:nat-before") && natOut.contains("node-1:nat-after"), natOut);
        assertTrue(natOut.contains("TRANSLATED") && natOut.contains(lab.podIp(web)), natOut);
        natOut.lines().filter(l -> l.contains("node-1:nat-")).forEach(l -> assertTrue(checksumRight(l),
                "checksums right before and after DNAT (verified, or partial as offloads leave them): " + l));

        Path ul = capture("underlay.pcap", "point", "underlay", "count", "4", "format", "pcap", "filter", "udp port 4789");
        String ulOut = TestLab.run(60, "tshark", "-r", ul.toString(), "-Y", "vxlan && tcp").out();
        assertTrue(ulOut.contains(lab.podIp(web)) && ulOut.contains("TCP"), "VXLAN with the inner TCP: " + ulOut);
    }

    /**
     * A TCP checksum as tshark shows it is right if it verifies, or, for a pod's segment with offloads
     * (TX checksum offload on its TAP, as on any host with offloads), if it is the partial sum the pod's kernel
     * left: the pseudo-header of the packet's own addresses and length, which NAT must keep up to date.
     */
    private static boolean checksumRight(String tsharkFields) {
        String[] f = tsharkFields.split("\t");
        if (f[3].equals("1")) {
            return true;
        }
        long sum = 6 + Integer.parseInt(f[6]) - Integer.parseInt(f[7]);
        for (String ip : new String[] {f[4], f[2]}) {
            String[] o = ip.split("\\.");
            sum += (Integer.parseInt(o[0]) << 8 | Integer.parseInt(o[1])) + (Integer.parseInt(o[2]) << 8 | Integer.parseInt(o[3]));
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return Integer.decode(f[5]) == sum;
    }

    @Test
    @Order(4)
    void flowsStatsAndTopologyTellTheStory() throws Exception {
        JsonNode events = lab.call("flows", "since", "0").path("events");
        boolean translated = false;
        for (JsonNode e : events) {
            translated |= e.path("verdict").asString().equals("translated") && e.path("detail").asString().contains("default/web");
        }
        assertTrue(translated, events.toString());
        JsonNode stats = lab.call("stats", "node", "node-1");
        assertTrue(stats.toString().contains("\"gateway\""), stats.toString());
        JsonNode topo = lab.call("topology");
        assertTrue(topo.toString().contains(client) && topo.toString().contains("node-2"), topo.toString());
        TestLab.Result metrics = TestLab.inNs(lab.config.outsideNs(), 10, "curl", "-s", "-m", "3",
                "http://192.168.56.11:9090/metrics");
        assertTrue(metrics.out().contains("vnet_port_rx_packets_total{node=\"node-1\",port=\"" + client + "\"}"),
                metrics.out().lines().limit(5).toList().toString());
    }

    @Test
    @Order(5)
    void teardownLeavesNothing() throws Exception {
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take());
    }
}
