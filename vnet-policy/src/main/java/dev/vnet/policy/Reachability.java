package dev.vnet.policy;

import dev.vnet.core.addr.Ipv4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * The truth table a {@link PolicySet} computes over a list of pods for one protocol and port: for every
 * ordered pair (from, to), whether a new connection is allowed (egress at the source and ingress at the
 * destination). What cyclonus and the upstream NetworkPolicy e2e tests print; {@code vnet policy matrix}.
 *
 * <p>The diagonal (a pod to itself) is what policy says; real traffic from a pod to its own IP stays in its
 * network namespace and never meets the data path (the upstream e2e tests ignore it for the same reason).
 */
public final class Reachability {
    private final PolicySet policies;
    private final List<Peer> pods;
    private final int protocol;
    private final int port;
    private final boolean[][] allowed;

    Reachability(PolicySet policies, List<Peer> pods, int protocol, int port, boolean[][] allowed) {
        this.policies = policies;
        this.pods = pods;
        this.protocol = protocol;
        this.port = port;
        this.allowed = allowed;
    }

    public List<Peer> pods() {
        return pods;
    }

    public int protocol() {
        return protocol;
    }

    public int port() {
        return port;
    }

    /** Whether pods().get(from) may connect to pods().get(to). */
    public boolean allowed(int from, int to) {
        return allowed[from][to];
    }

    /** The same, by "namespace/name". */
    public boolean allowed(String from, String to) {
        return allowed[indexOf(from)][indexOf(to)];
    }

    /** Both verdicts behind one cell, for "why". */
    public PolicySet.Decision explain(String from, String to) {
        return policies.decide(pods.get(indexOf(from)), pods.get(indexOf(to)), protocol, port);
    }

    /** How many cells are allowed. */
    public int allowedCount() {
        int n = 0;
        for (boolean[] row : allowed) {
            for (boolean b : row) {
                n += b ? 1 : 0;
            }
        }
        return n;
    }

    private int indexOf(String id) {
        for (int i = 0; i < pods.size(); i++) {
            if (label(pods.get(i)).equals(id)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no pod " + id + " in this table: use namespace/name, one of "
                + pods.stream().map(Reachability::label).toList());
    }

    /**
     * The table as cyclonus prints it: the protocol and port in the corner, one row per source and one column
     * per destination ({@code namespace/name}), {@code .} allowed, {@code X} denied.
     * <pre>
     * +--------+-----+-----+
     * | TCP/80 | x/a | x/b |
     * +--------+-----+-----+
     * | x/a    | .   | X   |
     * | x/b    | .   | .   |
     * +--------+-----+-----+
     * </pre>
     */
    public String render() {
        String corner = Texts.hasPorts(protocol) ? Texts.protocol(protocol) + "/" + port : Texts.protocol(protocol);
        return table(corner, pods.stream().map(Reachability::label).toList(), (i, j) -> allowed[i][j] ? "." : "X");
    }

    /** What one cell of a table shows. */
    @FunctionalInterface
    public interface Cell {
        String at(int row, int column);
    }

    /**
     * A square table in the same layout, for any cells: {@code vnet policy matrix --probe} prints what the
     * probes saw this way, beside what policy says.
     */
    public static String table(String corner, List<String> labels, Cell cell) {
        int[] width = new int[labels.size() + 1];
        width[0] = corner.length();
        for (int c = 0; c < labels.size(); c++) {
            width[0] = Math.max(width[0], labels.get(c).length());
            width[c + 1] = labels.get(c).length();
        }
        StringBuilder out = new StringBuilder();
        line(out, width);
        List<String> header = new ArrayList<>();
        header.add(corner);
        header.addAll(labels);
        row(out, width, header);
        line(out, width);
        for (int i = 0; i < labels.size(); i++) {
            List<String> cells = new ArrayList<>();
            cells.add(labels.get(i));
            for (int j = 0; j < labels.size(); j++) {
                cells.add(cell.at(i, j));
            }
            row(out, width, cells);
        }
        line(out, width);
        return out.toString();
    }

    private static void line(StringBuilder out, int[] width) {
        for (int w : width) {
            out.append('+').append("-".repeat(w + 2));
        }
        out.append("+\n");
    }

    private static void row(StringBuilder out, int[] width, List<String> cells) {
        for (int c = 0; c < width.length; c++) {
            String s = cells.get(c);
            out.append("| ").append(s).append(" ".repeat(Math.max(0, width[c] - s.length()) + 1));
        }
        out.append("|\n");
    }

    static String label(Peer p) {
        return p.isPod() ? p.namespace() + "/" + p.name() : Ipv4Address.toString(p.ip());
    }

    @Override
    public String toString() {
        return render();
    }
}
