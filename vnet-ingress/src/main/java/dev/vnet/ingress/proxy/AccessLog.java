package dev.vnet.ingress.proxy;

/**
 * Where the proxy writes one line per request, in ingress-nginx's default log format. Called from the event loops,
 * so an implementation must be thread-safe and must not block for long.
 */
@FunctionalInterface
public interface AccessLog {
    void line(String line);

    /** Lines to standard output, as the controller's container would print them (they become {@code vnet logs}). */
    static AccessLog stdout() {
        return System.out::println;
    }
}
