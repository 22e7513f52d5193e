package dev.vnet.policy;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

/**
 * The truth table a case expects over the model's nine pods, built as the upstream e2e tests build theirs
 * (their Reachability): everything allowed, then expectations for groups of (from, to). A null namespace or
 * pod in {@link #peer} is "any".
 */
final class Expected {
    private static final List<String> IDS = List.of("x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c");
    private final boolean[][] cells = new boolean[9][9];

    Expected() {
        for (boolean[] row : cells) {
            java.util.Arrays.fill(row, true);
        }
    }

    /** Every (from, to) with from in fromNs/fromPod and to in toNs/toPod; null for "any". */
    Expected peer(String fromNs, String fromPod, String toNs, String toPod, boolean allowed) {
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 9; j++) {
                if (matches(IDS.get(i), fromNs, fromPod) && matches(IDS.get(j), toNs, toPod)) {
                    cells[i][j] = allowed;
                }
            }
        }
        return this;
    }

    Expected allIngress(String to, boolean allowed) {
        return peer(null, null, to.substring(0, 1), to.substring(2), allowed);
    }

    Expected allEgress(String from, boolean allowed) {
        return peer(from.substring(0, 1), from.substring(2), null, null, allowed);
    }

    Expected expect(String from, String to, boolean allowed) {
        cells[IDS.indexOf(from)][IDS.indexOf(to)] = allowed;
        return this;
    }

    private static boolean matches(String id, String ns, String pod) {
        return (ns == null || id.startsWith(ns + "/")) && (pod == null || id.endsWith("/" + pod));
    }

    /** Fails with the expected, observed and comparison tables (as the e2e tests log them) on any difference. */
    void assertMatches(Reachability observed, String name) {
        StringBuilder exp = new StringBuilder();
        StringBuilder obs = new StringBuilder();
        StringBuilder cmp = new StringBuilder();
        boolean same = true;
        header(exp);
        header(obs);
        header(cmp);
        for (int i = 0; i < 9; i++) {
            exp.append(IDS.get(i));
            obs.append(IDS.get(i));
            cmp.append(IDS.get(i));
            for (int j = 0; j < 9; j++) {
                boolean o = observed.allowed(IDS.get(i), IDS.get(j));
                exp.append('\t').append(cells[i][j] ? '.' : 'X');
                obs.append('\t').append(o ? '.' : 'X');
                cmp.append('\t').append(o == cells[i][j] ? '.' : 'X');
                same &= o == cells[i][j];
            }
            exp.append('\n');
            obs.append('\n');
            cmp.append('\n');
        }
        if (!same) {
            fail(name + "\nexpected:\n" + exp + "\nobserved:\n" + obs + "\ncomparison (X: differs):\n" + cmp);
        }
    }

    private static void header(StringBuilder b) {
        b.append('-');
        IDS.forEach(id -> b.append('\t').append(id));
        b.append('\n');
    }
}
