package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.FaultKind;
import dev.vnet.apiserver.api.Json;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * Faults injected into a real two-node lab, seen by real tools: ping loses what a lossy tunnel drops and the
 * trace names the fault; a delay at a pod's port shows in the RTT; a smaller MTU answers path-MTU discovery, or,
 * with --no-frag-needed, swallows big packets silently (the black hole); --pause sync leaves a node's Service
 * table stale, which `vnet diff` shows until the fault is cleared; --pause dns silences a node's DNS.
 */
@Tag("integration")
class FaultIntegrationTest {
    private static TestLab lab;
    private static String a;
    private static String b;
    private static String c;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(2);
        a = lab.pod("a");
        b = lab.pod("b");
        c = lab.pod("c");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s}
                spec:
                  nodeName: node-1
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %2$s, labels: {app: %2$s}}
                spec:
                  nodeName: node-2
                  containers: [{name: web, image: whoami, ports: [{containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %3$s, labels: {app: %2$s}}
                spec:
                  nodeName: node-1
                  containers: [{name: web, image: whoami, ports: [{containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: %2$s}
                spec:
                  selector: {app: %2$s}
                  ports: [{port: 80, targetPort: 8080}]
                """.formatted(a, b, c));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterEach
    void clear() throws Exception {
        for (JsonNode f : lab.api.list(FaultKind.KIND, null, true, null).path("items")) {
            lab.api.delete(FaultKind.KIND, null, f.path("metadata").path("name").asString());
        }
        Thread.sleep(300); // the nodes' fault agents follow the store
    }

    private static int add(String... args) throws Exception {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (String s : args) {
            arr.add(s);
        }
        JsonNode reply = lab.api.call(Json.object().put("op", "fault-add").set("args", arr));
        Thread.sleep(300);
        return reply.path("id").asInt();
    }

    private static TestLab.Result ping(String from, String to, String... extra) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("ping", "-c", "3", "-i", "0.3", "-W",
                "2"));
        cmd.addAll(java.util.List.of(extra));
        cmd.add(to);
        return TestLab.inNs(from, 20, cmd.toArray(String[]::new));
    }

    @Test
    void aLossyTunnelDropsWhatItShouldAndTheTraceNamesTheFault() throws Exception {
        String ipB = lab.podIp(b);
        assertEquals(0, ping(a, ipB).exit(), "the tunnel works before the fault");
        int id = add("--node", "node-1", "--peer", "node-2", "--loss", "100%");
        TestLab.Result lost = ping(a, ipB);
        assertTrue(lost.out().contains("100% packet loss"), lost.out());
        JsonNode trace = lab.call("trace", "source", a, "target", ipB, "protocol", "icmp");
        String text = trace.toString();
        assertTrue(text.contains("dropped by fault " + id + ": loss 100% on node-1 → node-2"), text);
        JsonNode counts = lab.call("fault-counts").path("faults");
        assertEquals(id, counts.path(0).path("id").asInt(), counts.toString());
        assertTrue(counts.path(0).path("dropped").asLong() >= 3, counts.toString());
        // The other direction is another tunnel: node-2 → node-1 is untouched (a reply could still come).
        String stats = lab.call("stats", "node", "node-1").toString();
        assertTrue(stats.contains("\"FAULT\"") || stats.contains("injected fault"), "stats count the drops: " + stats);
        lab.api.delete(FaultKind.KIND, null, Integer.toString(id));
        Thread.sleep(300);
        assertEquals(0, ping(a, ipB).exit(), "the tunnel works again once the fault is deleted");
    }

    @Test
    void aDelayAtAPodsPortShowsInTheRoundTrip() throws Exception {
        String ipB = lab.podIp(b);
        add("--node", "node-2", "--pod", b, "--delay", "100");
        TestLab.Result slow = ping(a, ipB);
        assertEquals(0, slow.exit(), slow.out());
        Matcher rtt = Pattern.compile("rtt min/avg/max/mdev = ([0-9.]+)/").matcher(slow.out());
        assertTrue(rtt.find(), slow.out());
        // The port is a link: the delay is added both ways, as netem on both ends of a cable.
        assertTrue(Double.parseDouble(rtt.group(1)) >= 190, slow.out());
    }

    @Test
    void aSmallerMtuAnswersPathMtuDiscoveryUnlessTheIcmpIsEatenTooTheBlackHole() throws Exception {
        String ipB = lab.podIp(b);
        add("--node", "node-1", "--peer", "node-2", "--mtu", "1200");
        TestLab.Result big = ping(a, ipB, "-M", "do", "-s", "1300");
        assertTrue(big.out().contains("Frag needed") && big.out().contains("mtu = 1150"), big.out());
        assertEquals(0, ping(a, ipB, "-M", "do", "-s", "1000").exit(), "what fits still goes");
        clear();
        TestLab.inNs(a, 10, "ip", "route", "flush", "cache"); // forget the path MTU it learnt
        add("--node", "node-1", "--peer", "node-2", "--mtu", "1200", "--no-frag-needed");
        TestLab.Result hole = ping(a, ipB, "-M", "do", "-s", "1300");
        assertTrue(hole.out().contains("100% packet loss"), hole.out());
        assertFalse(hole.out().contains("Frag needed"), "the black hole says nothing: " + hole.out());
        assertEquals(0, ping(a, ipB, "-M", "do", "-s", "1000").exit(), "small packets still go: " + hole.out());
    }

    @Test
    void aPausedSyncLeavesTheNodeStaleAndTheDiffShowsIt() throws Exception {
        assertTrue(differences("node-2").isEmpty(), "in step before: " + lab.call("diff", "node", "node-2"));
        add("--node", "node-2", "--pause", "sync");
        String extra = lab.pod("d");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {app: %s}}
                spec:
                  nodeName: node-1
                  containers: [{name: web, image: whoami, ports: [{containerPort: 8080}]}]
                """.formatted(extra, b));
        String ipD = lab.podIp(extra);
        long deadline = System.nanoTime() + 10_000_000_000L;
        String seen = "";
        while (System.nanoTime() < deadline) {
            seen = differences("node-2").toString();
            if (seen.contains(ipD + ":8080")) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue(seen.contains("\"table\":\"services\"") && seen.contains(ipD + ":8080"),
                "node-2 lacks the new endpoint: " + seen);
        assertTrue(differences("node-1").isEmpty(), "node-1 is not paused: " + lab.call("diff", "node", "node-1"));
        clear();
        deadline = System.nanoTime() + 10_000_000_000L;
        while (!differences("node-2").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(differences("node-2").isEmpty(), "converged after the fault: " + lab.call("diff", "node", "node-2"));
        lab.delete(extra);
    }

    private static JsonNode differences(String node) throws Exception {
        return lab.call("diff", "node", node).path("nodes").path(0).path("differences");
    }

    @Test
    void aPausedDnsAnswersNothing() throws Exception {
        String ask = "nslookup -timeout=2 -retry=0 kubernetes.default.svc.cluster.local 10.96.0.10";
        assertEquals(0, TestLab.inNs(a, 15, "sh", "-c", ask).exit(), "DNS answers before");
        add("--node", "node-1", "--pause", "dns");
        TestLab.Result silent = TestLab.inNs(a, 15, "sh", "-c", ask);
        assertTrue(silent.exit() != 0, silent.out());
        clear();
        assertEquals(0, TestLab.inNs(a, 15, "sh", "-c", ask).exit(), "DNS answers again");
    }
}
