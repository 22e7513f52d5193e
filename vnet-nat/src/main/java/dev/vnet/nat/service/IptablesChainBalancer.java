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
            if (r.nextDouble() < probability(i, n)) {
                return new Choice(i, reason(i, n));
            }
        }
        return new Choice(n - 1, reason(n - 1, n));
    }

    /** Reasons for chains of up to this many rules are made once, not on every connection. */
    private static final int CACHED = 64;
    private static final String[][] REASONS = new String[CACHED + 1][];

    static {
        for (int n = 1; n <= CACHED; n++) {
            REASONS[n] = new String[n];
            for (int i = 0; i < n; i++) {
                REASONS[n][i] = describe(i, n);
            }
        }
    }

    private static String reason(int i, int n) {
        return n <= CACHED ? REASONS[n][i] : describe(i, n);
    }

    private static String describe(int i, int n) {
        if (i == n - 1) {
            return "iptables rule " + n + " of " + n + " (the last, always matches)";
        }
        return "iptables rule " + (i + 1) + " of " + n + " matched (probability "
                + String.format(java.util.Locale.ROOT, "%.5f", probability(i, n)) + ")";
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
