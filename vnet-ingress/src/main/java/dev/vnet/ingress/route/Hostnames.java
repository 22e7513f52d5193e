package dev.vnet.ingress.route;

import java.util.Locale;

/**
 * Host names and wildcards, as the two APIs define them. A wildcard is "*." and a suffix. For an Ingress it stands
 * for exactly one DNS label ("*.example.com" matches "a.example.com", not "a.b.example.com" nor "example.com");
 * for the Gateway API for one or more labels ("a.b.example.com" too).
 */
final class Hostnames {
    private Hostnames() {}

    static String normalize(String host) {
        return host == null || host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
    }

    static boolean isWildcard(String pattern) {
        return pattern != null && pattern.startsWith("*.");
    }

    /** Whether an Ingress host (exact, or a one-label wildcard; null = any) matches {@code host}. */
    static boolean ingressMatches(String pattern, String host) {
        if (pattern == null) {
            return true;
        }
        if (!isWildcard(pattern)) {
            return pattern.equals(host);
        }
        int dot = host.indexOf('.');
        return dot > 0 && host.substring(dot).equals(pattern.substring(1));
    }

    /** Whether a Gateway API hostname (exact, or a wildcard of one or more labels; null = any) matches {@code host}. */
    static boolean gatewayMatches(String pattern, String host) {
        if (pattern == null) {
            return true;
        }
        if (!isWildcard(pattern)) {
            return pattern.equals(host);
        }
        String suffix = pattern.substring(1);
        return host.length() > suffix.length() && host.endsWith(suffix);
    }

    /**
     * The hostnames a route serves on a listener: the intersection of a route hostname and a listener hostname
     * (null = any), or null when they have none. A wildcard intersects with a name it matches (giving the name) and
     * with a narrower wildcard (giving the narrower one).
     */
    static String intersect(String listener, String route) {
        if (listener == null) {
            return route;
        }
        if (route == null) {
            return listener;
        }
        if (listener.equals(route)) {
            return route;
        }
        if (isWildcard(listener) && gatewayMatches(listener, stripStar(route))) {
            return route;
        }
        if (isWildcard(route) && gatewayMatches(route, stripStar(listener))) {
            return listener;
        }
        return null;
    }

    /** "*.a.b" as "a.b" for the wildcard-inside-wildcard test; a plain name unchanged. */
    private static String stripStar(String h) {
        return isWildcard(h) ? h.substring(2) : h;
    }

    /**
     * How specific a host pattern is, higher first: any exact name above any wildcard, and within each the longer
     * one first (the Gateway API's hostname precedence; for Ingress only the order exact, wildcard, none matters).
     */
    static int specificity(String pattern) {
        if (pattern == null) {
            return 0;
        }
        return isWildcard(pattern) ? 1 + pattern.length() : 1_000_000 + pattern.length();
    }
}
