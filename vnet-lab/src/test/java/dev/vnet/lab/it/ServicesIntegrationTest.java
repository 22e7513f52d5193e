package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Services on three nodes, driven by real clients: ClusterIP load balancing from every node, affinity,
 * scaling, UDP, NodePort and LoadBalancer from outside the cluster, externalTrafficPolicy Local, hairpin,
 * REJECT without endpoints, and deletion. Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServicesIntegrationTest {
    private static TestLab lab;
    private static String client1;
    private static String client2;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(3);
        client1 = lab.pod("c1");
        client2 = lab.pod("c2");
        StringBuilder yaml = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            yaml.append(pod(lab.pod("web" + i), "node-" + i, "app: web", "whoami", "{name: http, containerPort: 8080}"));
        }
        yaml.append(pod(client1, "node-1", "role: client", "busybox", null));
        yaml.append(pod(client2, "node-2", "role: client", "busybox", null));
        yaml.append(pod(lab.pod("echo"), "node-3", "app: echo", "echo", "{containerPort: 7, protocol: UDP}"));
        yaml.append(pod(lab.pod("solo"), "node-2", "app: solo", "whoami", "{containerPort: 8080}"));
        yaml.append("""
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  selector: {app: web}
                  ports: [{name: http, port: 80, targetPort: http}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: sticky}
                spec:
                  selector: {app: web}
                  sessionAffinity: ClientIP
                  ports: [{port: 80, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web-np}
                spec:
                  type: NodePort
                  selector: {app: web}
                  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web-local}
                spec:
                  type: NodePort
                  externalTrafficPolicy: Local
                  selector: {app: web}
                  ports: [{port: 80, targetPort: 8080, nodePort: 30081}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web-lb}
                spec:
                  type: LoadBalancer
                  selector: {app: web}
                  ports: [{port: 80, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: udp-echo}
                spec:
                  selector: {app: echo}
                  ports: [{port: 5353, targetPort: 7, protocol: UDP}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: solo}
                spec:
                  selector: {app: solo}
                  ports: [{port: 80, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: empty}
                spec:
                  selector: {app: nobody}
                  ports: [{port: 80}]
                """);
        lab.apply(yaml.toString());
    }

    private static String pod(String name, String node, String label, String image, String port) {
        String container = image.equals("busybox")
                ? "{name: shell, image: busybox, command: [sleep, infinity]}"
                : "{name: main, image: " + image + ", ports: [" + port + "]}";
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {%s}}
                spec: {nodeName: %s, containers: [%s]}
                ---
                """.formatted(name, label, node, container);
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static String clusterIp(String svc) throws Exception {
        JsonNode items = lab.call("get", "kind", "svc", "name", svc).path("list").path("items");
        return items.get(0).path("spec").path("clusterIP").asString();
    }

    private static TestLab.Result curl(String netns, String url) throws Exception {
        return TestLab.inNs(netns, 15, "curl", "-s", "-m", "3", url);
    }

    private static String field(String whoami, String name) {
        return whoami.lines().filter(l -> l.startsWith(name + ": ")).map(l -> l.substring(name.length() + 2))
                .findFirst().orElse("");
    }

    @Test
    @Order(1)
    void endpointsFollowTheSelector() throws Exception {
        // The endpoints controller syncs after the pods' status writes (coalesced): give it a moment.
        JsonNode ep = null;
        for (int i = 0; i < 100; i++) {
            ep = lab.call("get", "kind", "endpoints", "name", "web").path("list").path("items").get(0);
            if (ep.path("subsets").path(0).path("addresses").size() == 3) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(3, ep.path("subsets").get(0).path("addresses").size(), ep.toString());
        assertEquals(8080, ep.path("subsets").get(0).path("ports").get(0).path("port").asInt(), "named targetPort resolved");
    }

    @Test
    @Order(2)
    void aClusterIpReachesEveryEndpointFromPodsOnEveryNodeWithoutSnat() throws Exception {
        String vip = clusterIp("web");
        for (String client : List.of(client1, client2)) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 30 && seen.size() < 3; i++) {
                TestLab.Result r = curl(client, "http://" + vip + "/");
                assertEquals(0, r.exit(), r.out());
                seen.add(field(r.out(), "Hostname"));
                assertTrue(field(r.out(), "RemoteAddr").startsWith(lab.podIp(client) + ":"), "client IP kept: " + r.out());
            }
            assertEquals(Set.of(lab.pod("web1"), lab.pod("web2"), lab.pod("web3")), seen);
        }
        TestLab.Result fromNode = curl(lab.config.nodeNs(3), "http://" + vip + "/");
        assertEquals(0, fromNode.exit(), "a node reaches a ClusterIP through its TUN: " + fromNode.out());
    }

    @Test
    @Order(3)
    void clientIpAffinityPinsAClient() throws Exception {
        String vip = clusterIp("sticky");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            seen.add(field(curl(client1, "http://" + vip + "/").out(), "Hostname"));
        }
        assertEquals(1, seen.size(), "one endpoint for one client: " + seen);
    }

    @Test
    @Order(4)
    void udpServiceAnswersARealClient() throws Exception {
        String vip = clusterIp("udp-echo");
        TestLab.Result r = TestLab.inNs(client1, 10, "bash", "-c",
                "exec 3<>/dev/udp/" + vip + "/5353; echo -n ping-udp >&3; timeout 3 head -c 8 <&3");
        assertEquals("ping-udp", r.out().strip());
    }

    @Test
    @Order(5)
    void nodePortAndLoadBalancerAreReachableFromOutside() throws Exception {
        TestLab.Result np = curl(lab.config.outsideNs(), "http://192.168.56.12:30080/");
        assertEquals(0, np.exit(), np.out());
        assertTrue(field(np.out(), "RemoteAddr").startsWith("10.244.2.0:"),
                "externalTrafficPolicy Cluster SNATs to the node: " + np.out());
        JsonNode lb = lab.call("get", "kind", "svc", "name", "web-lb").path("list").path("items").get(0);
        String lbIp = lb.path("status").path("loadBalancer").path("ingress").get(0).path("ip").asString();
        assertTrue(lbIp.startsWith("192.168.56.2"), lbIp);
        TestLab.Result r = curl(lab.config.outsideNs(), "http://" + lbIp + "/");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("Hostname: " + lab.prefix + "web"), r.out());
    }

    @Test
    @Order(6)
    void externalTrafficPolicyLocalKeepsTheClientAddress() throws Exception {
        TestLab.Result r = curl(lab.config.outsideNs(), "http://192.168.56.13:30081/");
        assertEquals(0, r.exit(), r.out());
        assertEquals(lab.pod("web3"), field(r.out(), "Hostname"), "only the local endpoint");
        assertTrue(field(r.out(), "RemoteAddr").startsWith("192.168.56.1:"), "client address kept: " + r.out());
    }

    @Test
    @Order(7)
    void aPodReachesItselfThroughItsServiceByHairpinSnat() throws Exception {
        TestLab.Result r = curl(lab.pod("solo"), "http://" + clusterIp("solo") + "/");
        assertEquals(0, r.exit(), r.out());
        assertEquals(lab.pod("solo"), field(r.out(), "Hostname"));
        assertTrue(field(r.out(), "RemoteAddr").startsWith("10.244.2.0:"), "hairpin is SNATed: " + r.out());
    }

    @Test
    @Order(8)
    void aServiceWithoutEndpointsRefusesAtOnce() throws Exception {
        long start = System.nanoTime();
        TestLab.Result r = curl(client1, "http://" + clusterIp("empty") + "/");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(7, r.exit(), "curl: connection refused: " + r.out());
        assertTrue(millis < 2000, "refused at once, not a time-out: " + millis + " ms");
        // From outside the cluster too, on a NodePort no Service has.
        start = System.nanoTime();
        TestLab.Result outside = curl(lab.config.outsideNs(), "http://192.168.56.12:30999/");
        millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(7, outside.exit(), "refused from outside: " + outside.out());
        assertTrue(millis < 2000, "refused at once from outside: " + millis + " ms");
    }

    @Test
    @Order(9)
    void scalingPodsUpdatesEndpointsAndTraffic() throws Exception {
        String extra = lab.pod("web4");
        lab.apply(pod(extra, "node-2", "app: web", "whoami", "{name: http, containerPort: 8080}"));
        String vip = clusterIp("web");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40 && !seen.contains(extra); i++) {
            seen.add(field(curl(client1, "http://" + vip + "/").out(), "Hostname"));
        }
        assertTrue(seen.contains(extra), "the new pod gets traffic: " + seen);
        lab.delete(extra);
        JsonNode ep = lab.call("get", "kind", "endpoints", "name", "web").path("list").path("items").get(0);
        assertEquals(3, ep.path("subsets").get(0).path("addresses").size(), ep.toString());
    }

    @Test
    @Order(10)
    void conntrackAndProxyRulesShowTheTranslations() throws Exception {
        JsonNode ct = lab.call("conntrack", "node", "node-1").path("entries");
        assertTrue(ct.size() > 0);
        boolean dnat = false;
        for (JsonNode e : ct) {
            dnat |= e.path("dnat").asBoolean() && e.path("label").asString().startsWith("default/web:http");
        }
        assertTrue(dnat, ct.toString());
        String rules = lab.call("proxy-rules", "service", "web").path("text").asString();
        assertTrue(rules.contains("-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\""), rules);
        assertTrue(rules.contains("-m statistic --mode random --probability 0.33333333333"), rules);
        assertTrue(rules.contains("-j DNAT --to-destination " + lab.podIp(lab.pod("web1")) + ":8080"), rules);
    }

    @Test
    @Order(11)
    void deletingAServiceStopsItsTraffic() throws Exception {
        String vip = clusterIp("sticky");
        ObjectNodeHolder.deleteService(lab, "sticky");
        // As kube-proxy, each node's proxy syncs the deletion a moment later: wait for that, then no new
        // connection reaches the old ClusterIP.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && lab.lab.nodes().stream().anyMatch(n -> n.proxy().table().ports()
                .stream().anyMatch(p -> p.name().equals("default/sticky") || p.name().startsWith("default/sticky:")))) {
            Thread.sleep(50);
        }
        TestLab.Result r = curl(client1, "http://" + vip + "/");
        assertNotEquals(0, r.exit(), r.out());
    }

    /** Deletes a Service through the lab's API. */
    static final class ObjectNodeHolder {
        static void deleteService(TestLab lab, String name) throws Exception {
            lab.api.delete(dev.vnet.apiserver.api.ServiceKind.KIND, "default", name);
        }
    }

    @Test
    @Order(12)
    void teardownLeavesNothing() throws Exception {
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take());
    }
}
