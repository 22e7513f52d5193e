package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The README's walk-through as a newcomer types it: `vnet up -d`, apply, get, exec, logs, delete, down,
 * against a real lab process started in the background. Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
class CliIntegrationTest {
    private static String prefix;
    private static Path stateDir;

    private record Run(int exit, String out, String err) {}

    private static Run vnet(String... args) {
        List<String> all = new ArrayList<>(List.of("--state-dir", stateDir.toString(), "--prefix", prefix,
                "--config", stateDir.resolve("no-config.yaml").toString())); // not the machine's /etc/vnet
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void up() {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        prefix = "vc" + UUID.randomUUID().toString().substring(0, 6) + "-";
        stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        Run r = vnet("up", "-d");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("lab is up: 2 nodes"), r.out());
    }

    @AfterAll
    static void down() {
        if (prefix != null) {
            vnet("down");
            TestDirs.delete(stateDir);
        }
    }

    /** labs/examples/web.yaml with this lab's pod names: get svc, endpoints, describe, curl, conntrack, rules. */
    private static void servicesWork() throws Exception {
        Path web = stateDir.resolve("web.yaml");
        Files.writeString(web, Files.readString(Path.of("../labs/examples/web.yaml"))
                .replaceAll("name: web-(\\d)", "name: " + prefix + "web-$1").replace("name: client", "name: " + prefix + "client"));
        Run apply = vnet("apply", "-f", web.toString());
        assertEquals(0, apply.exit(), apply.err());
        assertTrue(apply.out().contains("service/web created"), apply.out());

        Run svc = vnet("get", "svc", "-o", "wide");
        assertTrue(svc.out().lines().findFirst().orElse("")
                .matches("NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\\(S\\) +AGE +SELECTOR"), svc.out());
        assertTrue(svc.out().contains("80:30080/TCP") && svc.out().contains("192.168.56.200"), svc.out());
        String vip = new ObjectMapper().readTree(vnet("get", "svc", "web", "-o", "json").out())
                .path("spec").path("clusterIP").asString();

        Run eps = vnet("get", "endpoints", "web");
        assertTrue(eps.out().contains(":8080"), eps.out());
        Run describe = vnet("describe", "svc", "web");
        assertTrue(describe.out().contains("IP:                      " + vip), describe.out());
        assertTrue(describe.out().contains("Proxy Mode:              iptables"), describe.out());

        assertEquals(0, vnet("exec", prefix + "client", "--", "curl", "-sf", "-m", "5", "http://" + vip + "/").exit());
        assertEquals(0, vnet("exec", "outside", "--", "curl", "-sf", "-m", "5", "http://192.168.56.12:30080/").exit());
        assertEquals(0, vnet("exec", "outside", "--", "curl", "-sf", "-m", "5", "http://192.168.56.200/").exit());

        Run ct = vnet("conntrack");
        assertTrue(ct.out().contains("dport=80") && ct.out().contains("[DNAT]"), ct.out());
        Run rules = vnet("proxy", "rules", "web");
        assertTrue(rules.out().contains("-A KUBE-SERVICES -m comment --comment \"default/web:http cluster IP\""),
                rules.out());

        Run del = vnet("delete", "svc", "web-lb");
        assertEquals("service \"web-lb\" deleted", del.out().strip(), "exit " + del.exit() + ": " + del.err());
    }

    @Test
    void theReadmeWalkThroughWorks() throws Exception {
        String a = prefix + "a";
        String b = prefix + "b";
        Path manifest = stateDir.resolve("pods.yaml");
        Files.writeString(manifest, Files.readString(Path.of("../labs/examples/pods.yaml"))
                .replace("name: pod-a", "name: " + a).replace("name: pod-b", "name: " + b));

        Run again = vnet("up", "-d");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("already running"), again.out());

        Run apply = vnet("apply", "-f", manifest.toString());
        assertEquals(0, apply.exit(), apply.err());
        assertTrue(apply.out().contains("pod/" + a + " created") && apply.out().contains("pod/" + b + " created"),
                apply.out());

        Run wide = vnet("get", "pods", "-o", "wide");
        assertTrue(wide.out().startsWith("NAME"), wide.out());
        assertTrue(wide.out().lines().findFirst().orElse("").matches("NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NETNS"),
                wide.out());
        assertTrue(wide.out().lines().anyMatch(l -> l.startsWith(a + " ") && l.endsWith(" " + a)),
                "a pod of default's netns is its name: " + wide.out());
        assertTrue(wide.out().contains("Running"), wide.out());

