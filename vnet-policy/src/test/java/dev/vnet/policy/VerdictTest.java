package dev.vnet.policy;

import static dev.vnet.policy.PolicySetTest.ICMP;
import static dev.vnet.policy.PolicySetTest.TCP;
import static dev.vnet.policy.PolicySetTest.UDP;
import static dev.vnet.policy.PolicySetTest.np;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one-line reasons a learner reads in {@code vnet policy check} and in traces. */
class VerdictTest {
    final NetpolModel m = new NetpolModel();
    final Peer xa = m.pod("x/a");
    final Peer xb = m.pod("x/b");
    final Peer ya = m.pod("y/a");
    final Peer yb = m.pod("y/b");
    final Peer outside = Peer.address(Ipv4Address.parse("192.168.56.1").bits());

    final PolicySet set = Manifests.compile(np("x", "api-allow", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - podSelector: {matchLabels: {pod: b}}
              ports:
              - port: 80
            - from:
              - namespaceSelector: {matchLabels: {ns: y}}
                podSelector: {matchLabels: {pod: a}}
              ports:
              - port: serve-81-tcp
            - from:
              - ipBlock: {cidr: 192.168.56.0/24, except: [192.168.56.9/32]}
            - ports:
              - protocol: UDP
            egress:
            - to:
              - ipBlock: {cidr: 10.244.2.0/24, except: [10.244.2.11/32]}
              ports:
              - {port: 80, endPort: 90}
            - to:
              - namespaceSelector: {}
            """) + np("x", "deny-all", """
            podSelector: {}
            policyTypes: [Ingress, Egress]
            """));

    @Test
    void allowedNamesThePolicyTheRuleFromOneAndThePeerAndPort() {
        Verdict v = set.ingress(xb, xa, TCP, 80);
        assertEquals("allowed by x/api-allow ingress rule 1 (from podSelector pod=b, port 80/TCP)", v.reason());
        assertTrue(v.allowed());
        assertEquals(Verdict.Outcome.ALLOWED, v.outcome());
        assertEquals(Direction.INGRESS, v.direction());
        assertEquals("x/api-allow", v.policy());
        assertEquals(1, v.rule());
        assertEquals(List.of("x/api-allow", "x/deny-all"), v.selectedBy());
        assertEquals(v.reason(), v.toString());
    }

    @Test
    void aNamedPortIsShownWithTheNumberItResolvedTo() {
        assertEquals("allowed by x/api-allow ingress rule 2 (from namespaceSelector ns=y and podSelector pod=a, "
                + "port serve-81-tcp (81/TCP))", set.ingress(ya, xa, TCP, 81).reason());
    }

    @Test
    void ipBlocksRangesProtocolsAndAnyPeer() {
        assertEquals("allowed by x/api-allow ingress rule 3 (from ipBlock 192.168.56.0/24 except 192.168.56.9/32, "
                + "any port or protocol)", set.ingress(outside, xa, ICMP, 0).reason());
        assertEquals("allowed by x/api-allow ingress rule 4 (from any source, all UDP ports)",
                set.ingress(yb, xa, UDP, 5353).reason());
        assertEquals("allowed by x/api-allow egress rule 1 (to ipBlock 10.244.2.0/24 except 10.244.2.11/32, "
                + "ports 80-90/TCP)", set.egress(xa, m.pod("y/c"), TCP, 85).reason());
        assertEquals("allowed by x/api-allow egress rule 2 (to namespaceSelector {}, any port or protocol)",
                set.egress(xa, yb, TCP, 85).reason());
        assertEquals(2, set.egress(xa, yb, TCP, 85).rule());
    }

    @Test
    void deniedNamesTheSelectingPoliciesAndTheConnection() {
        Verdict in = set.ingress(yb, xa, TCP, 80);
        assertFalse(in.allowed());
        assertEquals(Verdict.Outcome.DENIED, in.outcome());
        assertEquals("denied: selected by x/api-allow, x/deny-all, no ingress rule allows y/b (10.244.2.11) → 80/TCP",
                in.reason());
        assertNull(in.policy());
        assertEquals(0, in.rule());
        assertEquals("denied: selected by x/deny-all, no ingress rule allows 10.244.3.10 → ICMP",
                set.ingress(Peer.address(Ipv4Address.parse("10.244.3.10").bits()), xb, ICMP, 0).reason());
        assertEquals("denied: selected by x/deny-all, no egress rule allows → 192.168.56.1 53/UDP",
                set.egress(xb, outside, UDP, 53).reason());
    }

    @Test
    void notIsolatedNamesThePodAndTheDirection() {
        Verdict v = set.ingress(xa, yb, TCP, 80);
        assertEquals("not isolated: no policy selects y/b for ingress", v.reason());
        assertTrue(v.allowed());
        assertEquals(Verdict.Outcome.NOT_ISOLATED, v.outcome());
        assertEquals(List.of(), v.selectedBy());
        assertEquals("not isolated: no policy selects y/b for egress", set.egress(yb, xa, TCP, 80).reason());
        assertSame(v, set.ingress(m.pod("z/c"), yb, UDP, 53), "one shared verdict per pod");
    }

    @Test
    void anAddressIsNeverSelected() {
        assertEquals("not isolated: the destination is not a pod, no policy selects it",
                set.ingress(xa, outside, TCP, 80).reason());
        assertEquals("not isolated: the source is not a pod, no policy selects it",
                set.egress(outside, xa, TCP, 80).reason());
    }

    @Test
    void aDecisionIsBothSides() {
        PolicySet.Decision d = set.decide(xb, xa, TCP, 80);
        assertFalse(d.allowed());
        assertEquals("denied: selected by x/deny-all, no egress rule allows → x/a (10.244.1.10) 80/TCP", d.reason());
        PolicySet.Decision ok = set.decide(ya, xa, TCP, 81);
        assertTrue(ok.allowed());
        assertEquals("egress not isolated: no policy selects y/a for egress; ingress allowed by x/api-allow ingress "
                + "rule 2 (from namespaceSelector ns=y and podSelector pod=a, port serve-81-tcp (81/TCP))", ok.reason());
    }

    @Test
    void selectorsArePrintedAsKubectlPrintsThem() {
        PolicySet s = Manifests.compile(np("x", "exprs", """
                podSelector: {}
                ingress:
                - from:
                  - podSelector:
                      matchLabels: {tier: web, app: shop}
                      matchExpressions:
                      - {key: env, operator: In, values: [prod, staging]}
                      - {key: legacy, operator: DoesNotExist}
                      - {key: pod, operator: NotIn, values: [c]}
                      - {key: pod, operator: Exists}
                """));
        Peer shop = Peer.pod("x", "shop", 1, java.util.Map.of("tier", "web", "app", "shop", "env", "prod", "pod", "s"),
                java.util.Map.of(), List.of());
        assertEquals("allowed by x/exprs ingress rule 1 (from podSelector app=shop,tier=web,env in (prod,staging),"
                + "!legacy,pod notin (c),pod, any port or protocol)", s.ingress(shop, xa, TCP, 80).reason());
    }
}
