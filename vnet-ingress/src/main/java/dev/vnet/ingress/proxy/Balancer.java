package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.Action.Backend;
import dev.vnet.ingress.route.Action.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks where a forwarded request goes: a backend at random by weight (the Gateway API's traffic split), then one
 * of its endpoints round-robin (so that a learner curling four times sees each pod in turn). A backend with weight 0
 * never gets a request; one without endpoints gets its share, answered with its {@code failStatus} (the Gateway
 * API's conformance tests expect an invalid backendRef's share of the traffic to get 500). After a failed
 * connect, {@link #retry} picks another endpoint of the same backend, or another backend with endpoints when the
 * first has only the one endpoint.
 */
final class Balancer {
    /** Where one attempt goes. */
    record Choice(Backend backend, Endpoint endpoint) {}

    /** The next endpoint index per backend service, shared by all connections. */
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();

    /**
     * A backend by weight and one of its endpoints (null when the backend has none: answer its failStatus), or
     * null when every backend has weight 0.
     */
    Choice pick(List<Backend> backends) {
        Backend b = weighted(backends, null, false);
        return b == null ? null : new Choice(b, b.endpoints().isEmpty() ? null : roundRobin(b, null));
    }

    /** Where to go after {@code failed} could not be reached, or null when there is nowhere else. */
    Choice retry(List<Backend> backends, Choice failed) {
        if (failed.backend().endpoints().size() > 1) {
            return new Choice(failed.backend(), roundRobin(failed.backend(), failed.endpoint()));
        }
        Backend other = weighted(backends, failed.backend(), true);
        return other == null ? null : new Choice(other, roundRobin(other, failed.endpoint()));
    }

    /** Whether every backend has weight 0: the Gateway API answers 500 then, not 503. */
    static boolean allWeightsZero(List<Backend> backends) {
        return backends.stream().allMatch(b -> b.weight() <= 0);
    }

    private static Backend weighted(List<Backend> backends, Backend except, boolean withEndpoints) {
        long total = 0;
        for (Backend b : backends) {
            if (usable(b, except, withEndpoints)) {
                total += b.weight();
            }
        }
        if (total <= 0) {
            return null;
        }
        long ticket = ThreadLocalRandom.current().nextLong(total);
        for (Backend b : backends) {
            if (usable(b, except, withEndpoints)) {
                ticket -= b.weight();
                if (ticket < 0) {
                    return b;
                }
            }
        }
        throw new IllegalStateException("weighted pick ran past the total");
    }

    private static boolean usable(Backend b, Backend except, boolean withEndpoints) {
        return b.weight() > 0 && (!withEndpoints || !b.endpoints().isEmpty()) && !b.equals(except);
    }

    /** The backend's next endpoint in turn, skipping {@code avoid} when there is another. */
    private Endpoint roundRobin(Backend b, Endpoint avoid) {
        List<Endpoint> eps = b.endpoints();
        AtomicInteger counter = next.computeIfAbsent(b.service(), s -> new AtomicInteger());
        int i = Math.floorMod(counter.getAndIncrement(), eps.size());
        if (eps.get(i).equals(avoid) && eps.size() > 1) {
            i = (i + 1) % eps.size();
        }
        return eps.get(i);
    }
}
