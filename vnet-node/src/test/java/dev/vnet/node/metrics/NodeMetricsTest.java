package dev.vnet.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.bridge.BridgePort;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node-1 built without root (no devices), with one in-memory pod port, pod-a (10.244.1.2); frames are played
 * into its bridge port and the registry is scraped with the library's own text format writer.
 */
class NodeMetricsTest {
    private static final long NOW = 1_000_000_000L;
    private static final long POD_A_MAC = 0x0a580af40102L;
    private static final int POD_A_IP = 0x0af40102; // 10.244.1.2
    private static final int GATEWAY_IP = 0x0af40101; // 10.244.1.1

    private VnetNode node;
    private BridgePort podA;
    private final List<byte[]> toPodA = new ArrayList<>();

    @BeforeEach
    void setUp() {
        node = new VnetNode(dev.vnet.node.NodeConfig.defaults(1), Commands.quiet(), System::nanoTime, key -> { });
        podA = node.bridge().attach("pod-a", (frame, length, now) -> {
            byte[] copy = new byte[length];
            frame.get(0, copy);
            toPodA.add(copy);
            return true;
        });
    }

    private void inject(byte[] frame) {
        ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
        buf.put(0, frame);
        node.bridge().receive(podA, buf, frame.length, NOW);
    }

    private static String scrape(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void portAndStageCountersAreScrapedAsTheyAre() throws IOException {
        PrometheusRegistry registry = NodeMetrics.registry(node, null);
        inject(arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP)); // 42 bytes, broadcast: flooded; the gateway answers
        inject(new byte[10]); // shorter than an Ethernet header
        assertEquals(1, toPodA.size(), "the gateway's ARP reply reached pod-a");

        String text = scrape(registry);
        assertContains(text,
                "# TYPE vnet_port_rx_packets_total counter",
                "vnet_port_rx_packets_total{node=\"node-1\",port=\"pod-a\"} 2.0",
                "vnet_port_rx_bytes_total{node=\"node-1\",port=\"pod-a\"} 52.0",
                "vnet_port_tx_packets_total{node=\"node-1\",port=\"pod-a\"} 1.0",
                "vnet_port_tx_bytes_total{node=\"node-1\",port=\"pod-a\"} 42.0",
                "vnet_port_rx_segments_total{node=\"node-1\",port=\"pod-a\"} 2.0",
                "vnet_port_tx_segments_total{node=\"node-1\",port=\"pod-a\"} 1.0",
                "vnet_port_answers_picked_up_total{node=\"node-1\",port=\"pod-a\"} 0.0",
                "vnet_port_rx_packets_total{node=\"node-1\",port=\"gateway\"} 1.0",
                "vnet_port_tx_packets_total{node=\"node-1\",port=\"gateway\"} 1.0",
                "vnet_port_drops_total{node=\"node-1\",port=\"pod-a\",reason=\"truncated\"} 1.0",
                "vnet_bridge_flooded_frames_total{node=\"node-1\"} 1.0",
                "vnet_bridge_forwarded_frames_total{node=\"node-1\"} 1.0",
                "vnet_bridge_learned_total{event=\"new\",node=\"node-1\"} 1.0",
                "vnet_bridge_learned_total{event=\"refused\",node=\"node-1\"} 0.0",
                "vnet_bridge_fdb_entries{node=\"node-1\"} 2.0",
                "vnet_gateway_arp_replies_total{node=\"node-1\"} 1.0",
                "vnet_gateway_neighbors{node=\"node-1\"} 1.0",
                "vnet_router_routed_packets_total{node=\"node-1\",route=\"overlay\"} 0.0",
                "# TYPE vnet_vxlan_tx_bytes_total counter",
                "vnet_vxlan_rx_packets_total{node=\"node-1\"} 0.0",
                "vnet_vxlan_tx_superframes_total{node=\"node-1\"} 0.0",
                "vnet_vxlan_tx_segmented_sends_total{node=\"node-1\"} 0.0",
                "vnet_vxlan_rx_coalesced_segments_total{node=\"node-1\"} 0.0",
                "vnet_service_new_flows_total{node=\"node-1\"} 0.0",
                "vnet_service_snat_flows_total{node=\"node-1\"} 0.0",
                "vnet_conntrack_entries{node=\"node-1\"} 0.0",
                "vnet_conntrack_max_entries{node=\"node-1\"} 262144.0",
                "vnet_conntrack_refused_total{cause=\"table_full\",node=\"node-1\"} 0.0",
                "vnet_service_snat_redirects_total{node=\"node-1\"} 0.0",
                "vnet_conntrack_early_drops_total{cause=\"snat_port\",node=\"node-1\"} 0.0");
        assertFalse(text.contains("reason=\"none\""), "only real drops are listed:\n" + text);
        assertFalse(text.contains("vnet_dns_"), "no DNS series without a DNS log");
    }

