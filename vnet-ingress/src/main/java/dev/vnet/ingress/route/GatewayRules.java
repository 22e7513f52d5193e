package dev.vnet.ingress.route;

import dev.vnet.ingress.route.Action.Redirect;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestRedirectFilter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The Gateway API half of the route table: one entry per (HTTPRoute match, programmed listener, effective
 * hostname), sorted once in the order the Gateway API gives precedence, so a request takes the first entry that
 * matches. The order: the most specific hostname (an exact name before a wildcard, longer first, then a listener
 * without hostname); then an Exact path, then the longest PathPrefix (a RegularExpression path last); a method
 * match; more header matches; more query parameter matches; the oldest route, then by namespace/name; then the
 * order of rules and matches in the route.
 */
final class GatewayRules {
    /** A header or query parameter condition: Exact, or RegularExpression (a full match). */
    record ValueMatch(String name, String value, Pattern regex) {
        boolean test(String actual) {
            return actual != null && (regex != null ? regex.matcher(actual).matches() : value.equals(actual));
        }
    }

    /** One HTTPRouteMatch: path ("Exact", "PathPrefix" or "RegularExpression"), method, headers, query params. */
    record Match(String pathType, String path, Pattern pathRegex, String method, List<ValueMatch> headers,
                 List<ValueMatch> queryParams) {
        Match {
            headers = List.copyOf(headers);
            queryParams = List.copyOf(queryParams);
        }

        boolean test(Request r) {
            boolean pathOk = switch (pathType) {
                case "Exact" -> path.equals(r.path());
                case "RegularExpression" -> pathRegex.matcher(r.path()).matches();
                default -> Paths.prefixMatches(path, r.path());
            };
            if (!pathOk || method != null && !method.equals(r.method())) {
                return false;
            }
            for (ValueMatch h : headers) {
                if (!h.test(r.header(h.name()))) {
                    return false;
                }
            }
            for (ValueMatch q : queryParams) {
                List<String> values = r.queryParam(q.name());
                if (!q.test(values.isEmpty() ? null : values.get(0))) {
                    return false;
                }
            }
            return true;
        }

        String describe() {
            StringBuilder sb = new StringBuilder("path ").append(path).append(" (").append(pathType).append(')');
            if (method != null) {
                sb.append(" method ").append(method);
            }
            for (ValueMatch h : headers) {
                sb.append(" header ").append(h.name()).append(h.regex() != null ? "~" : "=").append(h.value());
            }
            for (ValueMatch q : queryParams) {
                sb.append(" query ").append(q.name()).append(q.regex() != null ? "~" : "=").append(q.value());
            }
            return sb.toString();
        }
    }

    /** What a matching entry does: a fixed action, or a redirect built from the request. */
    sealed interface Target {
        Action action(Request r, Entry e);
    }

    record Fixed(Action action) implements Target {
        @Override
        public Action action(Request r, Entry e) {
            return action;
        }
    }

    /** The RequestRedirect filter; defaults per the spec: scheme and host of the request, status 302. */
    record RedirectTo(String decidedBy, HTTPRequestRedirectFilter filter) implements Target {
        @Override
        public Action action(Request r, Entry e) {
            String scheme = filter.getScheme() != null ? filter.getScheme() : r.tls() ? "https" : "http";
            String host = filter.getHostname() != null ? filter.getHostname() : r.host();
            // No port given: the scheme's well-known port when the scheme is given, else the listener's port.
            int port = filter.getPort() != null ? filter.getPort()
                    : filter.getScheme() != null ? ("https".equals(scheme) ? 443 : 80) : e.port();
            boolean wellKnown = "http".equals(scheme) && port == 80 || "https".equals(scheme) && port == 443;
            String path = r.path();
            var mod = filter.getPath();
            if (mod != null && "ReplaceFullPath".equals(mod.getType()) && mod.getReplaceFullPath() != null) {
                path = mod.getReplaceFullPath();
            } else if (mod != null && "ReplacePrefixMatch".equals(mod.getType()) && mod.getReplacePrefixMatch() != null) {
                path = replacePrefix(r.path(), e.match().path(), mod.getReplacePrefixMatch());
            }
            String location = scheme + "://" + host + (wellKnown ? "" : ":" + port) + path
                    + (r.query().isEmpty() ? "" : "?" + r.query());
            int status = filter.getStatusCode() != null ? filter.getStatusCode() : 302;
            return new Redirect(decidedBy + " → redirect " + status, status, location);
        }
    }

    /** "/foo" replaced by "/bar" in "/foo/x" gives "/bar/x"; by "/" gives "/x"; the whole path "/foo" gives "/bar". */
    static String replacePrefix(String path, String prefix, String replacement) {
        String p = Paths.trimSlash(prefix);
        String rest = path.length() >= p.length() ? path.substring(p.length()) : "";
        String out = Paths.trimSlash(replacement) + rest;
        return out.isEmpty() ? "/" : out;
    }

    /** One match on one listener (its port) for one effective hostname (null = any). */
    record Entry(int port, String hostname, Match match, Target target, int routeRank, int rule, int matchIndex) {
        boolean test(Request r) {
            return r.port() == port && Hostnames.gatewayMatches(hostname, r.host()) && match.test(r);
        }
    }

    static final Comparator<Entry> PRECEDENCE = Comparator
            .comparingInt((Entry e) -> -Hostnames.specificity(e.hostname()))
            .thenComparingInt(e -> pathRank(e.match()))
            .thenComparingInt(e -> e.match().method() != null ? 0 : 1)
            .thenComparingInt(e -> -e.match().headers().size())
            .thenComparingInt(e -> -e.match().queryParams().size())
            .thenComparingInt(Entry::routeRank)
            .thenComparingInt(Entry::rule)
            .thenComparingInt(Entry::matchIndex);

    /** Lower first: any Exact path, then prefixes by length (longest first), then regular expressions. */
    private static int pathRank(Match m) {
        return switch (m.pathType()) {
            case "Exact" -> 0;
            case "RegularExpression" -> Integer.MAX_VALUE;
            default -> 1_000_000 - Paths.trimSlash(m.path()).length();
        };
    }

    private final List<Entry> entries;

    GatewayRules(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(PRECEDENCE);
        this.entries = List.copyOf(sorted);
    }

    /** The decision of the first matching entry, or null when no HTTPRoute matches. */
    Action route(Request r) {
        for (Entry e : entries) {
            if (e.test(r)) {
                return e.target().action(r, e);
            }
        }
        return null;
    }
}
