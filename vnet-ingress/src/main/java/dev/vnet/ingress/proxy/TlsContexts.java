package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.RouteTable;
import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/**
 * The server certificates of the TLS listeners. At the handshake the client's SNI name goes to the current route
 * table, which names the TlsMaterial of the matching Ingress/Gateway Secret or none; none (or material the TLS
 * stack refuses) gets the default certificate, self-signed once per proxy as ingress-nginx's "Kubernetes Ingress
 * Controller Fake Certificate". One SslContext per TlsMaterial, kept while the material is referenced (weak keys):
 * a route table recompiled with the same Secret does not rebuild it.
 */
final class TlsContexts {
    private static final Logger LOG = Logger.getLogger(TlsContexts.class.getName());

    private final Map<TlsMaterial, SslContext> contexts = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile SslContext fallback;

    /** The SNI mapping of TLS listener {@code port}: asks whichever table is current at the handshake. */
    Mapping<String, SslContext> forPort(int port, Supplier<RouteTable> table) {
        return serverName -> {
            String name = serverName == null ? null : serverName.toLowerCase(Locale.ROOT);
            Optional<TlsMaterial> m;
            try {
                m = table.get().certificate(port, name);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "route table failed to name a certificate; port=" + port + " sni=" + name, e);
                m = Optional.empty();
            }
            return m.map(this::context).orElseGet(this::defaultContext);
        };
    }

    /** The context of {@code m}, built on first use; the default one when {@code m} cannot be used. */
    SslContext context(TlsMaterial m) {
        SslContext c = contexts.get(m);
        if (c != null) {
            return c;
        }
        try {
            c = build(m);
        } catch (SSLException | RuntimeException e) {
            LOG.warning("certificate " + m.source() + " cannot be served (" + e.getMessage()
                    + "); presenting the default certificate instead");
            return defaultContext();
        }
        contexts.put(m, c);
        return c;
    }

    /** The self-signed default, made on first need. */
    SslContext defaultContext() {
        SslContext c = fallback;
        if (c == null) {
            synchronized (this) {
                c = fallback;
                if (c == null) {
                    TlsMaterial m = SelfSigned.create("self-signed default",
                            "Kubernetes Ingress Controller Fake Certificate", List.of("ingress.local"),
                            Duration.ofDays(365));
                    try {
                        c = build(m);
                    } catch (SSLException e) {
                        throw new IllegalStateException("cannot build the default TLS context: " + e.getMessage(), e);
                    }
                    fallback = c;
                }
            }
        }
        return c;
    }

    private static SslContext build(TlsMaterial m) throws SSLException {
        return SslContextBuilder.forServer(m.key(), m.chain().toArray(new X509Certificate[0])).build();
    }
}