        JsonNode list = new ObjectMapper().readTree(vnet("get", "pods", "-o", "json").out());
        assertEquals("List", list.path("kind").asString());
        String ipB = null;
        for (JsonNode item : list.path("items")) {
            assertEquals("node-1", item.path("spec").path("nodeName").asString());
            if (item.path("metadata").path("name").asString().equals(b)) {
                ipB = item.path("status").path("podIP").asString();
            }
        }
        assertTrue(ipB != null && ipB.startsWith("10.244.1."), list.toString());

        assertEquals(0, vnet("exec", a, "--", "ping", "-c", "2", "-W", "2", ipB).exit());
        assertEquals(0, vnet("exec", a, "--", "curl", "-sf", "-m", "5", "http://" + ipB + ":8080/").exit());
        assertEquals(0, vnet("exec", "node/node-1", "--", "ip", "addr", "show", "eth0").exit());
        assertEquals(0, vnet("exec", "node/node-2", "--", "ping", "-c", "1", "-W", "2", ipB).exit(), "node to pod");
        Run nodes = vnet("get", "nodes", "-o", "wide");
        assertTrue(nodes.out().lines().findFirst().orElse("").matches("NAME +UNDERLAY-IP +POD-CIDR +VTEP-MAC +STATUS +LEASE +AGE"),
                nodes.out());
        assertTrue(nodes.out().contains("node-2   192.168.56.12   10.244.2.0/24   0a:58:0a:f4:02:00   Ready"), nodes.out());
        assertEquals(0, vnet("exec", "outside", "--", "ip", "link", "show", "vnet-ul").exit());
        Run noPod = vnet("exec", prefix + "zz", "--", "true");
        assertEquals(1, noPod.exit());
        assertTrue(noPod.err().contains("not found"), noPod.err());

        Run logs = vnet("logs", b);
        assertTrue(logs.out().contains("whoami listening on :8080"), logs.out());

        servicesWork();

        Run yaml = vnet("get", "pod", a, "-o", "yaml");
        assertTrue(yaml.out().contains("kind: Pod") && yaml.out().contains("podIP:"), yaml.out());

