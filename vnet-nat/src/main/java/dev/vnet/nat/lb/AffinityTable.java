package dev.vnet.nat.lb;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * ClientIP session affinity ({@code sessionAffinity: ClientIP}): which endpoint each client of a Service
 * was sent to, until a timeout ({@code sessionAffinityConfig.clientIP.timeoutSeconds}, 10800 s by default
 * in Kubernetes). Like kube-proxy's {@code -m recent} rules, the timeout runs from the client's latest new
 * connection: call {@link #remember} for every one, which renews it.
 *
 * <p>Thread-safe (a concurrent map of immutable pins). Consulted once per new connection, not per packet;
 * a lookup allocates one small key.
 */
public final class AffinityTable {
    private static final long SECOND = 1_000_000_000L;

    /** One client pinned to one endpoint of one Service, until {@code expiresAtNanos}. */
    public record Pin(String serviceKey, int clientIp, Endpoint endpoint, long expiresAtNanos) {
    }

    private record Key(String serviceKey, int clientIp) {
    }

    private final ConcurrentHashMap<Key, Pin> pins = new ConcurrentHashMap<>();

    /**
     * The endpoint {@code clientIp} is pinned to for {@code serviceKey}, or null if none, if the pin expired
     * at {@code now}, or if the endpoint was dropped by {@link #retain}. The caller still checks that the
     * endpoint is among the ones it may use now.
     */
    public Endpoint lookup(String serviceKey, int clientIp, long now) {
        Pin pin = pins.get(new Key(serviceKey, clientIp));
        return pin == null || pin.expiresAtNanos - now <= 0 ? null : pin.endpoint;
    }

    /** Pins {@code clientIp} to {@code ep} for {@code serviceKey} until {@code now + timeoutNanos}. */
    public void remember(String serviceKey, int clientIp, Endpoint ep, long timeoutNanos, long now) {
        pins.put(new Key(serviceKey, clientIp), new Pin(serviceKey, clientIp, ep, now + timeoutNanos));
    }

    /** Whole seconds left on the pin (rounded up, so a live pin shows at least 1); 0 if none or expired. */
    public long secondsLeft(String serviceKey, int clientIp, long now) {
        Pin pin = pins.get(new Key(serviceKey, clientIp));
        if (pin == null || pin.expiresAtNanos - now <= 0) {
            return 0;
        }
        return (pin.expiresAtNanos - now + SECOND - 1) / SECOND;
    }

    /** Drops the pins expired at {@code now}; returns how many. */
    public int expire(long now) {
        return removeWhere(pin -> pin.expiresAtNanos - now <= 0);
    }

    /**
     * Drops the pins of {@code serviceKey} to endpoints not in {@code current} (the Service's endpoints
     * changed); returns how many. Run by the control plane's sync, not the data path.
     */
    public int retain(String serviceKey, Collection<Endpoint> current) {
        return removeWhere(pin -> pin.serviceKey.equals(serviceKey) && !current.contains(pin.endpoint));
    }

    /** Drops every pin of {@code serviceKey} (the Service went, or lost its affinity); returns how many. */
    public int forget(String serviceKey) {
        return removeWhere(pin -> pin.serviceKey.equals(serviceKey));
    }

    /** Pins held, expired ones not yet removed included. */
    public int size() {
        return pins.size();
    }

    /** Every pin, for listings. */
    public List<Pin> snapshot() {
        return new ArrayList<>(pins.values());
    }

    private int removeWhere(Predicate<Pin> gone) {
        int removed = 0;
        for (var it = pins.values().iterator(); it.hasNext(); ) {
            if (gone.test(it.next())) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }
}
