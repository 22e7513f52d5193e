package dev.vnet.nat.service;

import dev.vnet.nat.lb.Balancer;
import dev.vnet.nat.lb.Choice;
import dev.vnet.nat.lb.Endpoint;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How a KUBE-SVC-* chain picks an endpoint: its rules are tried in order, rule i of n matching with
 * probability 1/(n-i) ("-m statistic --mode random"), the last one always. Every endpoint ends up equally
 * likely, which is why kube-proxy's iptables mode balances at random.
 */
public final class IptablesChainBalancer implements Balancer {
    private final ThreadLocal<SplittableRandom> random;

    public IptablesChainBalancer(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        this.random = ThreadLocal.withInitial(() -> {
            synchronized (root) {
                return root.split();
            }
        });
    }

    @Override
    public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
        int n = endpoints.size();
        SplittableRandom r = random.get();
        for (int i = 0; i < n - 1; i++) {
            double p = 1.0 / (n - i);
            if (r.nextDouble() < p) {
                return new Choice(i, "iptables rule " + (i + 1) + " of " + n + " matched (probability "
                        + String.format(java.util.Locale.ROOT, "%.5f", p) + ")");
            }
        }
        return new Choice(n - 1, "iptables rule " + n + " of " + n + " (the last, always matches)");
    }

    @Override
    public String name() {
        return "random (iptables statistic rules)";
    }

    /** The probability kube-proxy writes on rule {@code i} (0-based) of a chain of {@code n}. */
    public static double probability(int i, int n) {
        return 1.0 / (n - i);
    }
}
