package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.Column;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.PrintContext;
import dev.vnet.core.linux.NetNs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two pods of one name on one node, one in default and one in a namespace of their own: each is its own network
 * namespace (the pod's name, and NAME.NAMESPACE), they reach each other, and deleting the namespace removes its
 * pod and that pod's network namespace. Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NamespacesIntegrationTest {
    private static TestLab lab;
    private static String web;
    private static String team;
    private static String teamNetns;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(1);
        web = lab.pod("web");
        team = lab.pod("team"); // a namespace name unique to this lab
        teamNetns = web + "." + team;
        lab.apply("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: %2$s}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  nodeName: node-1
                  containers:
                  - {name: web, image: whoami, ports: [{containerPort: 8080}]}
                  - {name: shell, image: busybox, command: [sh, -c, "ip -o -4 addr show eth0; exec sleep infinity"]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s}
                spec:
                  nodeName: node-1
                  containers:
                  - {name: web, image: whoami, ports: [{containerPort: 8080}]}
                """.formatted(web, team));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static JsonNode teamPod(String field) throws Exception {
        JsonNode node = lab.call("get", "kind", "pods", "namespace", team, "name", web).path("list").path("items").get(0);
        for (String part : field.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    private static String target(String name, String namespace) throws Exception {
        return lab.call("target", "name", name, "namespace", namespace).path("netns").asString();
    }

    @Test
    @Order(1)
    void podsOfOneNameAreTwoNetworkNamespacesThatReachEachOther() throws Exception {
        assertEquals("Running", lab.pod(web, "status.phase").asString(), lab.pod(web, "status").toString());
        assertEquals("Running", teamPod("status.phase").asString(), teamPod("status").toString());
        assertTrue(NetNs.exists(web), "the pod of default keeps its name");
        assertTrue(NetNs.exists(teamNetns), "the other is NAME.NAMESPACE");
        assertEquals(teamNetns, teamPod("metadata.annotations").path("vnet.dev/netns").asString());
        String defaultIp = lab.podIp(web);
        String teamIp = teamPod("status.podIP").asString();
        assertFalse(defaultIp.equals(teamIp), defaultIp);

        // Where `vnet exec -n NS POD` runs: the API's target operation.
        assertEquals(web, target(web, "default"));
        assertEquals(teamNetns, target(web, team));
        assertEquals(teamNetns, target(team + "/" + web, "default"));

        TestLab.Result there = TestLab.inNs(target(web, "default"), 20, "ping", "-c", "2", "-W", "2", teamIp);
        assertEquals(0, there.exit(), there.out());
        TestLab.Result back = TestLab.inNs(target(web, team), 20, "ping", "-c", "2", "-W", "2", defaultIp);
        assertEquals(0, back.exit(), back.out());
        TestLab.Result curl = TestLab.inNs(teamNetns, 20, "curl", "-s", "-m", "5", "http://" + defaultIp + ":8080/");
        assertTrue(curl.out().contains("IP: " + defaultIp) && curl.out().contains("RemoteAddr: " + teamIp + ":"),
                curl.out());
        // A command container runs in its pod's netns, and `vnet logs -n` finds its output.
        String ip = "inet " + teamIp + "/24";
        String log = "";
        for (int i = 0; i < 50 && !log.contains(ip); i++) {
            log = lab.call("logs", "pod", web, "namespace", team, "container", "shell").path("text").asString();
            Thread.sleep(100);
        }
        assertTrue(log.contains(ip), log);
        String resolv = Files.readString(Path.of("/etc/netns", teamNetns, "resolv.conf"));
        assertTrue(resolv.contains("search " + team + ".svc.cluster.local"), resolv);
    }

    @Test
    @Order(2)
    void getPodsAllNamespacesWideShowsBothWithTheirNetns() throws Exception {
        JsonNode items = lab.call("get", "kind", "pods", "allNamespaces", true).path("list").path("items");
        List<Column<Pod>> cols = PodKind.KIND.columns();
        assertEquals("NETNS", cols.get(cols.size() - 1).header(), "the last column of -o wide");
        PrintContext ctx = new PrintContext() {
            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public <U extends HasMetadata> List<U> related(dev.vnet.apiserver.api.Kind<U> kind) {
                return List.of();
            }
        };
        Map<String, String> netnsByPod = new TreeMap<>();
        for (JsonNode item : items) {
            Pod p = Json.convert(item, Pod.class);
            List<String> row = new ArrayList<>();
            cols.forEach(c -> row.add(c.cell().apply(p, ctx)));
            netnsByPod.put(PodKind.key(p), row.get(row.size() - 1));
        }
        // The node's DNS, shown as a host-network mirror pod, is in its node's own namespace.
        assertEquals(Map.of("default/" + web, web, team + "/" + web, teamNetns, "kube-system/kube-dns-node-1",
                lab.config.nodeNs(1)), netnsByPod);
    }

    @Test
    @Order(3)
    void deletingTheNamespaceRemovesItsPodAndItsNetworkNamespace() throws Exception {
        JsonNode reply = lab.api.deleteEach(List.of(new dev.vnet.apiserver.client.ApiClient.Named(
                dev.vnet.apiserver.api.NamespaceKind.KIND, null, team)), false);
        assertEquals("namespace \"" + team + "\" deleted", reply.path("messages").get(0).asString());
        // kubectl's delete returns once they are gone: no polling here.
        assertFalse(NetNs.exists(teamNetns), "the pod's network namespace is gone when the delete returns");
        assertFalse(Files.exists(Path.of("/etc/netns", teamNetns)));
        assertEquals(0, lab.call("get", "kind", "pods", "namespace", team).path("list").path("items").size());
        assertTrue(lab.lab.nodes().get(0).pods().keySet().stream().noneMatch(k -> k.startsWith(team + "/")));
        assertEquals(List.of(web), lab.leftoverNamespaces().stream().filter(n -> n.startsWith(web)).toList(),
                "the pod of default stays");
        assertEquals("Running", lab.pod(web, "status.phase").asString());
        TestLab.Result still = TestLab.inNs(web, 20, "ping", "-c", "1", "-W", "2", "10.244.1.1");
        assertEquals(0, still.exit(), still.out());
    }

    @Test
    @Order(4)
    void teardownLeavesNothingAndTheRootNamespaceWasNeverTouched() throws Exception {
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertFalse(Files.exists(Path.of("/etc/netns", web)));
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take(), "the root namespace is unchanged");
    }
}
