package dev.vnet.policy;

import static dev.vnet.policy.PolicySetTest.TCP;
import static dev.vnet.policy.PolicySetTest.np;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ipBlock matches addresses that are no pod's as well as pod IPs; except cuts holes. */
class CidrBlockTest {
    static int ip(String s) {
        return Ipv4Address.parse(s).bits();
    }

    @Test
    void cidrWithExcept() {
        CidrBlock b = CidrBlock.compile("192.168.0.0/16", List.of("192.168.56.0/24", "192.168.1.1/32"));
        assertTrue(b.matches(ip("192.168.0.1")));
        assertTrue(b.matches(ip("192.168.255.255")));
        assertTrue(b.matches(ip("192.168.1.2")));
        assertFalse(b.matches(ip("192.168.1.1")));
        assertFalse(b.matches(ip("192.168.56.1")));
        assertFalse(b.matches(ip("192.169.0.1")));
        assertEquals("ipBlock 192.168.0.0/16 except 192.168.56.0/24, 192.168.1.1/32", b.toString());
    }

    @Test
    void hostBitsAreMaskedAsKubernetesReadsThem() {
        CidrBlock b = CidrBlock.compile("10.244.1.7/24", List.of());
        assertTrue(b.matches(ip("10.244.1.200")));
        assertFalse(b.matches(ip("10.244.2.1")));
        assertEquals("ipBlock 10.244.1.0/24", b.toString());
    }

    @Test
    void zeroAndThirtyTwo() {
        assertTrue(CidrBlock.compile("0.0.0.0/0", null).matches(ip("203.0.113.9")));
        CidrBlock one = CidrBlock.compile("203.0.113.9/32", null);
        assertTrue(one.matches(ip("203.0.113.9")));
        assertFalse(one.matches(ip("203.0.113.8")));
    }

    @Test
    void whatDoesNotParseMatchesNothing() {
        for (String bad : new String[] {"fd00::/8", "10.0.0.0/33", "10.0.0.0", "", "10.0.0.0/", "10.0.0/8", "x/8"}) {
            assertFalse(CidrBlock.compile(bad, null).matches(ip("10.0.0.1")), bad);
            assertFalse(CidrBlock.compile(bad, null).matches(0), bad);
        }
        assertFalse(CidrBlock.compile(null, null).matches(0));
        // An except that does not parse is left out; the cidr still matches.
        assertTrue(CidrBlock.compile("10.0.0.0/8", List.of("10.1.0.0/99")).matches(ip("10.1.0.1")));
    }

    @Test
    void theOutsideThroughAPolicy() {
        NetpolModel m = new NetpolModel();
        PolicySet set = Manifests.compile(np("x", "from-the-lab-network", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - ipBlock: {cidr: 192.168.56.0/24, except: [192.168.56.11/32]}
                """));
        assertTrue(set.ingress(Peer.address(ip("192.168.56.1")), m.pod("x/a"), TCP, 80).allowed());
        assertFalse(set.ingress(Peer.address(ip("192.168.56.11")), m.pod("x/a"), TCP, 80).allowed());
        assertFalse(set.ingress(Peer.address(ip("8.8.8.8")), m.pod("x/a"), TCP, 80).allowed());
        assertFalse(set.ingress(m.pod("x/b"), m.pod("x/a"), TCP, 80).allowed(), "pods are not in that block");
        // A selector peer never matches an address, whatever it selects.
        PolicySet all = Manifests.compile(np("x", "all-pods", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {}
                """));
        assertFalse(all.ingress(Peer.address(ip("192.168.56.1")), m.pod("x/a"), TCP, 80).allowed());
        assertTrue(all.ingress(m.pod("z/c"), m.pod("x/a"), TCP, 80).allowed());
    }
}
