package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * The cluster DNS, asked by real resolvers (dig, nslookup, glibc's getent, curl) from pods on two nodes.
 * Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DnsIntegrationTest {
    private static TestLab lab;
    private static String c1;
    private static String c2;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(2);
        c1 = lab.pod("c1");
        c2 = lab.pod("c2");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s}
                spec: {nodeName: node-1, containers: [{name: s, image: busybox, command: [sleep, infinity]}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %2$s}
                spec: {nodeName: node-2, containers: [{name: s, image: busybox, command: [sleep, infinity]}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %3$s, labels: {app: web}}
                spec: {nodeName: node-2, containers: [{name: w, image: whoami, ports: [{containerPort: 8080}]}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %4$s, labels: {app: db}}
                spec: {nodeName: node-1, hostname: db-0, subdomain: db-headless,
                       containers: [{name: w, image: echo, ports: [{containerPort: 7}]}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: db-headless}
                spec:
                  clusterIP: None
                  selector: {app: db}
                  ports: [{name: echo, port: 7}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: external}
                spec: {type: ExternalName, externalName: example.com}
                """.formatted(c1, c2, lab.pod("web1"), lab.pod("db1")));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String clusterIp(String svc) throws Exception {
        return lab.call("get", "kind", "svc", "name", svc).path("list").path("items").get(0)
                .path("spec").path("clusterIP").asString();
    }

    private static String dig(String pod, String... args) throws Exception {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "dig";
        cmd[1] = "+time=2";
        cmd[2] = "+tries=1";
        System.arraycopy(args, 0, cmd, 3, args.length);
        return TestLab.inNs(pod, 15, cmd).out();
    }

    @Test
    @Order(1)
    void podsGetTheClusterResolverConfiguration() throws Exception {
        String conf = TestLab.inNs(c1, 10, "cat", "/etc/resolv.conf").out();
        assertTrue(conf.contains("nameserver 10.96.0.10"), conf);
        assertTrue(conf.contains("search default.svc.cluster.local svc.cluster.local cluster.local"), conf);
        assertTrue(conf.contains("options ndots:5"), conf);
        JsonNode kubeDns = lab.call("get", "kind", "svc", "name", "kube-dns", "namespace", "kube-system")
                .path("list").path("items").get(0);
        assertEquals("10.96.0.10", kubeDns.path("spec").path("clusterIP").asString());
    }

    @Test
    @Order(2)
    void aServiceNameResolvesToItsClusterIpFromPodsOnEveryNode() throws Exception {
        String vip = clusterIp("web");
        for (String pod : List.of(c1, c2)) {
            assertEquals(vip, dig(pod, "+short", "web.default.svc.cluster.local").strip());
        }
        String ns = TestLab.inNs(c1, 15, "nslookup", "web").out();
        assertTrue(ns.contains("web.default.svc.cluster.local") && ns.contains(vip), ns);
        String getent = TestLab.inNs(c2, 15, "getent", "hosts", "web").out();
        assertTrue(getent.startsWith(vip), "glibc's resolver with ndots:5 and the search path: " + getent);
        TestLab.Result curl = TestLab.inNs(c1, 15, "curl", "-s", "-m", "5", "http://web/");
        assertTrue(curl.out().contains("Hostname: " + lab.pod("web1")), "name → ClusterIP → DNAT → pod: " + curl.out());
    }

    @Test
    @Order(3)
    void headlessAnswersFollowTheReadyPods() throws Exception {
        assertEquals(lab.podIp(lab.pod("db1")), dig(c1, "+short", "db-headless.default.svc.cluster.local").strip());
        assertEquals(lab.podIp(lab.pod("db1")), dig(c1, "+short", "db-0.db-headless.default.svc.cluster.local").strip());
        String extra = lab.pod("db2");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {app: db}}
                spec: {nodeName: node-2, containers: [{name: w, image: echo, ports: [{containerPort: 7}]}]}
                """.formatted(extra));
        Set<String> ips = new TreeSet<>();
        for (int i = 0; i < 30 && ips.size() < 2; i++) {
            ips = new TreeSet<>(Arrays.asList(dig(c2, "+short", "db-headless.default.svc.cluster.local").strip().split("\\s+")));
            Thread.sleep(100);
        }
        assertEquals(new TreeSet<>(List.of(lab.podIp(lab.pod("db1")), lab.podIp(extra))), ips);
        lab.delete(extra);
        assertEquals(lab.podIp(lab.pod("db1")), dig(c2, "+short", "db-headless.default.svc.cluster.local").strip());
    }

    @Test
    @Order(4)
    void srvPtrPodAndExternalNameRecords() throws Exception {
        String srv = dig(c1, "+short", "SRV", "_http._tcp.web.default.svc.cluster.local").strip();
        assertTrue(srv.endsWith("80 web.default.svc.cluster.local."), srv);
        assertEquals("web.default.svc.cluster.local.", dig(c1, "+short", "-x", clusterIp("web")).strip());
        String podIp = lab.podIp(c2);
        String dashed = podIp.replace('.', '-') + ".default.pod.cluster.local";
        assertEquals(podIp, dig(c1, "+short", dashed).strip());
        String ext = dig(c1, "external.default.svc.cluster.local");
        assertTrue(ext.contains("CNAME") && ext.contains("example.com."), ext);
    }

    @Test
    @Order(5)
    void negativeAnswersCarryTheZoneSoa() throws Exception {
        String nx = dig(c1, "nope.default.svc.cluster.local");
        assertTrue(nx.contains("status: NXDOMAIN") && nx.contains("SOA"), nx);
        String aaaa = dig(c1, "AAAA", "web.default.svc.cluster.local");
        assertTrue(aaaa.contains("status: NOERROR") && aaaa.contains("ANSWER: 0"), aaaa);
    }

    @Test
    @Order(6)
    void anExternalNameIsRefusedPromptlyAndTcpWorks() throws Exception {
        long start = System.nanoTime();
        String out = dig(c1, "example.org");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(out.contains("status: REFUSED"), out);
        assertTrue(millis < 2000, "no hang: " + millis + " ms");
        assertEquals(clusterIp("web"), dig(c2, "+tcp", "+short", "web.default.svc.cluster.local").strip());
    }

    @Test
    @Order(7)
    void theDnsLogShowsTheSearchPathAtWork() throws Exception {
        JsonNode entries = lab.call("dns-log").path("entries");
        boolean sawSearch = false;
        for (JsonNode e : entries) {
            sawSearch |= e.path("name").asString().startsWith("web.default.svc.cluster.local")
                    && e.path("client").asString().equals(lab.podIp(c2));
        }
        assertTrue(sawSearch, entries.toString());
    }

    @Test
    @Order(8)
    void teardownLeavesNothing() throws Exception {
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take());
    }
}
