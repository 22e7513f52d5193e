package dev.vnet.nat.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class AlgorithmTest {

    @ParameterizedTest(name = "\"{0}\" → {1}")
    @CsvSource({
        "random, RANDOM",
        "round-robin, ROUND_ROBIN", "rr, ROUND_ROBIN", "Round-Robin, ROUND_ROBIN",
        "least-connections, LEAST_CONNECTIONS", "lc, LEAST_CONNECTIONS",
        "source-hash, SOURCE_HASH", "sh, SOURCE_HASH",
        "maglev, MAGLEV", "' MAGLEV ', MAGLEV",
    })
    void parsesNamesAndShortNames(String text, Algorithm expected) {
        assertEquals(expected, Algorithm.parse(text));
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Algorithm.parse("wrr"));
        assertEquals("unknown load-balancing algorithm \"wrr\"; valid: random, round-robin (rr), "
                + "least-connections (lc), source-hash (sh), maglev", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Algorithm.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Algorithm.parse(null));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void createsABalancerThatGoesByTheSameName(Algorithm a) {
        Balancer b = a.create(ep -> 0);
        assertEquals(a.displayName(), b.name());
        assertEquals(a, Algorithm.parse(b.name()));
        assertTrue(b.pick(Endpoints.endpoints(3), Endpoints.CLIENT, 1, 0).index() < 3);
    }

    @Test
    void createsTheRightKinds() {
        assertInstanceOf(RandomBalancer.class, Algorithm.RANDOM.create(ep -> 0));
        assertInstanceOf(RoundRobinBalancer.class, Algorithm.ROUND_ROBIN.create(ep -> 0));
        assertInstanceOf(LeastConnectionsBalancer.class, Algorithm.LEAST_CONNECTIONS.create(ep -> 0));
        assertInstanceOf(SourceHashBalancer.class, Algorithm.SOURCE_HASH.create(ep -> 0));
        assertInstanceOf(MaglevBalancer.class, Algorithm.MAGLEV.create(ep -> 0));
    }

    @Test
    void endpointPrintsAsAddressAndPort() {
        assertEquals("10.244.1.3:8080", new Endpoint(0x0AF4_0103, 8080, "node-1", true, true).toString());
    }
}
