package dev.vnet.ingress.route;

/**
 * Path matching shared by Ingress (Exact, Prefix) and HTTPRoute (Exact, PathPrefix): a prefix matches by whole path
 * element, a trailing "/" of the prefix ignored, so "/foo" and "/foo/" both match "/foo", "/foo/" and "/foo/bar" but
 * not "/foobar"; "/" matches everything.
 */
final class Paths {
    private Paths() {}

    static boolean prefixMatches(String prefix, String path) {
        String p = trimSlash(prefix);
        if (p.isEmpty()) {
            return true;
        }
        return path.equals(p) || path.startsWith(p) && path.charAt(p.length()) == '/';
    }

    /** The prefix without its trailing "/" ("/" itself becomes ""): the length that counts for precedence. */
    static String trimSlash(String prefix) {
        return prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
