package dev.vnet.node.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.Manifests;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.node.router.PolicyGate.Decision;
import dev.vnet.policy.Peer;
import dev.vnet.policy.PodPort;
import dev.vnet.policy.PolicySet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Node 1 (pods 10.244.1.0/24) judging connections: egress for its senders, ingress for its receivers. */
class NodePolicyTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int WEB = ip("10.244.1.10");     // x/web, on this node
    private static final int DB = ip("10.244.1.11");      // x/db, on this node
    private static final int REMOTE = ip("10.244.2.10");  // y/client, on node 2
    private static final int DNS = ip("10.96.0.10");
    private static final int TUN = ip("10.244.1.254");
    private static final int OUTSIDE = ip("192.168.56.1");

    private static int ip(String s) {
        return Ipv4Address.parse(s).bits();
    }

    private static NodePolicy node(String yaml) throws Exception {
        List<NetworkPolicy> policies = Manifests.parse(yaml, "test").stream()
                .map(d -> (NetworkPolicy) d.object()).toList();
        Map<Integer, Peer> pods = Map.of(
                WEB, Peer.pod("x", "web", WEB, Map.of("app", "web"), Map.of(), List.of(PodPort.tcp("http", 8080))),
                DB, Peer.pod("x", "db", DB, Map.of("app", "db"), Map.of(), List.of()),
                REMOTE, Peer.pod("y", "client", REMOTE, Map.of("app", "client"), Map.of("team", "y"), List.of()),
                DNS, Peer.pod("kube-system", "kube-dns-node-1", DNS, Map.of("k8s-app", "kube-dns"), Map.of(),
                        List.of(PodPort.udp("dns", 53))));
        return new NodePolicy(PolicySet.compile(policies), pods, Cidr.parse("10.244.1.0/24"), Cidr.parse("10.244.0.0/16"),
                Set.of(TUN, ip("192.168.56.11"), ip("10.244.1.1")), "node-1");
    }

    private static final String DENY_X_INGRESS = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec: {podSelector: {}}
            """;

    private static final String ALLOW_WEB_TO_DB = """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: db-from-web, namespace: x}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress:
              - from: [{podSelector: {matchLabels: {app: web}}}]
                ports: [{port: 5432}]
            """;

    private static final String DENY_X_EGRESS_BUT_DNS = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-dns-only, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - to:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                  podSelector: {matchLabels: {k8s-app: kube-dns}}
                ports: [{port: 53, protocol: UDP}]
            """;

    @Test
    void aDeniedIngressNamesItsPolicyAndDirection() throws Exception {
        Decision d = node(DENY_X_INGRESS).decide(TCP, REMOTE, 40000, WEB, 8080, Origin.OVERLAY);
        assertFalse(d.allowed());
        assertEquals("x/deny-all", d.policy());
        assertEquals("ingress", d.direction());
        assertTrue(d.text().startsWith("ingress denied: selected by x/deny-all"), d.text());
    }

    @Test
    void bothSidesAreJudgedBetweenTwoPodsOfThisNode() throws Exception {
        NodePolicy p = node(DENY_X_INGRESS + ALLOW_WEB_TO_DB);
        Decision ok = p.decide(TCP, WEB, 40000, DB, 5432, Origin.POD);
        assertTrue(ok.allowed());
        assertTrue(ok.remember(), "a pod of this node: the stage must remember the connection");
        assertEquals("x/db-from-web", ok.policy());
        assertTrue(ok.text().contains("allowed by x/db-from-web ingress rule 1"), ok.text());
        assertTrue(ok.text().startsWith("egress not isolated"), ok.text());
        assertFalse(p.decide(TCP, WEB, 40000, DB, 5433, Origin.POD).allowed(), "another port");
        assertFalse(p.decide(TCP, DB, 40000, WEB, 8080, Origin.POD).allowed(), "the other way");
    }

    @Test
    void thePodsOwnNodeIsAlwaysLetInButAnotherNodeIsNot() throws Exception {
        NodePolicy p = node(DENY_X_INGRESS);
        Decision d = p.decide(TCP, TUN, 40000, WEB, 8080, Origin.NODE);
        assertTrue(d.allowed());
        assertTrue(d.text().contains("node-1 itself"), d.text());
        assertTrue(p.decide(TCP, ip("10.244.1.1"), 40000, WEB, 8080, Origin.POD).allowed(),
                "a hairpinned Service connection, masqueraded to the gateway");
        assertFalse(p.decide(TCP, ip("10.244.2.254"), 40000, WEB, 8080, Origin.OVERLAY).allowed(), "node 2");
        assertFalse(p.decide(TCP, OUTSIDE, 40000, WEB, 8080, Origin.NODE).allowed(), "the outside");
    }

    @Test
    void egressIsJudgedOnTheSendersNodeOnly() throws Exception {
        NodePolicy p = node(DENY_X_EGRESS_BUT_DNS);
        assertFalse(p.decide(TCP, WEB, 40000, REMOTE, 80, Origin.POD).allowed());
        Decision dns = p.decide(UDP, WEB, 40000, DNS, 53, Origin.POD);
        assertTrue(dns.allowed(), dns.text());
        assertTrue(dns.text().contains("allowed by x/egress-dns-only egress rule 1"), dns.text());
        assertTrue(dns.text().contains("kube-system/kube-dns-node-1 (10.96.0.10) uses its node's network"), dns.text());
        assertFalse(p.decide(TCP, WEB, 40000, DNS, 53, Origin.POD).allowed(), "the rule allows UDP only");
        // A connection from another node's pod into x: x's egress is not asked, but its replies must pass it.
        Decision in = p.decide(TCP, REMOTE, 40000, WEB, 8080, Origin.OVERLAY);
        assertTrue(in.allowed() && in.remember(), in.text());
        assertTrue(in.text().startsWith("egress is judged on the node of y/client; ingress not isolated"), in.text());
    }

    @Test
    void aConnectionOfALocalPodIsRememberedEvenWhenNothingIsolatesItsSide() throws Exception {
        // x/web's egress is free, but x is isolated for ingress: the DNS answer coming back must pass.
        NodePolicy p = node(DENY_X_INGRESS);
        Decision d = p.decide(UDP, WEB, 40000, DNS, 53, Origin.POD);
        assertTrue(d.allowed() && d.remember(), d.text());
        assertEquals(null, d.policy(), "no policy allowed it: nothing isolated it");
    }

    @Test
    void neitherEndHereIsTheSharedAnswer() throws Exception {
        NodePolicy p = node(DENY_X_INGRESS);
        assertSame(Decision.NOT_ISOLATED, p.decide(TCP, REMOTE, 40000, OUTSIDE, 80, Origin.OVERLAY));
        assertSame(Decision.NOT_ISOLATED, p.decide(TCP, TUN, 40000, REMOTE, 80, Origin.NODE));
    }
}
