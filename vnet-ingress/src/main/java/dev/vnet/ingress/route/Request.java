package dev.vnet.ingress.route;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request as the route table sees it: the listener it arrived on (port, TLS or not), the host without its port
 * and in lower case, the method, the path without its query, the headers by lower-case name, and the raw query
 * string without its "?" (empty when there is none; redirects keep it, query parameter matches read it).
 */
public record Request(int port, boolean tls, String host, String method, String path, Map<String, List<String>> headers,
                      String query) {
    public Request {
        host = host == null ? "" : host.toLowerCase(Locale.ROOT);
        headers = Map.copyOf(headers);
        query = query == null ? "" : query;
    }

    /** A request without a query string. */
    public Request(int port, boolean tls, String host, String method, String path, Map<String, List<String>> headers) {
        this(port, tls, host, method, path, headers, "");
    }

    /** The path and, when there is one, "?" and the query: what a redirect puts after the authority. */
    public String pathAndQuery() {
        return query.isEmpty() ? path : path + "?" + query;
    }

    /**
     * The values of query parameter {@code name} (exact, case-sensitive name), percent-decoding neither; a
     * parameter without "=" has the empty value.
     */
    public List<String> queryParam(String name) {
        List<String> out = new java.util.ArrayList<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (k.equals(name)) {
                out.add(eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        return out;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
