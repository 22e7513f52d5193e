package dev.vnet.ingress.proxy;

import static dev.vnet.ingress.proxy.ProxyTestKit.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.ingress.proxy.Balancer.Choice;
import dev.vnet.ingress.route.Action.Backend;
import dev.vnet.ingress.route.Action.Endpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyBalancerTest {
    static final Endpoint E1 = new Endpoint("10.244.1.5", 8080);
    static final Endpoint E2 = new Endpoint("10.244.2.5", 8080);
    static final Endpoint E3 = new Endpoint("10.244.3.5", 8080);

    @Test
    void endpointsInTurn() {
        Balancer b = new Balancer();
        List<Backend> one = List.of(backend("default/web:80", 1, E1, E2, E3));
        List<Endpoint> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            got.add(b.pick(one).endpoint());
        }
        assertEquals(List.of(E1, E2, E3, E1, E2, E3), got);
    }

    @Test
    void backendsByWeight() {
        Balancer b = new Balancer();
        List<Backend> split = List.of(backend("default/v1:80", 80, E1), backend("default/v2:80", 20, E2),
                backend("default/off:80", 0, E3));
        int[] count = new int[3];
        for (int i = 0; i < 10_000; i++) {
            Endpoint e = b.pick(split).endpoint();
            count[e.equals(E1) ? 0 : e.equals(E2) ? 1 : 2]++;
        }
        assertEquals(0, count[2], "weight 0 gets nothing");
        // 20 % of 10000: standard deviation 40.
        assertTrue(count[1] > 1800 && count[1] < 2200, "v2 got " + count[1]);
    }

    @Test
    void aBackendWithoutEndpointsKeepsItsShareAndWeightZeroGetsNone() {
        Balancer b = new Balancer();
        Backend empty = backend("default/empty:80", 50);
        int toEmpty = 0;
        for (int i = 0; i < 1000; i++) {
            Balancer.Choice c = b.pick(List.of(empty, backend("default/web:80", 50, E1)));
            if (c.endpoint() == null) {
                assertEquals(empty, c.backend(), "only the empty backend has no endpoint to give");
                toEmpty++;
            } else {
                assertEquals(E1, c.endpoint());
            }
        }
        // Its half is answered with its failStatus (the Gateway API's 500 for an invalid backendRef): sd ~16.
        assertTrue(toEmpty > 420 && toEmpty < 580, "the empty backend got " + toEmpty);
        assertNull(b.pick(List.of(empty)).endpoint());
        assertNull(b.pick(List.of(backend("default/zero:80", 0, E1))));
        assertTrue(Balancer.allWeightsZero(List.of(backend("default/zero:80", 0, E1))));
    }

    @Test
    void retryPrefersAnotherEndpointOfTheSameBackend() {
        Balancer b = new Balancer();
        Backend web = backend("default/web:80", 1, E1, E2);
        Backend other = backend("default/other:80", 1, E3);
        for (int i = 0; i < 10; i++) {
            Choice retry = b.retry(List.of(web, other), new Choice(web, E1));
            assertEquals(new Choice(web, E2), retry);
        }
    }

    @Test
    void retryGoesToAnotherBackendWhenTheFirstHasOneEndpoint() {
        Balancer b = new Balancer();
        Backend single = backend("default/single:80", 1, E1);
        Backend other = backend("default/other:80", 1, E3);
        assertEquals(new Choice(other, E3), b.retry(List.of(single, other), new Choice(single, E1)));
        assertNull(b.retry(List.of(single), new Choice(single, E1)), "nowhere else to go");
        assertNull(b.retry(List.of(single, backend("default/zero:80", 0, E2)), new Choice(single, E1)));
    }
}
