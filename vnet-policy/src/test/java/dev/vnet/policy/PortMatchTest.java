package dev.vnet.policy;

import static dev.vnet.policy.PolicySetTest.ICMP;
import static dev.vnet.policy.PolicySetTest.TCP;
import static dev.vnet.policy.PolicySetTest.UDP;
import static dev.vnet.policy.PolicySetTest.np;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Named ports resolve on the destination's containers: the selected pod for ingress, the peer for egress. */
class PortMatchTest {
    static int ip(String s) {
        return Ipv4Address.parse(s).bits();
    }

    // Two servers that call different numbers "http", and a client.
    final Peer web1 = Peer.pod("shop", "web-1", ip("10.244.1.5"), Map.of("app", "web"), Map.of(),
            List.of(PodPort.tcp("http", 8080), PodPort.udp("dns", 53)));
    final Peer web2 = Peer.pod("shop", "web-2", ip("10.244.2.5"), Map.of("app", "web"), Map.of(),
            List.of(PodPort.tcp("http", 9090)));
    final Peer client = Peer.pod("shop", "client", ip("10.244.1.9"), Map.of("app", "client"), Map.of(),
            List.of(PodPort.tcp("http", 7070)));
    final Peer outside = Peer.address(ip("192.168.56.1"));

    @Test
    void ingressResolvesTheNameOnTheSelectedPod() {
        PolicySet set = Manifests.compile(np("shop", "web-http", """
                podSelector: {matchLabels: {app: web}}
                ingress:
                - ports:
                  - port: http
                """));
        assertTrue(set.ingress(client, web1, TCP, 8080).allowed());
        assertFalse(set.ingress(client, web1, TCP, 9090).allowed());
        assertTrue(set.ingress(client, web2, TCP, 9090).allowed());
        assertFalse(set.ingress(client, web2, TCP, 8080).allowed());
        assertFalse(set.ingress(client, web1, TCP, 7070).allowed(), "the client's own http is not the destination's");
        assertFalse(set.ingress(client, web1, UDP, 8080).allowed(), "the name is a TCP port");
    }

    @Test
    void egressResolvesTheNameOnThePeer() {
        PolicySet set = Manifests.compile(np("shop", "client-out", """
                podSelector: {matchLabels: {app: client}}
                policyTypes: [Egress]
                egress:
                - ports:
                  - port: http
                  - {port: dns, protocol: UDP}
                """));
        assertTrue(set.egress(client, web1, TCP, 8080).allowed());
        assertTrue(set.egress(client, web2, TCP, 9090).allowed());
        assertFalse(set.egress(client, web2, TCP, 8080).allowed());
        assertFalse(set.egress(client, web2, TCP, 7070).allowed(), "the source's http does not count");
        assertTrue(set.egress(client, web1, UDP, 53).allowed());
        assertFalse(set.egress(client, web2, UDP, 53).allowed());
        assertEquals("allowed by shop/client-out egress rule 1 (to any destination, port http (9090/TCP))",
                set.egress(client, web2, TCP, 9090).reason());
    }

    @Test
    void aNamedPortToAnAddressMatchesNothingANumberDoes() {
        PolicySet set = Manifests.compile(np("shop", "client-out", """
                podSelector: {matchLabels: {app: client}}
                policyTypes: [Egress]
                egress:
                - to:
                  - ipBlock: {cidr: 192.168.56.0/24}
                  ports:
                  - port: http
                - to:
                  - ipBlock: {cidr: 192.168.56.0/24}
                  ports:
                  - port: 443
                """));
        assertFalse(set.egress(client, outside, TCP, 8080).allowed());
        assertFalse(set.egress(client, outside, TCP, 7070).allowed());
        assertTrue(set.egress(client, outside, TCP, 443).allowed());
        assertEquals("allowed by shop/client-out egress rule 2 (to ipBlock 192.168.56.0/24, port 443/TCP)",
                set.egress(client, outside, TCP, 443).reason());
    }

    @Test
    void aRuleWithPortsNeverMatchesIcmpOneWithoutMatchesEveryProtocol() {
        PolicySet withPorts = Manifests.compile(np("shop", "p", """
                podSelector: {matchLabels: {app: web}}
                ingress:
                - ports:
                  - protocol: TCP
                  - protocol: UDP
                  - {port: 1, endPort: 65535}
                """));
        assertFalse(withPorts.ingress(client, web1, ICMP, 0).allowed());
        assertFalse(withPorts.ingress(client, web1, 47, 0).allowed(), "GRE has no ports either");
        PolicySet without = Manifests.compile(np("shop", "p", """
                podSelector: {matchLabels: {app: web}}
                ingress:
                - from:
                  - podSelector: {matchLabels: {app: client}}
                """));
        assertTrue(without.ingress(client, web1, ICMP, 0).allowed());
        assertTrue(without.ingress(client, web1, 47, 0).allowed());
        assertFalse(without.ingress(web2, web1, ICMP, 0).allowed());
    }
}
