package dev.vnet.nat.lb;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks uniformly at random, as kube-proxy's iptables mode does in effect. Lock-free and thread-safe: the
 * generator is SplitMix64 (the algorithm of {@link SplittableRandom}) stepped with one atomic add, so a
 * seed gives the same sequence of picks when called from one thread.
 */
public final class RandomBalancer implements Balancer {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final AtomicLong state;

    /** A balancer seeded unpredictably. */
    public RandomBalancer() {
        this(new SplittableRandom().nextLong());
    }

    /** A balancer whose picks are reproducible from {@code seed}. */
    public RandomBalancer(long seed) {
        this.state = new AtomicLong(seed);
    }

    @Override
    public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        long random = mix(state.addAndGet(GOLDEN_GAMMA));
        // The top 32 random bits scaled to [0, n): a bias below n / 2^32, far under what any test can see.
        int index = (int) (((random >>> 32) * n) >>> 32);
        return new Choice(index, "random pick " + index + " of " + n);
    }

    @Override
    public String name() {
        return "random";
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
