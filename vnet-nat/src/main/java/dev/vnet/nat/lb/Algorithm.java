package dev.vnet.nat.lb;

import java.util.Locale;
import java.util.function.ToIntFunction;

/** The load-balancing algorithms a Service can use, by the names the CLI and cluster config accept. */
public enum Algorithm {
    RANDOM("random"),
    ROUND_ROBIN("round-robin", "rr"),
    LEAST_CONNECTIONS("least-connections", "lc"),
    SOURCE_HASH("source-hash", "sh"),
    MAGLEV("maglev");

    private final String displayName;
    private final String shortName;

    Algorithm(String displayName) {
        this(displayName, null);
    }

    Algorithm(String displayName, String shortName) {
        this.displayName = displayName;
        this.shortName = shortName;
    }

    /** The name {@link #parse} and {@link Balancer#name()} use: "round-robin". */
    public String displayName() {
        return displayName;
    }

    /**
     * The algorithm named {@code text}: "random", "round-robin" or "rr", "least-connections" or "lc",
     * "source-hash" or "sh", "maglev"; case and surrounding spaces do not matter.
     *
     * @throws IllegalArgumentException naming the valid choices
     */
    public static Algorithm parse(String text) {
        String name = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (Algorithm a : values()) {
            if (a.displayName.equals(name) || name.equals(a.shortName)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown load-balancing algorithm \"" + text + "\"; valid: " + validNames());
    }

    /** "random, round-robin (rr), least-connections (lc), source-hash (sh), maglev". */
    public static String validNames() {
        StringBuilder out = new StringBuilder();
        for (Algorithm a : values()) {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(a.displayName);
            if (a.shortName != null) {
                out.append(" (").append(a.shortName).append(')');
            }
        }
        return out.toString();
    }

    /**
     * A new balancer of this kind, for one Service port. {@code activeConnections} gives an endpoint's
     * active connections (e.g. conntrack's {@code countTo}); only least-connections uses it.
     */
    public Balancer create(ToIntFunction<Endpoint> activeConnections) {
        return switch (this) {
            case RANDOM -> new RandomBalancer();
            case ROUND_ROBIN -> new RoundRobinBalancer();
            case LEAST_CONNECTIONS -> new LeastConnectionsBalancer(activeConnections);
            case SOURCE_HASH -> new SourceHashBalancer();
            case MAGLEV -> new MaglevBalancer();
        };
    }
}
