package dev.vnet.ingress.route;

import dev.vnet.ingress.tls.TlsMaterial;
import java.util.Optional;
import java.util.Set;

/**
 * The proxy's whole configuration, compiled from Ingresses and Gateway API routes together with the Services,
 * endpoints and Secrets they name. Immutable: the controller swaps in a new table when the cluster changes, and
 * a request in flight keeps the table it started with.
 */
public interface RouteTable {
    /** The ports to listen on, each plain HTTP or TLS. */
    Set<Listener> listeners();

    /** Where a request goes. Never null: no match is a 404 from the default backend. */
    Action route(Request request);

    /**
     * The certificate to present on TLS {@code port} for the SNI name {@code serverName} (lower case, may be null
     * when the client sent none); empty means the proxy's self-signed default certificate.
     */
    Optional<TlsMaterial> certificate(int port, String serverName);

    /** A port the proxy listens on; {@code tls} ones terminate TLS. */
    record Listener(int port, boolean tls) {}
}