    @Test
    void eachScrapeReadsTheCountersAnew() throws IOException {
        PrometheusRegistry registry = NodeMetrics.registry(node, null);
        inject(arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP));
        assertContains(scrape(registry), "vnet_gateway_arp_replies_total{node=\"node-1\"} 1.0");
        inject(arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP));
        inject(frame(0xffffffffffffL, 0x010000000001L, 0x0806, new byte[28])); // group source MAC
        String text = scrape(registry);
        assertContains(text,
                "vnet_gateway_arp_replies_total{node=\"node-1\"} 2.0",
                "vnet_bridge_learned_total{event=\"new\",node=\"node-1\"} 1.0",
                "vnet_port_drops_total{node=\"node-1\",port=\"pod-a\",reason=\"bad_source_mac\"} 1.0");
    }

    @Test
    void aRemovedPortsSeriesGo() throws IOException {
        PrometheusRegistry registry = NodeMetrics.registry(node, null);
        inject(arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP));
        node.bridge().detach(podA);
        assertFalse(scrape(registry).contains("port=\"pod-a\""));
    }

    @Test
    void dnsCountersCarryNoNodeLabel() throws IOException {
        DnsLog log = new DnsLog();
        log.record(new DnsLog.Entry(Instant.EPOCH, "node-1", "10.244.1.2", "udp", "web.default.svc.cluster.local",
                "A", "NOERROR", List.of("10.96.0.20")));
        log.record(new DnsLog.Entry(Instant.EPOCH, "node-2", "10.244.2.2", "udp", "nope.default.svc.cluster.local",
                "AAAA", "NXDOMAIN", List.of()));
        log.malformed();
        assertContains(scrape(NodeMetrics.registry(node, log)),
                "vnet_dns_queries_total{type=\"A\"} 1.0",
                "vnet_dns_queries_total{type=\"AAAA\"} 1.0",
                "vnet_dns_responses_total{rcode=\"NXDOMAIN\"} 1.0",
                "vnet_dns_malformed_total 1.0");
    }

    @Test
    void twoNodesInOneProcessKeepTheirSeriesApart() throws IOException {
        VnetNode node2 = new VnetNode(dev.vnet.node.NodeConfig.defaults(2), Commands.quiet(), System::nanoTime, key -> { });
        PrometheusRegistry one = NodeMetrics.registry(node, null);
        PrometheusRegistry two = NodeMetrics.registry(node2, null);
        inject(arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP));
        assertContains(scrape(one), "vnet_gateway_arp_replies_total{node=\"node-1\"} 1.0");
        assertContains(scrape(two), "vnet_gateway_arp_replies_total{node=\"node-2\"} 0.0");
    }

    /**
     * As root: the endpoint listens inside the node's namespace, reachable there and not from the root
     * namespace. A scratch namespace with only loopback stands in for the node's.
     */
    @Test
    void servesMetricsInsideTheNamespace() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "namespace test skipped: " + why);
        String ns = "vm" + UUID.randomUUID().toString().substring(0, 8);
        Commands cmd = Commands.quiet();
        cmd.run("ip", "netns", "add", ns);
        try {
            cmd.run("ip", "-n", ns, "link", "set", "lo", "up");
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            try (NodeMetrics metrics = NodeMetrics.start(node, ns, lo, 0)) {
                int port = metrics.port();
                inject(arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP));
                String body = NetNs.call(ns, () -> get("http://127.0.0.1:" + port + "/metrics"));
                assertContains(body, "vnet_gateway_arp_replies_total{node=\"node-1\"} 1.0");
                assertThrows(IOException.class, () -> new Socket(lo, port).close(),
                        "nothing listens on that port in the root namespace");
            }
        } finally {
            cmd.tryRun("ip", "netns", "del", ns);
        }
    }

    private static String get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(5000);
        try (InputStream in = c.getInputStream()) {
            assertEquals(200, c.getResponseCode());
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static void assertContains(String text, String... lines) {
        List<String> have = text.lines().toList();
        for (String line : lines) {
            assertTrue(have.contains(line), "missing line: " + line + "\nin:\n" + text);
        }
    }

    // ---- frames ----

    private static byte[] arpRequest(long senderMac, int senderIp, int targetIp) {
        ByteBuffer arp = ByteBuffer.allocate(28);
        arp.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        putMac(arp, senderMac);
        arp.putInt(senderIp);
        putMac(arp, 0);
        arp.putInt(targetIp);
        return frame(0xffffffffffffL, senderMac, 0x0806, arp.array());
    }

    private static byte[] frame(long dst, long src, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        putMac(b, dst);
        putMac(b, src);
        b.putShort((short) etherType).put(payload);
        return b.array();
    }

    private static void putMac(ByteBuffer b, long mac) {
        for (int i = 5; i >= 0; i--) {
            b.put((byte) (mac >>> (8 * i)));
        }
    }
}
