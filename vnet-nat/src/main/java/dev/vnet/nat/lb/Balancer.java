package dev.vnet.nat.lb;

import java.util.List;

/**
 * Picks the endpoint for a new connection to a Service. The caller passes only the endpoints the
 * connection may use (ready ones, local ones under a Local traffic policy) and never an empty list; the
 * pick happens once per connection, and conntrack keeps it for the connection's lifetime.
 *
 * <p>Implementations are thread-safe: data-path threads pick concurrently. One instance serves one Service
 * port, since some (round-robin, Maglev) keep state per endpoint list.
 */
public interface Balancer {

    /**
     * Chooses among {@code endpoints} for a connection from {@code clientIp}:{@code clientPort} at
     * {@code now}; returns null only if the list is empty.
     */
    Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now);

    /** The algorithm's name as {@link Algorithm#parse} accepts it: "round-robin". */
    String name();
}
