package dev.vnet.nat.lb;

import static dev.vnet.nat.lb.Endpoints.CLIENT;
import static dev.vnet.nat.lb.Endpoints.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.nat.conntrack.Conntrack;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastConnectionsBalancerTest {

    @Test
    void picksTheEndpointWithFewestConnections() {
        List<Endpoint> four = endpoints(4);
        Map<Endpoint, Integer> active = new HashMap<>(Map.of(
                four.get(0), 5, four.get(1), 3, four.get(2), 7, four.get(3), 4));
        Balancer lc = new LeastConnectionsBalancer(active::get);

        Choice c = lc.pick(four, CLIENT, 1, 0);
        assertEquals(1, c.index());
        assertEquals("least connections (3 active)", c.reason());

        active.put(four.get(3), 0);
        assertEquals(3, lc.pick(four, CLIENT, 2, 0).index());
        assertEquals("least-connections", lc.name());
    }

    @Test
    void tiesAreTakenInTurn() {
        List<Endpoint> four = endpoints(4);
        Map<Endpoint, Integer> active = Map.of(four.get(0), 2, four.get(1), 1, four.get(2), 9, four.get(3), 1);
        Balancer lc = new LeastConnectionsBalancer(active::get);
        int[] picks = new int[4];
        for (int i = 0; i < 4; i++) {
            picks[i] = lc.pick(four, CLIENT, i, 0).index();
        }
        assertEquals(List.of(1, 3, 1, 3), java.util.Arrays.stream(picks).boxed().toList());
    }

    /** Wired as the router wires it: counts are conntrack entries replying from each endpoint. */
    @Test
    void withConntrackCountsEveryNewConnectionGoesToTheLeastLoaded() {
        Conntrack ct = new Conntrack();
        List<Endpoint> three = endpoints(3);
        Balancer lc = new LeastConnectionsBalancer(ep -> ct.countTo(ep.ip(), ep.port()));
        int vip = 0x0A60_0014;
        for (int port = 1; port <= 9; port++) {
            Endpoint ep = three.get(lc.pick(three, CLIENT, port, 0).index());
            ct.create(6, CLIENT, port, vip, 80, ep.ip(), ep.port(), CLIENT, port, "", 0);
        }
        for (Endpoint ep : three) {
            assertEquals(3, ct.countTo(ep.ip(), ep.port()), ep.toString());
        }
    }
}
