package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import dev.vnet.lab.LabConfig;
import dev.vnet.lab.ProcessLab;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Vagrant topology on one machine: `vnet up --store etcd` runs etcd in node-1's namespace and one node
 * process per node namespace (started by deploy/start-node.sh, as systemd does on a VM). The CLI is run as a
 * user runs it, as its own process: it enters the outside namespace by itself to reach etcd and the node APIs.
 * Then the faults: a node process killed (its lease expires, peers drop it), restarted (same pod IPs and MACs),
 * and etcd stopped and started (forwarding goes on; writes fail in one line; a later pod is reachable).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiProcessIntegrationTest {
    private static final int LEASE_TTL = 4;
    private static String prefix;
    private static Path stateDir;
    private static LabConfig config;

    private record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** In-process, for the machine verbs (up, down, node restart): they never talk to lab addresses. */
    private static Run local(String... args) {
        List<String> all = new ArrayList<>(List.of("--state-dir", stateDir.toString(), "--prefix", prefix,
                "--config", stateDir.resolve("no-config.yaml").toString())); // not the machine's /etc/vnet
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** `vnet ARGS` as its own process, exactly as typed in a shell of the root namespace. */
    private static Run vnet(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "--state-dir", stateDir.toString(),
                "--prefix", prefix, "--config", stateDir.resolve("no-config.yaml").toString()));
        argv.addAll(List.of(args));
        return run(argv);
    }

    private static Run run(List<String> argv) throws Exception {
        Path out = Files.createTempFile("vnet-mp", ".out");
        Path err = Files.createTempFile("vnet-mp", ".err");
        try {
            Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + argv);
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Run sh(String... argv) throws Exception {
        return run(List.of(argv));
    }

    private static String pod(String name) {
        return prefix + name;
    }

    @BeforeAll
    static void up() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        prefix = "vm" + UUID.randomUUID().toString().substring(0, 6) + "-";
        stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        config = LabConfig.defaults().withPrefixAndState(prefix, stateDir).withNodes(3);
        Run r = local("up", "-d", "--store", "etcd", "--nodes", "3", "--lease-ttl", Integer.toString(LEASE_TTL));
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("lab is up: 3 nodes, store etcd://192.168.56.11:2379"), r.out());
    }

    @AfterAll
    static void down() {
        if (prefix == null) {
            return;
        }
        Run r = local("down");
        TestDirs.delete(stateDir);
        assertTrue(r.out().contains("lab stopped and removed"), r.all());
        String[] all = NetNs.path("x").getParent().toFile().list();
        List<String> left = all == null ? List.of() : java.util.Arrays.stream(all).filter(n -> n.startsWith(prefix)).toList();
        assertTrue(left.isEmpty(), "namespaces left behind: " + left);
    }

    @Test
    @Order(1)
    void nodesAreReadyWithTheirLeasesAndEtcdHoldsTheCluster() throws Exception {
        Run nodes = vnet("get", "nodes", "-o", "wide");
        assertEquals(0, nodes.exit(), nodes.all());
        assertTrue(nodes.out().lines().findFirst().orElse("").contains("LEASE"), nodes.out());
        for (int i = 1; i <= 3; i++) {
            assertTrue(nodes.out().matches("(?s).*node-" + i + " +192\\.168\\.56\\.1" + i + " +10\\.244\\." + i
                    + "\\.0/24 .* Ready +10\\.244\\." + i + "\\.0/24 \\(\\d+s/" + LEASE_TTL + "s\\).*"), nodes.out());
        }
        Run keys = sh("ip", "netns", "exec", config.nodeNs(2), "etcdctl", "--endpoints", "http://192.168.56.11:2379",
                "get", "--prefix", "/vnet/", "--keys-only");
        assertEquals(0, keys.exit(), keys.all());
        assertTrue(keys.out().contains("/vnet/node/node-3") && keys.out().contains("/vnet/subnetlease/10.244.2.0-24"),
                keys.out());
    }

    @Test
    @Order(2)
    void podsOnDifferentNodeProcessesTalk() throws Exception {
        Path manifest = stateDir.resolve("pods.yaml");
        Files.writeString(manifest, podYaml("a", "node-1") + "---\n" + podYaml("b", "node-2") + "---\n"
                + podYaml("c", "node-2"));
        Run apply = vnet("apply", "-f", manifest.toString());
        assertEquals(0, apply.exit(), apply.all());
        Run pods = vnet("get", "pods", "-o", "wide");
        assertTrue(pods.out().matches("(?s).*" + pod("b") + " +1/1 +Running .* 10\\.244\\.2\\.\\d+ +node-2.*"),
                pods.out());
        Run ping = vnet("exec", pod("a"), "--", "ping", "-c", "2", "-i", "0.2", "-W", "2", ipOf(pod("b")));
        assertTrue(ping.out().contains(" 0% packet loss"), ping.all());
        Run curl = vnet("exec", pod("a"), "--", "curl", "-s", "-m", "5", "http://" + ipOf(pod("c")) + ":8080/");
        assertTrue(curl.out().contains("Hostname: " + pod("c")) && curl.out().contains("Node: node-2"), curl.all());
        // A trace follows the probe into the other node process: node-1 arms node-2 before sending it.
        Run trace = vnet("trace", pod("a"), ipOf(pod("c")) + ":8080");
        assertEquals(0, trace.exit(), trace.all());
        assertTrue(trace.out().matches("(?s).*node-1 +vxlan +encapsulated.*node-2 +vxlan +decapsulated.*node-2 +bridge.*"),
                trace.out());
        // A capture streams from the node API of the pod's node; a capture with no node named is refused.
        Run unnamed = vnet("capture", "--point", "gateway", "-c", "1");
        assertEquals(1, unnamed.exit(), unnamed.all());
        assertTrue(unnamed.err().contains("add --node NAME"), unnamed.err());
        Path pcap = stateDir.resolve("b.pcapng");
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "--state-dir", stateDir.toString(),
                "--prefix", prefix, "capture", pod("b"), "--filter", "icmp", "-c", "2", "-w", pcap.toString()));
        Process capture = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(stateDir.resolve("capture.out").toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (capture.isAlive() && System.nanoTime() < until) {
            sh("ip", "netns", "exec", pod("a"), "ping", "-c", "1", "-W", "1", ipOf(pod("b")));
        }
        assertTrue(capture.waitFor(5, TimeUnit.SECONDS), "the capture did not end after 2 packets");
        Run read = sh("tshark", "-r", pcap.toString());
        assertTrue(read.out().lines().filter(l -> l.contains("ICMP")).count() >= 2, read.all());
        Run logs = vnet("logs", pod("b"));
        assertEquals(0, logs.exit(), logs.all());
        assertTrue(logs.out().contains("whoami listening on :8080"), logs.all());
    }

    @Test
    @Order(3)
    void theNodeApiWantsTheTokenAndListensOnTheUnderlayOnly() throws Exception {
        // Each node serves the Kubernetes API (vnet.dev/v1 for vnet's own operations) on its underlay address.
        String url = "https://192.168.56.12:6443/apis/vnet.dev/v1/status";
        String ca = stateDir.resolve("kube/ca.crt").toString();
        Run none = sh("ip", "netns", "exec", config.outsideNs(), "curl", "-s", "--cacert", ca, "-X", "POST", "-d", "{}",
                url);
        assertTrue(none.out().contains("\"code\":403") && none.out().contains("system:anonymous"), none.all());
        Run wrong = sh("ip", "netns", "exec", config.outsideNs(), "curl", "-s", "--cacert", ca, "-H",
                "Authorization: Bearer guess", "-X", "POST", "-d", "{}", url);
        assertTrue(wrong.out().contains("\"code\":401") && wrong.out().contains("Unauthorized"), wrong.all());
        String token = Files.readString(stateDir.resolve("token")).strip();
        // --cacert without -k: node-2's certificate is signed by the cluster's CA and names its address.
        Run right = sh("ip", "netns", "exec", config.outsideNs(), "curl", "-s", "--cacert", ca, "-H",
                "Authorization: Bearer " + token, "-X", "POST", "-d", "{}", url);
        assertTrue(right.out().contains("\"ok\":true") && right.out().contains("node-2"), right.all());
        Run listening = sh("ip", "netns", "exec", config.nodeNs(2), "ss", "-Hltn", "sport = :6443");
        assertEquals(List.of("192.168.56.12:6443"), listening.out().lines()
                .map(l -> l.trim().split("\\s+")[3].replace("[::ffff:", "").replace("]", "")).toList(), listening.out());
        String mode = String.join("", Files.getPosixFilePermissions(stateDir.resolve("token")).stream()
                .map(Enum::name).sorted().toList());
        assertEquals("OWNER_READOWNER_WRITE", mode);
    }

    @Test
    @Order(3)
    void kubectlOnThisMachineReachesEveryNodeThroughTheLoopbackForwarder() throws Exception {
        Assumptions.assumeTrue(sh("sh", "-c", "command -v kubectl").exit() == 0, "kubectl is not installed");
        Run written = vnet("kubeconfig", "--write");
        assertEquals(0, written.exit(), written.all());
        String kubeconfig = written.out().strip();
        assertTrue(Files.readString(Path.of(kubeconfig)).contains("https://127.0.0.1:"), kubeconfig);
        Run pods = sh("kubectl", "--kubeconfig", kubeconfig, "get", "pods", "-o", "wide");
        assertEquals(0, pods.exit(), pods.all());
        assertTrue(pods.out().contains(pod("a")) && pods.out().contains(pod("b")), pods.out());
        // The forwarder reaches node-1 first; a pod of node-2 is exec'd by node-2, which node-1 hands it to.
        Run exec = sh("kubectl", "--kubeconfig", kubeconfig, "exec", pod("b"), "--", "sh", "-c", "echo from-b; exit 3");
        assertEquals(3, exec.exit(), exec.all()); // the command's exit status, passed back
        assertTrue(exec.out().contains("from-b") && exec.err().contains("exit code 3"), exec.all());
    }

    @Test
    @Order(4)
    void aHungFirstNodeDoesNotStopTheCli() throws Exception {
        // node-1 is the first node in name order, where cluster-wide requests used to go: stopped (SIGSTOP), it still
        // holds its lease for a while and its kernel still accepts connections, but its API answers nothing.
        ProcessHandle node1 = ProcessLab.process(config, "node-1").orElseThrow();
        assertEquals(0, sh("kill", "-STOP", Long.toString(node1.pid())).exit());
        try {
            long start = System.nanoTime();
            Run get = vnet("get", "pods");
            assertEquals(0, get.exit(), get.all());
            assertTrue(get.out().contains(pod("a")), get.out());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "the CLI waited for the hung node");
            if (sh("sh", "-c", "command -v kubectl").exit() == 0) {
                // kubectl goes through the loopback forwarder, which skips a node that does not answer TLS.
                long k = System.nanoTime();
                Run kube = sh("kubectl", "--kubeconfig", stateDir.resolve("kubeconfig").toString(), "get", "pods");
                assertEquals(0, kube.exit(), kube.all());
                assertTrue(kube.out().contains(pod("a")), kube.out());
                assertTrue(System.nanoTime() - k < TimeUnit.SECONDS.toNanos(20), "kubectl waited for the hung node");
            }
        } finally {
            sh("kill", "-CONT", Long.toString(node1.pid()));
        }
        String status = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LEASE_TTL + 15);
        while (System.nanoTime() < deadline && !status.matches("(?s).*node-1 +Ready.*")) {
            status = vnet("get", "nodes").out();
        }
        assertTrue(status.matches("(?s).*node-1 +Ready.*"), status);
    }

    @Test
    @Order(5)
    void aKilledNodeLosesItsLeaseAndARestartKeepsItsPods() throws Exception {
        String ipB = ipOf(pod("b"));
        String macB = macOf(pod("b"));
        ProcessHandle node2 = ProcessLab.process(config, "node-2").orElseThrow();
        node2.destroyForcibly(); // kill -9
        node2.onExit().get(10, TimeUnit.SECONDS);
        // The pod's network outlives the process: persistent TAP, address and routes still there.
        assertTrue(sh("ip", "-n", pod("b"), "addr", "show", "eth0").out().contains(ipB + "/24"));

        String status = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LEASE_TTL + 15);
        while (System.nanoTime() < deadline && !status.matches("(?s).*node-2 +NotReady.*")) {
            status = vnet("get", "nodes").out();
        }
        assertTrue(status.matches("(?s).*node-2 +NotReady.*"), status);
        assertTrue(status.matches("(?s).*node-1 +Ready.*") && status.matches("(?s).*node-3 +Ready.*"), status);
        assertTrue(awaitLog("node-1", "overlay peer removed: node=node-1 peer=node-2"), "node-1 kept node-2's route");
        assertTrue(awaitLog("node-3", "overlay peer removed: node=node-3 peer=node-2"), "node-3 kept node-2's route");

        Run restart = local("node", "restart", "node-2");
        assertEquals(0, restart.exit(), restart.all());
        assertNotEquals(node2.pid(), ProcessLab.process(config, "node-2").orElseThrow().pid());
        Run ping = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && (ping == null || !ping.out().contains(" 0% packet loss"))) {
            ping = sh("ip", "netns", "exec", pod("a"), "ping", "-c", "2", "-i", "0.2", "-W", "1", ipB);
        }
        assertTrue(ping.out().contains(" 0% packet loss"), ping.all());
        assertEquals(ipB, ipOf(pod("b")));
        assertEquals(macB, macOf(pod("b")));
        assertTrue(awaitLog("node-2", "pod re-attached: pod=default/" + pod("b")), "pod-b was not re-attached");
        Run curl = sh("ip", "netns", "exec", pod("a"), "curl", "-s", "-m", "5", "http://" + ipOf(pod("c")) + ":8080/");
        assertTrue(curl.out().contains("Hostname: " + pod("c")), curl.all());
    }

    @Test
    @Order(6)
    void forwardingOutlivesAnEtcdOutageAndNodesResyncAfterIt() throws Exception {
        String ipB = ipOf(pod("b"));
        ProcessLab.stopProcess(config, "etcd");
        assertTrue(ProcessLab.process(config, "etcd").isEmpty());
        // The data plane forwards on with what it knew, across nodes.
        Run ping = sh("ip", "netns", "exec", pod("a"), "ping", "-c", "5", "-i", "0.2", "-W", "1", ipB);
        assertTrue(ping.out().contains(" 0% packet loss"), ping.all());
        Path manifest = stateDir.resolve("late.yaml");
        Files.writeString(manifest, podYaml("d", "node-3"));
        Run refused = vnet("apply", "-f", manifest.toString());
        assertEquals(1, refused.exit(), refused.all());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(refused.err().startsWith("error: ") && refused.err().contains("unreachable"), refused.err());

        ProcessLab.startEtcd(config);
        Run apply = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && (apply == null || apply.exit() != 0)) {
            apply = vnet("apply", "-f", manifest.toString());
        }
        assertEquals(0, apply.exit(), apply.all());
        String ipD = ipOf(pod("d"));
        assertTrue(ipD.startsWith("10.244.3."), ipD);
        Run reach = sh("ip", "netns", "exec", pod("a"), "ping", "-c", "2", "-i", "0.2", "-W", "2", ipD);
        assertTrue(reach.out().contains(" 0% packet loss"), reach.all());
        Run nodes = vnet("get", "nodes");
        assertFalse(nodes.out().contains("NotReady"), nodes.out());
    }

    @Test
    @Order(7)
    void onlyADeadNodeIsDeletedAndItsPodsWithIt() throws Exception {
        Run live = vnet("delete", "node", "node-1");
        assertEquals(1, live.exit(), live.all());
        assertTrue(live.err().contains("still holds its subnet lease"), live.err());
        Run elsewhere = vnet("exec", pod("d"), "--", "true");
        assertEquals(0, elsewhere.exit(), elsewhere.all()); // one machine here: every pod namespace is local

        ProcessLab.stopProcess(config, "node-3");
        String status = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LEASE_TTL + 15);
        while (System.nanoTime() < deadline && !status.matches("(?s).*node-3 +NotReady.*")) {
            status = vnet("get", "nodes").out();
        }
        assertTrue(status.matches("(?s).*node-3 +NotReady.*"), status);
        Run gone = vnet("delete", "node", "node-3");
        assertEquals(0, gone.exit(), gone.all());
        assertTrue(gone.out().contains("pod \"" + pod("d") + "\" deleted") && gone.out().contains("node \"node-3\" deleted"),
                gone.out());
        Run nodes = vnet("get", "nodes");
        assertFalse(nodes.out().contains("node-3"), nodes.out());
        Run status2 = vnet("status");
        assertEquals(0, status2.exit(), status2.all());
        assertTrue(status2.out().contains("store etcd://192.168.56.11:2379"), status2.out());
    }

    @Test
    @Order(8)
    void servicesAnswerAtTheirClusterIpNodePortAndLoadBalancerIp() throws Exception {
        Path web = stateDir.resolve("web.yaml");
        Files.writeString(web, Files.readString(Path.of("../labs/examples/web.yaml"))
                .replaceAll("name: web-(\\d)", "name: " + prefix + "web-$1").replace("name: client", "name: " + prefix + "client"));
        Run apply = vnet("apply", "-f", web.toString());
        assertEquals(0, apply.exit(), apply.all());
        // Endpoints come from the control-plane node's loop, and every node process programs its Service table.
        String answer = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && !answer.contains("Hostname: " + prefix + "web-")) {
            answer = sh("ip", "netns", "exec", pod("a"), "curl", "-s", "-m", "3", "http://web.default.svc.cluster.local/")
                    .out();
        }
        assertTrue(answer.contains("Hostname: " + prefix + "web-"), "ClusterIP by name from a pod: " + answer);
        Run flows = vnet("flows");
        assertTrue(flows.out().contains("node-1") && flows.out().contains("TRANSLATED default/web:http"), flows.all());
        Run nodePort = sh("ip", "netns", "exec", config.outsideNs(), "curl", "-s", "-m", "5", "http://192.168.56.12:30080/");
        assertTrue(nodePort.out().contains("Hostname: " + prefix + "web-"), "NodePort from outside: " + nodePort.all());
        Run lb = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && (lb == null || !lb.out().contains("Hostname: "))) {
            lb = sh("ip", "netns", "exec", config.outsideNs(), "curl", "-s", "-m", "3", "http://192.168.56.200/");
        }
        assertTrue(lb.out().contains("Hostname: " + prefix + "web-"), "LoadBalancer IP from outside: " + lb.all());

        // The ingress controller runs here too: a pod whose process reads the cluster through the node APIs.
        Path ing = stateDir.resolve("ingress.yaml");
        Files.writeString(ing, """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: web}
                spec:
                  rules:
                  - host: web.example
                    http:
                      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
                """);
        Run ingress = vnet("apply", "-f", ing.toString());
        assertEquals(0, ingress.exit(), ingress.all());
        Run proxied = null;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (System.nanoTime() < deadline && (proxied == null || !proxied.out().contains("Hostname: "))) {
            proxied = sh("ip", "netns", "exec", config.outsideNs(), "curl", "-s", "-m", "3", "--resolve",
                    "web.example:80:192.168.56.250", "http://web.example/");
        }
        assertTrue(proxied.out().contains("Hostname: " + prefix + "web-"), "through the ingress controller: "
                + proxied.all() + "\n" + vnet("logs", "-n", "ingress", prefix + "ingress-controller").all());
        Run address = vnet("get", "ingress", "web");
        assertTrue(address.out().contains("192.168.56.250"), "the control-plane node writes ADDRESS: " + address.all());
    }

    /**
     * The guided labs that run on node processes (store: etcd), walked as a learner would with `vnet lab`: each
     * step's checks fail, the solution `vnet lab hint` finally shows is run in bash, and then they pass.
     */
    @Test
    @Order(9)
    void theLabsOnNodeProcessesWalk() throws Exception {
        Path labs = Path.of("../labs").toAbsolutePath().normalize();
        Path progress = stateDir.resolve("labs.json");
        Path bin = stateDir.resolve("bin");
        Files.createDirectories(bin);
        Path wrapper = bin.resolve("vnet");
        Files.writeString(wrapper, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java")
                + "' -cp '" + System.getProperty("java.class.path") + "' " + Main.class.getName()
                + " --state-dir '" + stateDir + "' --prefix '" + prefix + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        List<dev.vnet.cli.course.Exercise> etcdLabs = dev.vnet.cli.course.Catalog.open(labs).labs().stream()
                .filter(l -> l.store().equals("etcd")).toList();
        assertFalse(etcdLabs.isEmpty());
        for (dev.vnet.cli.course.Exercise lab : etcdLabs) {
            String[] labArgs = {"lab", "--labs-dir", labs.toString(), "--lab-state", progress.toString()};
            Run start = vnet(concat(labArgs, "start", lab.id()));
            assertEquals(0, start.exit(), start.all());
            for (int n = 1; n <= lab.steps().size(); n++) {
                String step = lab.id() + " step " + n;
                Run before = vnet(concat(labArgs, "check"));
                assertEquals(1, before.exit(), step + " passed before its solution ran\n" + before.all());
                Run hint = vnet(concat(labArgs, "hint"));
                for (int i = 0; i < 5 && !hint.out().contains("no more hints"); i++) {
                    hint = vnet(concat(labArgs, "hint"));
                }
                List<String> solution = hint.out().lines().filter(l -> l.startsWith("  $ ")).map(l -> l.substring(4))
                        .toList();
                assertFalse(solution.isEmpty(), hint.all());
                for (String line : solution) {
                    Run r = run(List.of("timeout", "90", "env", "PATH=" + bin + ":" + System.getenv("PATH"), "bash", "-c",
                            line));
                    assertNotEquals(124, r.exit(), step + ": \"" + line + "\" did not end in time");
                }
                Run after = vnet(concat(labArgs, "check"));
                for (int i = 0; i < 10 && after.exit() != 0; i++) {
                    Thread.sleep(500);
                    after = vnet(concat(labArgs, "check"));
                }
                assertEquals(0, after.exit(), step + " still fails after its solution:\n" + after.all());
                assertEquals(0, vnet(concat(labArgs, "next")).exit());
            }
            Run reset = vnet(concat(labArgs, "reset", lab.id()));
            assertEquals(0, reset.exit(), reset.all());
            for (String pod : lab.pods()) {
                assertFalse(NetNs.exists(pod), "pod " + pod + "'s namespace is left after reset");
            }
        }
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    private static String podYaml(String name, String node) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  nodeName: %s
                  containers:
                  - name: web
                    image: whoami
                """.formatted(pod(name), node);
    }

    private static String ipOf(String netns) throws Exception {
        Run r = sh("ip", "-n", netns, "-o", "-4", "addr", "show", "eth0");
        String[] f = r.out().trim().split("\\s+");
        return f[3].substring(0, f[3].indexOf('/'));
    }

    private static String macOf(String netns) throws Exception {
        return sh("ip", "-n", netns, "-br", "link", "show", "eth0").out().trim().split("\\s+")[2];
    }

    private static boolean awaitLog(String process, String line) throws Exception {
        Path log = stateDir.resolve("logs").resolve(process + ".log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
