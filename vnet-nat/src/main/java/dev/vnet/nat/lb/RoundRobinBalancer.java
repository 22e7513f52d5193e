package dev.vnet.nat.lb;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes the endpoints in turn, as IPVS's {@code rr} scheduler does: pick number k (counting from 0) gets
 * endpoint k mod n. One atomic counter, so concurrent picks still rotate exactly.
 */
public final class RoundRobinBalancer implements Balancer {
    private final AtomicLong picks = new AtomicLong();

    @Override
    public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        long k = picks.getAndIncrement();
        int index = (int) Long.remainderUnsigned(k, n);
        return new Choice(index, "round-robin #" + k + " → " + index);
    }

    @Override
    public String name() {
        return "round-robin";
    }
}
