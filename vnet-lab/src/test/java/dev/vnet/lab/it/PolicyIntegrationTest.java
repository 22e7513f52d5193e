package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.core.packet.DropReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * NetworkPolicy on three nodes, driven by curl, ping, dig and bash's /dev/udp from real pods: namespace x holds
 * web (whoami, behind Service web) and db (echo, TCP and UDP) on node-1, and client on node-2; namespace y
 * (team=blue) holds other on node-3. Policies are applied, changed in place and deleted as a learner would.
 * Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyIntegrationTest {
    private static TestLab lab;
    private static String web;
    private static String db;
    private static String client;
    private static String other;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(3);
        web = lab.pod("web");
        db = lab.pod("db");
        client = lab.pod("client");
        other = lab.pod("other");
        lab.apply("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: x}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: y, labels: {team: blue}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s, namespace: x, labels: {app: web}}
                spec:
                  nodeName: node-1
                  containers: [{name: web, image: whoami, ports: [{name: http, containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %2$s, namespace: x, labels: {app: db}}
                spec:
                  nodeName: node-1
                  containers: [{name: db, image: echo, ports: [{containerPort: 7000}]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %3$s, namespace: x, labels: {app: client}}
                spec:
                  nodeName: node-2
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %4$s, namespace: y, labels: {app: other}}
                spec:
                  nodeName: node-3
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: x}
                spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
                """.formatted(web, db, client, other));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String ns(String pod) {
        return pod.equals(other) ? pod + ".y" : pod + ".x";
    }

    private static String ip(String pod) throws ApiException {
        return lab.call("get", "kind", "pods", "name", pod, "namespace", pod.equals(other) ? "y" : "x")
                .path("list").path("items").get(0).path("status").path("podIP").asString();
    }

    /** curl's exit code: 0 answered, 28 timed out (a policy dropped the SYN). */
    private static TestLab.Result curl(String from, String url) throws Exception {
        return TestLab.inNs(ns(from), 15, "curl", "-s", "-m", "2", url);
    }

    /** A UDP datagram to the echo server and its echo, through bash's /dev/udp. */
    private static TestLab.Result udpEcho(String from, String to) throws Exception {
        return TestLab.inNs(ns(from), 15, "bash", "-c", "exec 3<>/dev/udp/" + to + "/7000; echo policy >&3; "
                + "timeout 2 head -c 6 <&3");
    }

    private static String dig(String from, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dig", "+time=2", "+tries=1", "+short"));
        cmd.addAll(List.of(args));
        return TestLab.inNs(ns(from), 15, cmd.toArray(String[]::new)).out();
    }

    private static void applyPolicy(String yaml) throws Exception {
        lab.apply(yaml);
        Thread.sleep(300); // each node's policy agent syncs within its 50 ms minimum interval
    }

    private static void deletePolicies(String... names) throws Exception {
        var targets = new java.util.ArrayList<dev.vnet.apiserver.client.ApiClient.Named>();
        for (String n : names) {
            targets.add(new dev.vnet.apiserver.client.ApiClient.Named(dev.vnet.apiserver.api.NetworkPolicyKind.KIND, "x", n));
        }
        lab.api.deleteEach(targets, false);
        Thread.sleep(300);
    }

    private static final String DEFAULT_DENY = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny-ingress, namespace: x}
            spec: {podSelector: {}, policyTypes: [Ingress]}
            """;

    @Test
    @Order(1)
    void withoutPoliciesEveryPodReachesEveryOther() throws Exception {
        assertTrue(curl(client, "http://" + ip(web) + ":8080/").out().contains("Hostname: " + web));
        assertTrue(curl(other, "http://web.x.svc.cluster.local/").out().contains("Hostname: " + web));
        assertEquals("policy", udpEcho(client, ip(db)).out());
        assertEquals(0, lab.lab.nodes().get(0).router().policyConnections().size(), "no policy, nothing tracked");
    }

    @Test
    @Order(2)
    void aDefaultDenyDropsNewConnectionsIntoTheNamespaceButNotFromItsOwnNode() throws Exception {
        applyPolicy(DEFAULT_DENY);
        long before = lab.lab.nodes().get(0).router().counters().drops(DropReason.POLICY_DENIED);
        TestLab.Result denied = curl(client, "http://" + ip(web) + ":8080/");
        assertEquals(28, denied.exit(), "dropped silently, so curl times out: " + denied.out());
        assertEquals(28, curl(other, "http://web.x.svc.cluster.local/").exit(), "through the Service too");
        assertNotEquals(0, TestLab.inNs(ns(client), 10, "ping", "-c", "1", "-W", "1", ip(db)).exit(), "ICMP too");
        assertFalse(udpEcho(client, ip(db)).out().contains("policy"), "UDP too");
        assertTrue(lab.lab.nodes().get(0).router().counters().drops(DropReason.POLICY_DENIED) >= before + 4);

        // The pods' own node (kubelet's probes) is always let in; another node is not.
        assertTrue(TestLab.inNs(lab.config.nodeNs(1), 10, "curl", "-s", "-m", "2", "http://" + ip(web) + ":8080/")
                .out().contains("Hostname: " + web));
        assertEquals(28, TestLab.inNs(lab.config.nodeNs(3), 10, "curl", "-s", "-m", "2",
                "http://" + ip(web) + ":8080/").exit());

        String flows = lab.call("flows", "since", "0").path("events").toString();
        assertTrue(flows.contains("denied by x/default-deny-ingress (ingress)"), flows);
    }

    @Test
    @Order(3)
    void podsOfOneNodeAreJudgedToo() throws Exception {
        assertEquals(28, TestLab.inNs(ns(web), 10, "curl", "-s", "-m", "2", "http://" + ip(db) + ":7000/").exit(),
                "web and db share node-1's bridge; the router still judges them");
    }

    @Test
    @Order(4)
    void anAllowRuleOpensOnePortToOneKindOfPodByIpAndByService() throws Exception {
        applyPolicy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-from-client, namespace: x}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {app: client}}}]
                    ports: [{port: http}]
                """);
        assertTrue(curl(client, "http://" + ip(web) + ":8080/").out().contains("Hostname: " + web));
        assertTrue(curl(client, "http://web/").out().contains("Hostname: " + web), "a ClusterIP is judged after DNAT");
        assertEquals(28, curl(other, "http://" + ip(web) + ":8080/").exit(), "a podSelector means this namespace");
        assertEquals(28, curl(client, "http://" + ip(db) + ":7000/").exit(), "db is still isolated");

        JsonNode check = lab.call("policy-check", "from", "x/" + client, "to", "x/" + web, "port", "8080");
        assertTrue(check.path("allowed").asBoolean(), check.toString());
        assertTrue(check.path("ingress").path("reason").asString().startsWith("allowed by x/web-from-client ingress "
                + "rule 1"), check.toString());
        assertEquals("node-1", check.path("ingress").path("node").asString());
        JsonNode no = lab.call("policy-check", "from", "y/" + other, "to", "x/" + web, "port", "8080");
        assertFalse(no.path("allowed").asBoolean());
        assertTrue(no.path("ingress").path("reason").asString().contains("default-deny-ingress"), no.toString());
    }

    @Test
    @Order(5)
    void aPolicyChangedInPlaceAppliesToNewConnections() throws Exception {
        applyPolicy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-from-client, namespace: x}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  ingress:
                  - from: [{namespaceSelector: {matchLabels: {team: blue}}}]
                """);
        assertTrue(curl(other, "http://" + ip(web) + ":8080/").out().contains("Hostname: " + web), "team blue");
        assertEquals(28, curl(client, "http://" + ip(web) + ":8080/").exit(), "client lost its rule");
    }

    @Test
    @Order(6)
    void aTraceOfADeniedConnectionNamesThePolicyOnTheDestinationsNode() throws Exception {
        JsonNode t = lab.call("trace", "source", client, "namespace", "x", "target", ip(web) + ":8080",
                "protocol", "tcp");
        String hops = t.path("hops").toString();
        assertTrue(hops.contains("egress not isolated: no policy selects x/" + client + " for egress; ingress is "
                + "judged on the node of x/" + web), hops);
        assertTrue(t.path("outcome").asString().startsWith("dropped on node-1: ingress denied: selected by "
                + "x/default-deny-ingress, x/web-from-client"), t.toString());
    }

    @Test
    @Order(7)
    void anEgressDenyStopsDnsUntilARuleAllowsIt() throws Exception {
        deletePolicies("default-deny-ingress", "web-from-client");
        assertTrue(dig(client, "web.x.svc.cluster.local").contains("10.96."), "DNS works before");
        applyPolicy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: client-egress, namespace: x}
                spec:
                  podSelector: {matchLabels: {app: client}}
                  policyTypes: [Egress]
                """);
        assertTrue(dig(client, "web.x.svc.cluster.local").contains("timed out"), "no egress, no DNS");
        applyPolicy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: client-egress, namespace: x}
                spec:
                  podSelector: {matchLabels: {app: client}}
                  policyTypes: [Egress]
                  egress:
                  - to:
                    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                      podSelector: {matchLabels: {k8s-app: kube-dns}}
                    ports: [{port: 53, protocol: UDP}]
                  - to: [{ipBlock: {cidr: %s/32}}]
                    ports: [{port: 7000, protocol: UDP}]
                """.formatted(ip(db)));
        assertTrue(dig(client, "web.x.svc.cluster.local").contains("10.96."), "the DNS rule lets queries out");
        assertTrue(dig(client, "+tcp", "web.x.svc.cluster.local").contains("timed out")
                || dig(client, "+tcp", "web.x.svc.cluster.local").contains("connection refused")
                || !dig(client, "+tcp", "web.x.svc.cluster.local").contains("10.96."), "UDP only");
        assertEquals("policy", udpEcho(client, ip(db)).out(), "the ipBlock rule, for UDP");
        assertEquals(28, curl(client, "http://" + ip(web) + ":8080/").exit(), "egress to web is not allowed");
        assertTrue(curl(other, "http://" + ip(web) + ":8080/").out().contains("Hostname: " + web),
                "web's ingress is not isolated");
    }

    @Test
    @Order(8)
    void theProbeAgreesWithThePolicies() throws Exception {
        JsonNode m = lab.call("policy-matrix", "port", "8080");
        List<String> pods = new ArrayList<>();
        m.path("pods").forEach(p -> pods.add(p.path("namespace").asString() + "/" + p.path("name").asString()));
        int from = pods.indexOf("x/" + client);
        int to = pods.indexOf("x/" + web);
        assertFalse(m.path("allowed").get(from).get(to).asBoolean(), m.toString());
        ObjectNode probe = Operation.POLICY_PROBE.request().put("pod", "x/" + client);
        probe.putArray("targets").add(ip(web) + ":8080").add(ip(other) + ":8080");
        JsonNode r = lab.api.call(probe).path("results");
        assertEquals("TIMEOUT", r.get(0).path("result").asString(), r.toString());
        assertEquals(m.path("allowed").get(from).get(pods.indexOf("y/" + other)).asBoolean(),
                r.get(1).path("reached").asBoolean(), r.toString());
    }

    @Test
    @Order(9)
    void deletingTheLastPolicyOpensEverythingAgain() throws Exception {
        deletePolicies("client-egress");
        assertTrue(curl(client, "http://" + ip(web) + ":8080/").out().contains("Hostname: " + web));
        assertEquals("policy", udpEcho(client, ip(db)).out());
        lab.lab.nodes().forEach(n -> assertEquals(null, n.router().policyGate(), n.config().name()));
    }
}
