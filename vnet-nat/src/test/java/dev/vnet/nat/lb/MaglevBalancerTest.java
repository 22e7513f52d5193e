package dev.vnet.nat.lb;

import static dev.vnet.nat.lb.Endpoints.CLIENT;
import static dev.vnet.nat.lb.Endpoints.endpoints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MaglevBalancerTest {

    static final int M = MaglevBalancer.DEFAULT_TABLE_SIZE;

    @ParameterizedTest(name = "M={0}, N={1}")
    @CsvSource({"65537, 1", "65537, 3", "65537, 7", "65537, 10", "65537, 100", "251, 3", "13, 5"})
    void everySlotIsTakenAndEachEndpointGetsItsShare(int m, int n) {
        int[] table = new MaglevBalancer(m).lookupTable(endpoints(n));
        int[] counts = new int[n];
        for (int slot : table) {
            assertTrue(slot >= 0 && slot < n, "slot holds " + slot);
            counts[slot]++;
        }
        // The turns are strict, so each gets ⌊M/N⌋ or ⌈M/N⌉ slots: well within 1% of M/N.
        for (int c : counts) {
            assertTrue(c == m / n || c == (m + n - 1) / n, "count " + c + " of " + m + "/" + n);
        }
    }

    @ParameterizedTest(name = "N={0}, removing #{1}")
    @CsvSource({"10, 0", "10, 4", "10, 9", "5, 2", "20, 13"})
    void removingAnEndpointMovesLittleMoreThanItsShare(int n, int removed) {
        MaglevBalancer maglev = new MaglevBalancer();
        List<Endpoint> before = endpoints(n);
        List<Endpoint> after = new ArrayList<>(before);
        after.remove(removed);
        int[] old = maglev.lookupTable(before);
        int[] now = maglev.lookupTable(after);

        int changed = 0;
        for (int slot = 0; slot < M; slot++) {
            if (!before.get(old[slot]).equals(after.get(now[slot]))) {
                changed++;
            }
        }
        double share = (double) M / n;
        assertTrue(changed >= share - 1, "at least the removed endpoint's slots move: " + changed);
        assertTrue(changed < 2 * share, changed + " slots moved; its share is " + (int) share);
    }

    @Test
    void everyNodeBuildsTheSameTableAndAFlowKeepsItsEndpoint() {
        List<Endpoint> seven = endpoints(7);
        assertArrayEquals(new MaglevBalancer().lookupTable(seven), new MaglevBalancer().lookupTable(seven));
        assertArrayEquals(new MaglevBalancer().lookupTable(seven),
                new MaglevBalancer().lookupTable(new ArrayList<>(seven)), "equal lists, same table");

        Balancer a = new MaglevBalancer();
        Balancer b = new MaglevBalancer();
        for (int port = 1000; port < 2000; port++) {
            assertEquals(a.pick(seven, CLIENT, port, 0), b.pick(seven, CLIENT, port, 0));
        }
    }

    @Test
    void flowsSpreadAndTheReasonNamesTheSlot() {
        Balancer maglev = new MaglevBalancer();
        List<Endpoint> four = endpoints(4);
        int[] counts = new int[4];
        for (int port = 1; port <= 8000; port++) {
            counts[maglev.pick(four, CLIENT, port, 0).index()]++;
        }
        for (int c : counts) {
            assertTrue(c > 1700 && c < 2300, java.util.Arrays.toString(counts));
        }
        Choice c = maglev.pick(four, CLIENT, 1, 0);
        assertTrue(c.reason().matches("maglev table slot \\d+ → " + c.index()), c.reason());
        assertEquals("maglev", maglev.name());
    }

    @Test
    void theTableIsBuiltOncePerEndpointList() {
        MaglevBalancer maglev = new MaglevBalancer(251);
        List<Endpoint> three = endpoints(3);
        maglev.pick(three, CLIENT, 1, 0);
        int[] first = maglev.lookupTable(three);
        assertArrayEquals(first, maglev.lookupTable(List.copyOf(three)));
        assertTrue(!java.util.Arrays.equals(first, maglev.lookupTable(endpoints(4))), "rebuilt on change");
    }

    @Test
    void tableSizeMustBePrime() {
        assertThrows(IllegalArgumentException.class, () -> new MaglevBalancer(65536));
        assertThrows(IllegalArgumentException.class, () -> new MaglevBalancer(1));
        assertEquals(251, new MaglevBalancer(251).tableSize());
        assertSame(null, new MaglevBalancer(13).pick(List.of(), CLIENT, 1, 0));
    }
}
