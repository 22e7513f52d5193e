package dev.vnet.policy;

import static dev.vnet.policy.PolicySetTest.ICMP;
import static dev.vnet.policy.PolicySetTest.TCP;
import static dev.vnet.policy.PolicySetTest.np;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReachabilityTest {
    final NetpolModel m = new NetpolModel();
    final PolicySet set = Manifests.compile(PolicySetTest.DENY_INGRESS_X + np("x", "allow-b", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - podSelector: {matchLabels: {pod: b}}
            """));

    @Test
    void rendersAsCyclonusPrints() {
        Reachability r = set.reachability(List.of(m.pod("x/a"), m.pod("x/b"), m.pod("y/a")), TCP, 80);
        assertEquals("""
                +--------+-----+-----+-----+
                | TCP/80 | x/a | x/b | y/a |
                +--------+-----+-----+-----+
                | x/a    | X   | X   | .   |
                | x/b    | .   | X   | .   |
                | y/a    | X   | X   | .   |
                +--------+-----+-----+-----+
                """, r.render());
        assertEquals(4, r.allowedCount());
        assertEquals(r.render(), r.toString());
    }

    @Test
    void longNamesWidenTheirColumnAndIcmpHasNoPort() {
        Peer longOne = Peer.pod("kube-system", "coredns-0", 7, java.util.Map.of(), null, null);
        Reachability r = set.reachability(List.of(m.pod("x/a"), longOne), ICMP, 0);
        assertEquals("""
                +-----------------------+-----+-----------------------+
                | ICMP                  | x/a | kube-system/coredns-0 |
                +-----------------------+-----+-----------------------+
                | x/a                   | X   | .                     |
                | kube-system/coredns-0 | X   | .                     |
                +-----------------------+-----+-----------------------+
                """, r.render());
    }

    @Test
    void cellsByNameAndWhy() {
        Reachability r = set.reachability(m.pods(), TCP, 80);
        assertTrue(r.allowed("x/b", "x/a"));
        assertFalse(r.allowed("y/b", "x/a"));
        assertTrue(r.allowed(3, 4));
        assertEquals("denied: selected by x/allow-b, x/deny-ingress, no ingress rule allows y/b (10.244.2.11) → 80/TCP",
                r.explain("y/b", "x/a").reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.allowed("x/q", "x/a"));
        assertTrue(e.getMessage().startsWith("no pod x/q in this table: use namespace/name, one of [x/a, x/b"),
                e.getMessage());
    }
}
