package dev.vnet.nat.lb;

import static dev.vnet.nat.lb.Endpoints.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SourceHashBalancerTest {

    @Test
    void aClientAlwaysGetsTheSameEndpointWhateverItsPort() {
        Balancer sh = new SourceHashBalancer();
        List<Endpoint> five = endpoints(5);
        for (int client = 0x0AF4_0200; client < 0x0AF4_0300; client++) {
            int first = sh.pick(five, client, 1, 0).index();
            for (int port = 2; port < 50; port++) {
                assertEquals(first, sh.pick(five, client, port, port).index());
            }
            assertEquals(first, new SourceHashBalancer().pick(five, client, 1, 0).index(), "on every node");
        }
    }

    @Test
    void clientsSpreadOverTheEndpoints() {
        Balancer sh = new SourceHashBalancer();
        List<Endpoint> four = endpoints(4);
        int[] counts = new int[4];
        for (int client = 0x0AF4_0100; client < 0x0AF4_0100 + 4000; client++) {
            counts[sh.pick(four, client, 1, 0).index()]++;
        }
        for (int c : counts) {
            assertTrue(c > 850 && c < 1150, java.util.Arrays.toString(counts));
        }
    }

    @Test
    void reasonNamesTheClient() {
        Choice c = new SourceHashBalancer().pick(endpoints(3), 0x0AF4_0102, 1, 0);
        assertEquals("source hash of 10.244.1.2 → " + c.index(), c.reason());
    }
}
