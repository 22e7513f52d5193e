package dev.vnet.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.node.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LabConfigTest {

    private static final LabConfig DEFAULTS = LabConfig.defaults();

    private static Ipv4Address ip(String text) {
        return Ipv4Address.parse(text);
    }

    @Test
    void node1LivesInNamespaceVnetNode1() {
        NodeConfig node = DEFAULTS.node(1);

        assertEquals("vnet-node-1", node.netns());
        assertEquals("vnet-node-1", DEFAULTS.nodeNs(1));
        assertEquals("node-1", node.name());
        assertEquals(1, node.index());
    }

    @Test
    void node1OwnsPodSubnet10_244_1_0Slash24WithGatewayDotOne() {
        NodeConfig node = DEFAULTS.node(1);

        assertEquals(Cidr.parse("10.244.1.0/24"), node.podSubnet());
        assertEquals(ip("10.244.1.1"), node.gateway());
    }

    @Test
    void node1SitsAt192_168_56_11OnTheUnderlay() {
        assertEquals(ip("192.168.56.11"), DEFAULTS.node(1).underlayIp());
    }

    @Test
    void node3OwnsPodSubnet10_244_3_0Slash24() {
        NodeConfig node = DEFAULTS.node(3);

        assertEquals(Cidr.parse("10.244.3.0/24"), node.podSubnet());
        assertEquals(ip("10.244.3.1"), node.gateway());
    }

    @Test
    void node3SitsAt192_168_56_13OnTheUnderlay() {
        assertEquals(ip("192.168.56.13"), DEFAULTS.node(3).underlayIp());
    }

    @Test
    void theLastNodeStillFollowsThePlan() {
        NodeConfig node = DEFAULTS.node(LabConfig.MAX_NODES);

        assertEquals(Cidr.parse("10.244.9.0/24"), node.podSubnet());
        assertEquals(ip("192.168.56.19"), node.underlayIp());
        assertEquals("vnet-node-9", node.netns());
    }

    @Test
    void outsideIs192_168_56_1InNamespaceVnetOutside() {
        assertEquals(ip("192.168.56.1"), DEFAULTS.outsideIp());
        assertEquals("vnet-outside", DEFAULTS.outsideNs());
    }

    @Test
    void clusterDnsIs10_96_0_10() {
        assertEquals(ip("10.96.0.10"), DEFAULTS.dnsIp());
        assertEquals(ip("10.96.0.10"), DEFAULTS.node(2).dnsServer());
    }

    @Test
    void mtuIs1450OnEveryNode() {
        assertEquals(1450, DEFAULTS.mtu());
        assertEquals(1450, DEFAULTS.node(1).mtu());
        assertEquals(1450, DEFAULTS.node(3).mtu());
    }

    @Test
    void clusterCidrsFollowThePlan() {
        assertEquals(Cidr.parse("10.244.0.0/16"), DEFAULTS.podCidr());
        assertEquals(Cidr.parse("192.168.56.0/24"), DEFAULTS.underlay());
        assertEquals(Cidr.parse("10.96.0.0/12"), DEFAULTS.serviceCidr());
        assertEquals("cluster.local", DEFAULTS.clusterDomain());
        assertEquals("cluster.local", DEFAULTS.node(1).clusterDomain());
    }

    @Test
    void defaultsToTheDefaultNodeCountAndNoExplain() {
        assertEquals(LabConfig.DEFAULT_NODES, DEFAULTS.nodes());
        assertNull(DEFAULTS.explain());
    }

    @Test
    void apiCredentialsAndLogsLiveUnderRunVnet() {
        assertEquals(Path.of("/run/vnet"), DEFAULTS.stateDir());
        assertEquals(Path.of("/run/vnet/kube"), DEFAULTS.kubeDir());
        assertEquals(Path.of("/run/vnet/logs"), DEFAULTS.node(1).logDir());
    }

    @Test
    void withPrefixAndStateRenamesTheNamespaces() {
        LabConfig test = DEFAULTS.withPrefixAndState("vt42-", Path.of("/tmp/vt42"));

        assertEquals("vt42-outside", test.outsideNs());
        assertEquals("vt42-node-2", test.nodeNs(2));
        assertEquals("vt42-node-2", test.node(2).netns());
    }

    @Test
    void withPrefixAndStateMovesTheApiCredentialsAndLogs() {
        LabConfig test = DEFAULTS.withPrefixAndState("vt42-", Path.of("/tmp/vt42"));

        assertEquals(Path.of("/tmp/vt42/kube"), test.kubeDir());
        assertEquals(Path.of("/tmp/vt42/logs"), test.node(1).logDir());
    }

    @Test
    void withPrefixAndStateKeepsTheAddressingPlan() {
        LabConfig test = DEFAULTS.withNodes(3).withPrefixAndState("vt42-", Path.of("/tmp/vt42"));

        assertEquals(3, test.nodes());
        assertEquals(DEFAULTS.node(3).podSubnet(), test.node(3).podSubnet());
        assertEquals(DEFAULTS.node(3).underlayIp(), test.node(3).underlayIp());
        assertEquals(DEFAULTS.outsideIp(), test.outsideIp());
        assertEquals(DEFAULTS.dnsIp(), test.dnsIp());
        assertEquals(DEFAULTS.mtu(), test.mtu());
    }

    @Test
    void withNodesChangesOnlyTheNodeCount() {
        LabConfig five = DEFAULTS.withNodes(5);

        assertEquals(5, five.nodes());
        assertEquals(DEFAULTS, five.withNodes(DEFAULTS.nodes()));
    }

    @Test
    void withExplainSetsOnlyTheEchoStream() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());

        LabConfig explained = DEFAULTS.withExplain(out);

        assertSame(out, explained.explain());
        assertEquals(DEFAULTS, explained.withExplain(null));
    }

    @Test
    void defaultsDoNotChange() {
        assertEquals(LabConfig.defaults(), LabConfig.defaults());
        assertTrue(LabConfig.defaults().kubeDir().startsWith(LabConfig.DEFAULT_STATE_DIR));
        assertEquals("vnet-", LabConfig.DEFAULT_PREFIX);
    }
}
