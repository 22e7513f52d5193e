package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.Action.HeaderChanges;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The headers of a request as it goes to the upstream and of a response as it goes back. Hop-by-hop headers
 * (RFC 9110 section 7.6.1: Connection and the names it lists, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade,
 * Proxy-*) belong to one connection and are dropped both ways. Toward the upstream, as ingress-nginx does by
 * default, the client's own X-Forwarded-* and X-Real-IP are replaced (not appended to: a client must not be able to
 * pass itself off as another address), Host is kept as the client sent it, and the route's header changes come last
 * so that a route may override anything.
 */
final class ForwardHeaders {
    private ForwardHeaders() {}

    /** Who sent the request and how it reached the proxy. */
    record Origin(String clientIp, boolean tls, int port, String requestId) {}

    /** The request headers for the upstream, from the client's. */
    static HttpHeaders toUpstream(HttpHeaders in, Origin o, String fallbackHost, int bodyLength, HeaderChanges changes) {
        HttpHeaders out = new DefaultHttpHeaders();
        Set<String> drop = connectionScoped(in);
        for (Map.Entry<String, String> h : in) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!drop.contains(name) && !isHopByHop(name) && !name.startsWith("x-forwarded-") && !name.equals("x-real-ip")
                    && !name.equals("expect") && !name.equals("content-length") && !name.equals("x-request-id")) {
                out.add(h.getKey(), h.getValue());
            }
        }
        String host = in.get(HttpHeaderNames.HOST);
        if (host == null || host.isEmpty()) {
            host = fallbackHost;
            out.set(HttpHeaderNames.HOST, host);
        }
        String proto = o.tls() ? "https" : "http";
        out.set("X-Request-ID", o.requestId());
        out.set("X-Real-IP", o.clientIp());
        out.set("X-Forwarded-For", o.clientIp());
        out.set("X-Forwarded-Host", host);
        out.set("X-Forwarded-Port", Integer.toString(o.port()));
        out.set("X-Forwarded-Proto", proto);
        out.set("X-Forwarded-Scheme", proto);
        out.set("X-Scheme", proto);
        if (bodyLength > 0 || in.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            out.set(HttpHeaderNames.CONTENT_LENGTH, bodyLength);
        }
        apply(out, changes);
        return out;
    }

    /** The route's changes: remove, then set (replace), then add (append). */
    static void apply(HttpHeaders out, HeaderChanges changes) {
        for (String name : changes.remove()) {
            out.remove(name);
        }
        changes.set().forEach(out::set);
        changes.add().forEach(out::add);
    }

    /** Drops the upstream's hop-by-hop headers from its response before it goes to the client. */
    static void fromUpstream(HttpHeaders h) {
        Set<String> drop = connectionScoped(h);
        for (String n : h.names()) {
            String name = n.toLowerCase(Locale.ROOT);
            if (drop.contains(name) || isHopByHop(name)) {
                h.remove(n);
            }
        }
    }

    private static boolean isHopByHop(String lowerName) {
        return switch (lowerName) {
            case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade" -> true;
            default -> lowerName.startsWith("proxy-");
        };
    }

    /** The names a Connection header lists ("Connection: close, X-Foo" makes X-Foo hop-by-hop too). */
    private static Set<String> connectionScoped(HttpHeaders h) {
        Set<String> names = new HashSet<>();
        for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String n : v.split(",")) {
                String t = n.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    names.add(t);
                }
            }
        }
        return names;
    }
}
