package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** `vnet topology` as drawn from the lab's answer: needs no lab. */
class TopologyCommandTest {
    @Test
    void drawsTheUnderlayTheNodesTheirPodsAndTheTunnels() {
        List<String> lines = TopologyCommand.render(ObservabilityFixtures.json(ObservabilityFixtures.TOPOLOGY));
        assertEquals("""
                outside  192.168.56.1/24  (netns vnet-outside, the world outside the cluster)
                   │
                ═══╧═══ vnet-ul  192.168.56.0/24  underlay bridge ═══════════════════════════════════════════════
                   │
                   ├── ul-node-1 ── eth0 192.168.56.11/24
                   │   ┌─ node-1 ─ pod subnet 10.244.1.0/24 ─ netns vnet-node-1 ────────────────────────────────┐
                   │   │ VTEP     192.168.56.11:4789  VNI 1  MAC 0a:58:0a:f4:01:00                              │
                   │   │ TUN      vnet0  10.244.1.0/32  (the node's own stack)                                  │
                   │   │ router   10.244.1.0/24 → bridge · other pod subnets → VTEP · else → vnet0              │
                   │   │ bridge   br-node-1                                                                     │
                   │   │   ├─ gateway   10.244.1.1   0a:58:0a:f4:01:01   gateway: ARP, ping, to the router      │
                   │   │   └─ web-1     10.244.1.2   0a:58:0a:f4:01:02   pod default/web-1                      │
                   │   └────────────────────────────────────────────────────────────────────────────────────────┘
                   │
                   └── ul-node-2 ── eth0 192.168.56.12/24
                       ┌─ node-2 ─ pod subnet 10.244.2.0/24 ─ netns vnet-node-2 ────────────────────────────────┐
                       │ VTEP     192.168.56.12:4789  VNI 1  MAC 0a:58:0a:f4:02:00                              │
                       │ TUN      vnet0  10.244.2.0/32  (the node's own stack)                                  │
                       │ router   10.244.2.0/24 → bridge · other pod subnets → VTEP · else → vnet0              │
                       │ bridge   br-node-2  (no pods yet)                                                      │
                       │   └─ gateway   10.244.2.1   0a:58:0a:f4:02:01   gateway: ARP, ping, to the router      │
                       └────────────────────────────────────────────────────────────────────────────────────────┘

                VXLAN tunnels  (VNI 1, UDP 4789 over vnet-ul; pod MTU 1450)
                  node-1 192.168.56.11  ◄══════►  node-2 192.168.56.12   10.244.1.0/24 ⇄ 10.244.2.0/24
                """, String.join("\n", lines) + "\n");
    }

    @Test
    void nineNodesWithLongPodNamesFitAHundredColumns() {
        ObjectNode t = (ObjectNode) ObservabilityFixtures.json(ObservabilityFixtures.TOPOLOGY);
        ArrayNode nodes = (ArrayNode) t.get("nodes");
        ObjectNode template = (ObjectNode) nodes.get(0);
        ((ObjectNode) template.get("pods").get(0)).put("name", "a-very-long-pod-name-that-goes-on-and-on-1234567890")
                .put("namespace", "a-long-namespace-name").put("port", "a-very-long-pod-name-that-goes-on");
        nodes.removeAll();
        for (int i = 0; i < 9; i++) {
            nodes.add(template.deepCopy().put("name", "node-" + (i + 1)));
        }
        List<String> lines = TopologyCommand.render(t);
        for (String line : lines) {
            assertTrue(line.length() <= 100, "longer than 100 columns: " + line);
        }
        assertEquals(9, lines.stream().filter(l -> l.contains("┌─ node-")).count());
        assertTrue(lines.stream().anyMatch(l -> l.contains("…")), "a row too long for its box is cut short");
    }

    @Test
    void aOneWayTunnelAndNoTunnelsAreSaid() {
        ObjectNode t = (ObjectNode) ObservabilityFixtures.json(ObservabilityFixtures.TOPOLOGY);
        ((ObjectNode) t.get("tunnels").get(0)).put("both", false);
        assertEquals("  node-1 192.168.56.11  ═══════►  node-2 192.168.56.12   10.244.1.0/24 ⇄ 10.244.2.0/24"
                + "  (one way so far)", TopologyCommand.tunnels(t).get(1));
        ((ArrayNode) t.get("tunnels")).removeAll();
        assertEquals("  none yet: the nodes have not learned each other", TopologyCommand.tunnels(t).get(1));
    }
}
