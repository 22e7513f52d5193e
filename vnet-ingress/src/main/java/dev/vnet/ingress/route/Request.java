package dev.vnet.ingress.route;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request as the route table sees it: the listener it arrived on (port, TLS or not), the host without its port
 * and in lower case, the method, the path without its query, and the headers by lower-case name.
 */
public record Request(int port, boolean tls, String host, String method, String path, Map<String, List<String>> headers) {
    public Request {
        host = host == null ? "" : host.toLowerCase(Locale.ROOT);
        headers = Map.copyOf(headers);
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
