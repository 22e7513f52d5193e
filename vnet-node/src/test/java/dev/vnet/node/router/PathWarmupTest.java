package dev.vnet.node.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The warm-up's packets must take the lab's paths, or it warms nothing: each kind arrives where it should. */
class PathWarmupTest {
    private static final int ROUNDS = 50;

    @Test
    void everyRoundsPacketsReachThePodsTheyAreForAndNothingIsDropped() {
        PathWarmup w = new PathWarmup();
        w.run(ROUNDS);
        String counters = w.counters();
        assertEquals(0, w.drops(), counters);
        // To node two: a ping, the Service's SYN (DNAT to 10.244.2.2:8080) and ACK, a UDP datagram, and the
        // eight segments of a super-frame, joined back into one for the pod.
        assertEquals(ROUNDS * (4 + 8), w.datagramsToTwo(), counters);
        assertEquals(ROUNDS * 8, w.joinedOnTwo(), counters);
        assertEquals(ROUNDS * 5, w.deliveredOnTwo(), counters);
        // To node one: a ping and the SYN-ACK (un-DNAT). On node one: the gateway's ARP reply, the ARP
        // request flooded to the other pod, a ping and a super-frame between its two pods.
        assertEquals(ROUNDS * 2, w.datagramsToOne(), counters);
        assertEquals(ROUNDS * 6, w.deliveredOnOne(), counters);
    }

    @Test
    void aFullWarmUpRunsThrough() {
        PathWarmup w = new PathWarmup();
        long t0 = System.nanoTime();
        w.run(PathWarmup.ROUNDS);
        System.out.println("warm-up of " + PathWarmup.ROUNDS + " rounds: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertEquals(0, w.drops(), w.counters());
    }
}
