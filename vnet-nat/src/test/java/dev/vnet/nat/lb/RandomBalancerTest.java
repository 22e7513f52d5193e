package dev.vnet.nat.lb;

import static dev.vnet.nat.lb.Endpoints.CLIENT;
import static dev.vnet.nat.lb.Endpoints.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RandomBalancerTest {

    static final int PICKS = 30_000;

    @Test
    void spreadsEvenlyWithinStatisticalBounds() {
        Balancer random = new RandomBalancer(42);
        List<Endpoint> three = endpoints(3);
        int[] counts = new int[3];
        for (int i = 0; i < PICKS; i++) {
            counts[random.pick(three, CLIENT, i, 0).index()]++;
        }
        // Each count is binomial(30000, 1/3): mean 10000, standard deviation 81.6. Allow 6 deviations.
        double chiSquare = 0;
        for (int c : counts) {
            assertTrue(Math.abs(c - 10_000) < 490, "counts " + java.util.Arrays.toString(counts));
            chiSquare += (c - 10_000.0) * (c - 10_000.0) / 10_000.0;
        }
        // Two degrees of freedom: P(chi² > 13.8) = 0.001.
        assertTrue(chiSquare < 13.8, "chi² " + chiSquare);
    }

    @Test
    void aSeedGivesTheSamePicks() {
        Balancer a = new RandomBalancer(7);
        Balancer b = new RandomBalancer(7);
        List<Endpoint> five = endpoints(5);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.pick(five, CLIENT, i, 0), b.pick(five, CLIENT, i, 0));
        }
    }

    @Test
    void reasonNamesThePickAndTheCount() {
        Choice c = new RandomBalancer(1).pick(endpoints(3), CLIENT, 1, 0);
        assertEquals("random pick " + c.index() + " of 3", c.reason());
        assertEquals(0, new RandomBalancer(1).pick(endpoints(1), CLIENT, 1, 0).index());
        assertEquals("random", new RandomBalancer().name());
    }
}
