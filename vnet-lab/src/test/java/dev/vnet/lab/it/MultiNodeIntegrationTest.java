package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.node.VnetNode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes joined by VXLAN over the underlay bridge: pods reach pods on other nodes by their own IPs,
 * nodes reach pods without NAT, path-MTU discovery works. Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiNodeIntegrationTest {
    private static TestLab lab;
    private static String a;
    private static String b;
    private static String c;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(3);
        a = lab.pod("a");
        b = lab.pod("b");
        c = lab.pod("c");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  nodeName: node-1
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  nodeName: node-2
                  containers: [{name: web, image: whoami, ports: [{containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  nodeName: node-3
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                """.formatted(a, b, c));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void podsLandOnTheirNodesWithAddressesFromEachNodesSubnet() throws Exception {
        assertTrue(lab.podIp(a).startsWith("10.244.1."), lab.podIp(a));
        assertTrue(lab.podIp(b).startsWith("10.244.2."), lab.podIp(b));
        assertTrue(lab.podIp(c).startsWith("10.244.3."), lab.podIp(c));
    }

    @Test
    @Order(2)
    void eachTunnelGetsAFirstPacketWhenItsPeerAppears() throws Exception {
        // Each node sent one UDP datagram to each peer's TUN address through its new tunnel, and the peer's
        // kernel answered "port unreachable" the same way: the tunnels' one-time setup is paid before a pod's
        // first packet. So every VTEP has sent and received, pods or no pods.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !lab.lab.nodes().stream()
                .allMatch(n -> n.vtep().txPackets() >= 2 && n.vtep().rxPackets() >= 2)) {
            Thread.sleep(100);
        }
        for (var n : lab.lab.nodes()) {
            assertTrue(n.vtep().txPackets() >= 2 && n.vtep().rxPackets() >= 2, n.config().name() + ": tx "
                    + n.vtep().txPackets() + ", rx " + n.vtep().rxPackets() + " datagrams (two peers each)");
        }
    }

    @Test
    @Order(3)
    void podsPingPodsOnOtherNodes() throws Exception {
        TestLab.Result r = TestLab.inNs(a, 20, "ping", "-c", "3", "-W", "2", lab.podIp(c));
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("ttl=62"), "two routers on the way, each decrements the TTL: " + r.out());
        assertEquals(0, TestLab.inNs(c, 20, "ping", "-c", "2", "-W", "2", lab.podIp(b)).exit());
    }

    @Test
    @Order(4)
    void whoamiOnAnotherNodeSeesTheCallersRealPodIp() throws Exception {
        TestLab.Result r = TestLab.inNs(a, 20, "curl", "-s", "-m", "5", "http://" + lab.podIp(b) + ":8080/");
        assertTrue(r.out().contains("Hostname: " + b), r.out());
        assertTrue(r.out().contains("RemoteAddr: " + lab.podIp(a) + ":"), "no NAT: " + r.out());
    }

    @Test
    @Order(5)
    void aNodeReachesPodsOnOtherNodesFromItsOwnAddress() throws Exception {
        TestLab.Result ping = TestLab.inNs(lab.config.nodeNs(2), 20, "ping", "-c", "2", "-W", "2", lab.podIp(c));
        assertEquals(0, ping.exit(), ping.out());
        TestLab.Result curl = TestLab.inNs(lab.config.nodeNs(3), 20, "curl", "-s", "-m", "5",
                "http://" + lab.podIp(b) + ":8080/");
        assertTrue(curl.out().contains("RemoteAddr: 10.244.3.0:"), "node-3 calls from its TUN address: " + curl.out());
    }

    @Test
    @Order(6)
    void aFullSizePacketWithDfCrossesNodes() throws Exception {
        // 1422 bytes of ICMP data + 8 + 20 = a 1450-byte IP packet: exactly the pod MTU.
        TestLab.Result r = TestLab.inNs(a, 20, "ping", "-c", "2", "-W", "2", "-s", "1422", "-M", "do", lab.podIp(c));
        assertEquals(0, r.exit(), r.out());
    }

    @Test
    @Order(7)
    void tooBigForTheOverlayWithDfGetsFragmentationNeededWithTheOverlayMtu() throws Exception {
        TestLab.inNs(a, 10, "ip", "link", "set", "eth0", "mtu", "1500");
        try {
            TestLab.Result r = TestLab.inNs(a, 20, "ping", "-c", "1", "-W", "2", "-s", "1472", "-M", "do", lab.podIp(c));
            assertTrue(r.out().contains("Frag needed and DF set (mtu = 1450)"), r.out());
            assertTrue(lab.lab.nodes().get(0).router().counters().drops(DropReason.FRAG_NEEDED) >= 1);
        } finally {
            TestLab.inNs(a, 10, "ip", "link", "set", "eth0", "mtu", "1450");
            TestLab.inNs(a, 10, "ip", "route", "flush", "cache");
        }
    }

    @Test
    @Order(8)
    void iperf3AcrossNodesCompletes() throws Exception {
        TestLab.Result server = TestLab.inNs(b, 10, "iperf3", "-s", "-D", "-1");
        assertEquals(0, server.exit(), server.out());
        Thread.sleep(300);
        TestLab.Result r = TestLab.inNs(a, 30, "iperf3", "-c", lab.podIp(b), "-t", "2");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("receiver"), r.out());
    }

    @Test
    @Order(9)
    void theUnderlayCarriesVxlanOnUdp4789ThatWiresharkDecodes() throws Exception {
        java.nio.file.Path pcap = lab.config.stateDir().resolve("underlay.pcap");
        Process dump = new ProcessBuilder("ip", "netns", "exec", lab.config.outsideNs(), "tcpdump", "-lni",
                "vnet-ul", "-c", "2", "-U", "-w", pcap.toString(), "udp", "port", "4789")
                .redirectErrorStream(true).start();
        try {
            Thread.sleep(1000);
            TestLab.inNs(a, 10, "ping", "-c", "2", "-W", "2", lab.podIp(b));
            assertTrue(dump.waitFor(10, TimeUnit.SECONDS), "tcpdump saw VXLAN");
            TestLab.Result text = TestLab.run(20, "tcpdump", "-nr", pcap.toString());
            assertTrue(text.out().contains("192.168.56.11") && text.out().contains(".4789: VXLAN, flags [I] (0x08), vni 1"),
                    text.out());
            TestLab.Result decoded = TestLab.run(60, "tshark", "-r", pcap.toString(), "-Y", "vxlan.vni == 1 && icmp");
            assertTrue(decoded.out().contains(lab.podIp(a) + " → " + lab.podIp(b)) && decoded.out().contains("Echo (ping)"),
                    "Wireshark decodes the inner ICMP: " + decoded.out());
        } finally {
            dump.destroyForcibly();
        }
    }

    @Test
    @Order(10)
    void vxlanFromAnAddressThatIsNoNodeIsDroppedAndCounted() throws Exception {
        VnetNode node2 = lab.lab.nodes().get(1);
        long before = node2.vtep().drops(DropReason.UNKNOWN_PEER);
        TestLab.inNs(lab.config.outsideNs(), 10, "bash", "-c",
                "printf '\\x08\\0\\0\\0\\0\\0\\x01\\0xxxxxxxxxxxxxxxxxxxx' > /dev/udp/192.168.56.12/4789");
        for (int i = 0; i < 50 && node2.vtep().drops(DropReason.UNKNOWN_PEER) == before; i++) {
            Thread.sleep(20);
        }
        assertEquals(before + 1, node2.vtep().drops(DropReason.UNKNOWN_PEER));
    }

    @Test
    @Order(11)
    void teardownLeavesNothingAndTheRootNamespaceWasNeverTouched() throws Exception {
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take());
    }
}
