package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** `vnet stats` as printed from the lab's answer: needs no lab. */
class StatsCommandTest {
    @Test
    void printsThePortTableThenOneLinePerStageWithDropsInWords() {
        List<String> lines = StatsCommand.render(ObservabilityFixtures.json(ObservabilityFixtures.STATS));
        assertEquals("""
                node-1
                  PORT      RX-PKTS   RX-BYTES   TX-PKTS   TX-BYTES   DROPS
                  gateway   4         238        9         1100       5
                  web-1     9         1100       4         238        0
                  dropped on gateway: 4 × addressed to another host
                  dropped on gateway: 1 × checksum does not verify
                  bridge     forwarded 8, flooded 5, to the router 0; FDB 2 entries
                             learned 2 new, 0 moved, 0 refused (FDB full)
                  gateway    ARP replies 1, echo replies 0, routed 3; neighbours 1
                  router     to local pods 3, to other nodes 3, to the node 0; ICMP errors sent 0
                             dropped 2 × no route to the destination
                             pipeline (packets in): service 6 → dns 6 → router 6
                  vxlan      VNI 1, peers 1; sent 3 packets / 390 bytes, received 3 packets / 390 bytes
                  services   new flows 0, translated 0, rejected 0, SNAT 0 (0 moved to another endpoint)
                  conntrack  0 entries of 262144; inserted 0, expired 0, refused 0 (table full), 0 (clash)
                             made room: 0 half-open entries dropped early, 0 SNAT ports taken back

                cluster DNS (all nodes)
                  dns        queries A 4, AAAA 4; answers NOERROR 6, NXDOMAIN 2; malformed 0
                """, String.join("\n", lines) + "\n");
    }

    @Test
    void eachNodeGetsItsOwnBlock() {
        JsonNode two = ObservabilityFixtures.json("""
                {'ok': true, 'nodes': [{'name': 'node-1', 'ports': []}, {'name': 'node-2', 'ports': []}]}
                """);
        List<String> lines = StatsCommand.render(two);
        assertEquals("node-1", lines.get(0));
        assertEquals(1, lines.stream().filter("node-2"::equals).count());
        assertEquals("", lines.get(lines.indexOf("node-2") - 1), "a blank line between nodes");
    }

    @Test
    void linesFitAHundredColumns() {
        for (String line : StatsCommand.render(ObservabilityFixtures.json(ObservabilityFixtures.STATS))) {
            assertTrue(line.length() <= 100, "longer than 100 columns: " + line);
        }
    }

    @Test
    void dropReasonsAreInWordsLargestFirst() {
        assertEquals(List.of("7 × time to live reached zero", "2 × no route to the destination",
                        "2 × output queue is full", "1 × some future reason"),
                StatsCommand.dropsInWords(ObservabilityFixtures.json(
                        "{'NO_ROUTE': 2, 'TTL_EXCEEDED': 7, 'SOME_FUTURE_REASON': 1, 'QUEUE_FULL': 2}")));
        assertEquals(List.of(), StatsCommand.dropsInWords(ObservabilityFixtures.json("{}")));
    }
}