        Run delete = vnet("delete", "pod", b);
        assertEquals(0, delete.exit(), delete.err());
        assertEquals("pod \"" + b + "\" deleted", delete.out().strip());
        assertFalse(NetNs.exists(b));
        Run missing = vnet("delete", "pod", b);
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("pods \"" + b + "\" not found"), missing.err());

        Run down = vnet("down");
        assertEquals(0, down.exit(), down.err());
        assertFalse(NetNs.exists(a));
        assertFalse(NetNs.exists(prefix + "outside"));
        assertFalse(NetNs.exists(prefix + "node-1"));
        Run after = vnet("get", "pods");
        assertEquals(1, after.exit());
        assertTrue(after.err().contains("no lab is running"), after.err());
    }

    /** Pods of one name in default and another namespace, each reached by -n (or NAMESPACE/NAME) from every verb. */
    @Test
    void namespacesFromTheCommandLine() throws Exception {
        Run up = vnet("up", "-d"); // running already, or again after the walk-through's `vnet down`
        assertEquals(0, up.exit(), up.err());
        String ns = prefix + "team";
        String w = prefix + "w";
        Path manifest = stateDir.resolve("namespaced.yaml");
        // The README's labs/examples/team.yaml with this lab's names, then a pod of the same name in default.
        Files.writeString(manifest, Files.readString(Path.of("../labs/examples/team.yaml"))
                .replace("name: team", "name: " + ns).replace("namespace: team", "namespace: " + ns)
                .replace("name: pod-a", "name: " + w) + """
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {nodeName: node-1, containers: [{name: web, image: whoami}]}
                """.formatted(w));
        Run apply = vnet("apply", "-f", manifest.toString());
        assertEquals(0, apply.exit(), apply.err());
        assertEquals(List.of("namespace/" + ns + " created", "pod/" + w + " created", "pod/" + w + " created"),
                apply.out().lines().toList());

        Run namespaces = vnet("get", "ns");
        assertTrue(namespaces.out().lines().findFirst().orElse("").matches("NAME +STATUS +AGE"), namespaces.out());
        assertTrue(namespaces.out().lines().anyMatch(l -> l.matches(ns + " +Active +\\d+s")), namespaces.out());
        assertTrue(namespaces.out().lines().anyMatch(l -> l.startsWith("default ")), namespaces.out());
        Run describe = vnet("describe", "ns", ns);
        assertTrue(describe.out().contains("Labels:                  kubernetes.io/metadata.name=" + ns + ",team=blue")
                || describe.out().contains("Labels:                  team=blue,kubernetes.io/metadata.name=" + ns),
                describe.out());
        assertTrue(describe.out().contains("Status:                  Active"), describe.out());

        Run all = vnet("get", "pods", "-A", "-o", "wide");
        assertTrue(all.out().lines().findFirst().orElse("").matches("NAMESPACE +NAME +READY .* +NODE +NETNS"), all.out());
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith("default ") && l.endsWith(" " + w)), all.out());
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith(ns + " ") && l.endsWith(" " + w + "." + ns)), all.out());
        Run describePod = vnet("describe", "pod", w, "-n", ns);
        assertTrue(describePod.out().contains("Network Namespace:       " + w + "." + ns), describePod.out());

        String ipDefault = new ObjectMapper().readTree(vnet("get", "pod", w, "-o", "json").out())
                .path("status").path("podIP").asString();
        String ipTeam = new ObjectMapper().readTree(vnet("get", "pod", w, "-n", ns, "-o", "json").out())
                .path("status").path("podIP").asString();
        assertEquals(0, vnet("exec", "-n", ns, w, "--", "ping", "-c", "1", "-W", "2", ipDefault).exit());
        assertEquals(0, vnet("exec", w, "--", "ping", "-c", "1", "-W", "2", ipTeam).exit());
        assertEquals(0, vnet("exec", ns + "/" + w, "--", "true").exit());
        Run wrongNs = vnet("exec", "-n", "nope", w, "--", "true");
        assertEquals(1, wrongNs.exit());
        assertTrue(wrongNs.err().contains("pods \"" + w + "\" not found"), wrongNs.err());
        assertTrue(vnet("logs", "-n", ns, w).out().contains("whoami listening on :8080 in pod " + w));

        Run trace = vnet("trace", "-n", ns, w, "default/" + w + ":8080");
        assertEquals(0, trace.exit(), trace.err());
        assertTrue(trace.out().startsWith("trace " + ns + "/" + w + " → pod " + w + " at " + ipDefault + ":8080"),
                trace.out());
        assertTrue(trace.out().contains("result: delivered to " + w + " on node-1"), trace.out());
        Run back = vnet("trace", w, ns + "/" + w, "--proto", "icmp");
        assertTrue(back.out().contains("result: delivered to " + w + "." + ns + " on node-1"), back.out());

        Path pcap = stateDir.resolve("team.pcap");
        Thread pinger = new Thread(() -> {
            for (int i = 0; i < 20 && !Thread.currentThread().isInterrupted(); i++) {
                vnet("exec", w, "--", "ping", "-c", "1", "-W", "1", ipTeam);
            }
        });
        pinger.setDaemon(true);
        pinger.start();
        Run capture = vnet("capture", "-n", ns, w, "-w", pcap.toString(), "-c", "2", "--filter", "icmp");
        pinger.interrupt();
        assertEquals(0, capture.exit(), capture.err());
        assertTrue(Files.size(pcap) > 24, "two packets after the pcap header");

        Run forbidden = vnet("delete", "ns", "default");
        assertEquals(1, forbidden.exit());
        assertTrue(forbidden.err().contains("namespaces \"default\" is forbidden: this namespace may not be deleted"),
                forbidden.err());
        Run delete = vnet("delete", "ns", ns);
        assertEquals(0, delete.exit(), delete.err());
        assertEquals("namespace \"" + ns + "\" deleted", delete.out().strip());
        assertFalse(NetNs.exists(w + "." + ns), "gone when the delete returns");
        assertEquals(1, vnet("get", "ns", ns).exit());
        assertTrue(NetNs.exists(w), "the pod of default stays");
        Files.writeString(stateDir.resolve("nowhere.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: %s}
                spec: {containers: [{name: web, image: whoami}]}
                """.formatted(w, ns));
        Run nowhere = vnet("apply", "-f", stateDir.resolve("nowhere.yaml").toString());
        assertEquals(1, nowhere.exit());
        assertTrue(nowhere.err().contains("namespaces \"" + ns + "\" not found"), nowhere.err());
        assertEquals(0, vnet("delete", "pod", w).exit());
    }

    /**
     * labs/examples/netpol-model.yaml and netpol-deny-x.yaml with this lab's names, as the README's policy section
     * runs them: get and describe netpol, policy check, the matrix with --probe, a trace and the flows of a denial.
     */
    @Test
    void policiesFromTheCommandLine() throws Exception {
        Run up = vnet("up", "-d");
        assertEquals(0, up.exit(), up.err());
        Path model = stateDir.resolve("netpol-model.yaml");
        Files.writeString(model, Files.readString(Path.of("../labs/examples/netpol-model.yaml"))
                .replaceAll("(?m)^  (name|namespace): ([xyzabc])$", "  $1: " + prefix + "$2"));
        Path deny = stateDir.resolve("netpol-deny-x.yaml");
        Files.writeString(deny, Files.readString(Path.of("../labs/examples/netpol-deny-x.yaml"))
                .replaceAll("(?m)^  namespace: x$", "  namespace: " + prefix + "x"));
        String x = prefix + "x";
        String y = prefix + "y";
        String z = prefix + "z";
        String a = prefix + "a";
        String b = prefix + "b";
        try {
            Run apply = vnet("apply", "-f", model.toString());
            assertEquals(0, apply.exit(), apply.err());
            Run open = vnet("policy", "matrix", "-n", x, "-n", y, "--port", "80");
            assertEquals(0, open.exit(), open.err());
            assertTrue(open.out().startsWith("Policy says (0 NetworkPolicies"), open.out());
            assertFalse(open.out().contains("| X "), "nothing is denied without policies: " + open.out());

            Run policies = vnet("apply", "-f", deny.toString());
            assertEquals(List.of("networkpolicy/deny-all created", "networkpolicy/a-from-y created"),
                    policies.out().lines().toList(), policies.err());
            Run get = vnet("get", "netpol", "-n", x);
            assertTrue(get.out().lines().findFirst().orElse("").matches("NAME +POD-SELECTOR +AGE"), get.out());
            assertTrue(get.out().lines().anyMatch(l -> l.matches("a-from-y +pod=a +\\d+s")), get.out());
            assertTrue(get.out().lines().anyMatch(l -> l.matches("deny-all +<none> +\\d+s")), get.out());
            Run describe = vnet("describe", "netpol", "a-from-y", "-n", x);
            assertTrue(describe.out().contains("""
                      Allowing ingress traffic:
                        To Port: serve-80-tcp/TCP
                        From:
                          NamespaceSelector: ns=y
                      Not affecting egress traffic
                    """), describe.out());

            Run allowed = vnet("policy", "check", y + "/" + a, x + "/" + a + ":80");
            assertEquals(0, allowed.exit(), allowed.err());
            assertTrue(allowed.out().lines().findFirst().orElse("").endsWith("port 80/TCP: ALLOWED"), allowed.out());
            assertTrue(allowed.out().contains("allowed by " + x + "/a-from-y ingress rule 1 (from namespaceSelector "
                    + "ns=y, port serve-80-tcp (80/TCP))"), allowed.out());
            Run denied = vnet("policy", "check", z + "/" + b, x + "/" + a + ":80");
            assertTrue(denied.out().lines().findFirst().orElse("").endsWith("port 80/TCP: DENIED"), denied.out());
            assertTrue(denied.out().contains("denied: selected by " + x + "/a-from-y, " + x + "/deny-all"),
                    denied.out());
            Run unknown = vnet("policy", "check", z + "/nobody", x + "/" + a + ":80");
            assertEquals(1, unknown.exit());
            assertTrue(unknown.err().contains("nobody"), unknown.err());

            // Rows x/a x/b x/c y/a ...: y may reach x/a only; nothing reaches x/b or x/c; x reaches everything else.
            Run matrix = vnet("policy", "matrix", "-n", x, "-n", y, "-n", z, "--port", "80", "--probe");
            assertEquals(0, matrix.exit(), matrix.err());
            assertTrue(matrix.out().contains("The data plane agrees with the policies: 72 of 72 connections as "
                    + "expected."), matrix.out());
            List<String> rowYa = matrix.out().lines().filter(l -> l.startsWith("| " + y + "/" + a + " ")).toList();
            assertEquals(2, rowYa.size(), "one row in each table: " + matrix.out());
            assertEquals(List.of(".", "X", "X", "-", ".", ".", ".", ".", "."), cells(rowYa.get(1)), matrix.out());
            List<String> rowZb = matrix.out().lines().filter(l -> l.startsWith("| " + z + "/" + b + " ")).toList();
            assertEquals(List.of("X", "X", "X", ".", ".", ".", ".", "-", "."), cells(rowZb.get(1)), matrix.out());

            Run trace = vnet("trace", "-n", z, b, x + "/" + a + ":80");
            assertTrue(trace.out().contains("result: dropped on node-1: ingress denied: selected by " + x
                    + "/a-from-y, " + x + "/deny-all"), trace.out());
            Run flows = vnet("flows", "--verdict", "dropped");
            assertTrue(flows.out().lines().anyMatch(l -> l.contains("DROPPED") && l.contains("denied by " + x
                    + "/deny-all (ingress)")), flows.out());
        } finally {
            vnet("delete", "ns", x);
            vnet("delete", "ns", y);
            vnet("delete", "ns", z);
        }
    }

    /** The cells of one row of a `policy matrix` table, without its row label. */
    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>(List.of(row.split("\\|")));
        return cells.subList(2, cells.size()).stream().map(String::strip).toList();
    }
}
