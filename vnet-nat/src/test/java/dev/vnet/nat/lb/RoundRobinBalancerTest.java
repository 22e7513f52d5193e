package dev.vnet.nat.lb;

import static dev.vnet.nat.lb.Endpoints.CLIENT;
import static dev.vnet.nat.lb.Endpoints.endpoints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {

    @Test
    void takesTheEndpointsInTurn() {
        Balancer rr = new RoundRobinBalancer();
        List<Endpoint> three = endpoints(3);
        int[] picks = new int[8];
        for (int i = 0; i < picks.length; i++) {
            picks[i] = rr.pick(three, CLIENT, 40000 + i, 0).index();
        }
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2, 0, 1}, picks);
        assertEquals("round-robin #8 → 2", rr.pick(three, CLIENT, 1, 0).reason());
        assertEquals("round-robin", rr.name());
        assertNull(rr.pick(List.of(), CLIENT, 1, 0));
    }

    @Test
    void concurrentPicksStillRotateExactly() throws Exception {
        Balancer rr = new RoundRobinBalancer();
        List<Endpoint> three = endpoints(3);
        AtomicIntegerArray counts = new AtomicIntegerArray(3);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < 3000; i++) {
                    counts.incrementAndGet(rr.pick(three, CLIENT, i, 0).index());
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        for (int i = 0; i < 3; i++) {
            assertEquals(4000, counts.get(i), "endpoint " + i);
        }
    }
}
