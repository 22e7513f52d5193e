package dev.vnet.nat.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.nat.lb.Choice;
import dev.vnet.nat.lb.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A KUBE-SVC-* chain: rule i of n matches with probability 1/(n-i), which makes every endpoint equally likely. */
class IptablesChainBalancerTest {

    static final int CLIENT = 0x0AF4_0109; // 10.244.1.9

    static List<Endpoint> endpoints(int n) {
        List<Endpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Endpoint(0x0AF4_0105 + i, 8080, "node-1", true, true));
        }
        return List.copyOf(out);
    }

    @ParameterizedTest(name = "rule {0} of {1}: {2}")
    @CsvSource({
            "0, 1, 1.0",
            "0, 2, 0.5",
            "1, 2, 1.0",
            "0, 3, 0.3333333333333333",
            "1, 3, 0.5",
            "2, 3, 1.0",
            "0, 4, 0.25",
            "3, 4, 1.0"})
    void ruleIOfNMatchesWithProbabilityOneOverNMinusI(int i, int n, double p) {
        assertEquals(p, IptablesChainBalancer.probability(i, n), 1e-15);
    }

    @Test
    void threeEndpointsEachGetAThirdOfThirtyThousandPicks() {
        IptablesChainBalancer balancer = new IptablesChainBalancer(42);
        List<Endpoint> eps = endpoints(3);
        int[] count = new int[3];

        for (int k = 0; k < 30_000; k++) {
            count[balancer.pick(eps, CLIENT, 40000 + k % 20000, k).index()]++;
        }

        for (int i = 0; i < 3; i++) {
            double share = count[i] / 30_000.0;
            assertEquals(1 / 3.0, share, 0.02, "endpoint " + i + " got " + count[i]);
        }
    }

    @Test
    void theSameSeedGivesTheSamePicks() {
        List<Endpoint> eps = endpoints(3);
        IptablesChainBalancer a = new IptablesChainBalancer(7);
        IptablesChainBalancer b = new IptablesChainBalancer(7);

        for (int k = 0; k < 100; k++) {
            assertEquals(a.pick(eps, CLIENT, 40000, k), b.pick(eps, CLIENT, 40000, k), "pick " + k);
        }
    }

    @Test
    void aSingleEndpointIsTheLastRuleAndAlwaysMatches() {
        IptablesChainBalancer balancer = new IptablesChainBalancer(1);

        for (int k = 0; k < 10; k++) {
            assertEquals(new Choice(0, "iptables rule 1 of 1 (the last, always matches)"),
                    balancer.pick(endpoints(1), CLIENT, 40000, k));
        }
    }

    @Test
    void reasonsNameTheRuleThatMatchedAndItsProbability() {
        IptablesChainBalancer balancer = new IptablesChainBalancer(42);
        List<Endpoint> eps = endpoints(3);
        List<String> reasons = new ArrayList<>();

        for (int k = 0; k < 200 && reasons.size() < 3; k++) {
            Choice c = balancer.pick(eps, CLIENT, 40000, k);
            String expected = switch (c.index()) {
                case 0 -> "iptables rule 1 of 3 matched (probability 0.33333)";
                case 1 -> "iptables rule 2 of 3 matched (probability 0.50000)";
                default -> "iptables rule 3 of 3 (the last, always matches)";
            };
            assertEquals(expected, c.reason());
            if (!reasons.contains(expected)) {
                reasons.add(expected);
            }
        }
        assertEquals(3, reasons.size(), "all three rules matched at least once: " + reasons);
    }

    @Test
    void reasonsDoNotDependOnTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            IptablesChainBalancer balancer = new IptablesChainBalancer(42);
            Choice c;
            int k = 0;
            do {
                c = balancer.pick(endpoints(3), CLIENT, 40000, k++);
            } while (c.index() != 0);

            assertEquals("iptables rule 1 of 3 matched (probability 0.33333)", c.reason());
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void itsNameSaysRandom() {
        assertTrue(new IptablesChainBalancer(1).name().startsWith("random"));
    }
}
