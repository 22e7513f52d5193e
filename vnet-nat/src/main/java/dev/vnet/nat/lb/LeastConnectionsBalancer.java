package dev.vnet.nat.lb;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Picks the endpoint with the fewest active connections, as IPVS's {@code lc} scheduler does. The counts
 * come from a function, normally conntrack's count of entries replying from the endpoint
 * ({@code ep -> conntrack.countTo(ep.ip(), ep.port())}). Ties are broken round-robin, so that a burst of new
 * connections, which all see the same counts before any of them is tracked, still spreads out.
 * Allocation-free apart from the reason text.
 */
public final class LeastConnectionsBalancer implements Balancer {
    private final ToIntFunction<Endpoint> activeConnections;
    private final AtomicLong tieBreaks = new AtomicLong();

    public LeastConnectionsBalancer(ToIntFunction<Endpoint> activeConnections) {
        this.activeConnections = Objects.requireNonNull(activeConnections, "activeConnections");
    }

    @Override
    public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        int least = Integer.MAX_VALUE;
        int first = 0;
        int tied = 0;
        for (int i = 0; i < n; i++) {
            int active = activeConnections.applyAsInt(endpoints.get(i));
            if (active < least) {
                least = active;
                first = i;
                tied = 1;
            } else if (active == least) {
                tied++;
            }
        }
        int index = first;
        if (tied > 1) {
            // The k-th of the tied endpoints, k rotating. Counts may move between the two passes; if the
            // k-th is no longer there, the first least one found stays the answer.
            long k = Long.remainderUnsigned(tieBreaks.getAndIncrement(), tied);
            for (int i = first, seen = 0; i < n; i++) {
                if (activeConnections.applyAsInt(endpoints.get(i)) == least && seen++ == k) {
                    index = i;
                    break;
                }
            }
        }
        return new Choice(index, "least connections (" + least + " active)");
    }

    @Override
    public String name() {
        return "least-connections";
    }
}
