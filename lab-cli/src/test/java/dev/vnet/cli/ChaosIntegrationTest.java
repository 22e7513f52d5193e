package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import dev.vnet.lab.LabConfig;
import dev.vnet.lab.ProcessLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Chaos on a multi-process lab (etcd and a node process per node): while requests through a Service, DNS queries
 * and an iperf3 stream keep running from a pod, the test injects and clears a tunnel fault, kills and restarts a
 * node process, stops and starts etcd, pauses a node's sync, and churns a pod. After each event traffic must come
 * back within a bound, and it reports how long each took. At the end nothing leaked: the lab's network namespaces
 * are its own, the node processes' descriptors and threads stayed bounded, conntrack is bounded, and the node
 * logs hold no crash. `make soak` runs more rounds ({@code -Dvnet.chaos.rounds}).
 */
@Tag("integration")
@Tag("chaos")
class ChaosIntegrationTest {
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(45);
    private static ProcessLabShell lab;
    private static LabConfig config;
    private static String clusterIp;

    @BeforeAll
    static void up() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        String prefix = "vc" + UUID.randomUUID().toString().substring(0, 6) + "-";
        Path stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        lab = new ProcessLabShell(prefix, stateDir);
        config = LabConfig.defaults().withPrefixAndState(prefix, stateDir).withNodes(2);
        var r = lab.local("up", "-d", "--store", "etcd", "--nodes", "2", "--lease-ttl", "10", "--no-ingress");
        assertEquals(0, r.exit(), r.all());
        Path manifest = stateDir.resolve("chaos.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$sclient}
                spec:
                  nodeName: node-1
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$sweb-1, labels: {app: %1$sweb}}
                spec:
                  nodeName: node-1
                  containers: [{name: web, image: whoami, ports: [{containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$sweb-2, labels: {app: %1$sweb}}
                spec:
                  nodeName: node-2
                  containers: [{name: web, image: whoami, ports: [{containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: %1$sweb}
                spec:
                  selector: {app: %1$sweb}
                  ports: [{port: 80, targetPort: 8080}]
                """.formatted(prefix));
        var applied = lab.vnet("apply", "-f", manifest.toString());
        assertEquals(0, applied.exit(), applied.all());
        var svc = lab.vnet("get", "svc", prefix + "web", "-o", "json");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"clusterIP\" : \"([0-9.]+)\"").matcher(svc.out());
        assertTrue(m.find(), svc.all());
        clusterIp = m.group(1);
    }

    @AfterAll
    static void down() {
        if (lab == null) {
            return;
        }
        var r = lab.local("down");
        dev.vnet.cli.TestDirs.delete(lab.stateDir);
        assertTrue(r.out().contains("lab stopped and removed"), r.all());
        String[] all = NetNs.path("x").getParent().toFile().list();
        List<String> left = all == null ? List.of() : java.util.Arrays.stream(all).filter(n -> n.startsWith(lab.prefix))
                .toList();
        assertTrue(left.isEmpty(), "namespaces left behind: " + left);
    }

    /** One probe's outcome: when, and whether a request through the Service and a DNS query both worked. */
    private record Probe(Instant at, boolean ok) {}

    private static boolean probe(String client) throws Exception {
        var web = ProcessLabShell.sh(5, "ip", "netns", "exec", client, "timeout", "2", "wget", "-q", "-O", "/dev/null",
                "http://" + clusterIp + "/");
        var dns = ProcessLabShell.sh(5, "ip", "netns", "exec", client, "timeout", "2", "nslookup",
                lab.prefix + "web.default.svc.cluster.local", "10.96.0.10");
        return web.exit() == 0 && dns.exit() == 0;
    }

    private static long count(String dir) {
        String[] e = Path.of(dir).toFile().list();
        return e == null ? -1 : e.length;
    }

    private static Map<String, long[]> nodeResources() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String n : List.of("node-1", "node-2")) {
            ProcessLab.process(config, n).ifPresent(h -> out.put(n, new long[] {
                    count("/proc/" + h.pid() + "/fd"), count("/proc/" + h.pid() + "/task")}));
        }
        return out;
    }

    @Test
    void trafficComesBackAfterEveryEventAndNothingLeaks() throws Exception {
        String client = lab.prefix + "client";
        String web2 = lab.prefix + "web-2";
        assertTrue(probe(client), "traffic works before the chaos");
        // A steady stream across the tunnel beside the probes (rate-limited: the machine has two cores).
        var iperfServer = new ProcessBuilder("ip", "netns", "exec", web2, "iperf3", "-s", "-p", "5299")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Map<String, long[]> before = nodeResources();
        ConcurrentLinkedQueue<Probe> probes = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread traffic = new Thread(() -> {
            while (!stop.get()) {
                try {
                    probes.add(new Probe(Instant.now(), probe(client)));
                    Thread.sleep(200);
                } catch (Exception e) {
                    probes.add(new Probe(Instant.now(), false));
                }
            }
        }, "chaos-traffic");
        traffic.setDaemon(true);
        traffic.start();
        Process iperf = null;
        Map<String, Duration> recovery = new LinkedHashMap<>();
        int rounds = Integer.getInteger("vnet.chaos.rounds", 1);
        try {
            String web2Ip = podIp(web2);
            iperf = new ProcessBuilder("ip", "netns", "exec", client, "iperf3", "-c", web2Ip, "-p", "5299", "-b", "20M",
                    "-t", Integer.toString(120 * rounds)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int round = 1; round <= rounds; round++) {
                String tag = rounds == 1 ? "" : " #" + round;
                recovery.put("tunnel loss 100% for 3 s" + tag, event(probes, () -> {
                    var added = lab.vnet("fault", "add", "--node", "node-1", "--peer", "node-2", "--loss", "100%");
                    assertEquals(0, added.exit(), added.all());
                    Thread.sleep(3000);
                    assertEquals(0, lab.vnet("fault", "clear").exit());
                }));
                recovery.put("node-2 killed and restarted" + tag, event(probes, () -> {
                    long pid = ProcessLab.process(config, "node-2").orElseThrow().pid();
                    ProcessLabShell.sh(10, "kill", "-9", Long.toString(pid));
                    Thread.sleep(1000);
                    var r = lab.local("node", "restart", "node-2");
                    assertEquals(0, r.exit(), r.all());
                }));
                recovery.put("etcd stopped for 3 s" + tag, event(probes, () -> {
                    ProcessLab.stopProcess(config, "etcd");
                    Thread.sleep(3000);
                    ProcessLab.startEtcd(config);
                }));
                recovery.put("node-1's sync paused for 3 s" + tag, event(probes, () -> {
                    assertEquals(0, lab.vnet("fault", "add", "--node", "node-1", "--pause", "sync").exit());
                    Thread.sleep(3000);
                    assertEquals(0, lab.vnet("fault", "clear").exit());
                }));
                recovery.put("pod web-2 deleted and applied again" + tag, event(probes, () -> {
                    assertEquals(0, lab.vnet("delete", "pod", web2).exit());
                    // Its node removes the pod's namespace soon after the delete, as a kubelet tears a sandbox down.
                    // Until then the name is taken (admission refuses it, one line): apply again until it is free.
                    long until = System.nanoTime() + 60_000_000_000L;
                    ProcessLabShell.Run again;
                    do {
                        while (NetNs.exists(web2) && System.nanoTime() < until) {
                            Thread.sleep(200);
                        }
                        again = lab.vnet("apply", "-f", lab.stateDir.resolve("chaos.yaml").toString());
                    } while (again.exit() != 0 && again.err().contains("already exists") && System.nanoTime() < until);
                    assertEquals(0, again.exit(), again.all());
                }));
            }
        } finally {
            stop.set(true);
            traffic.join(10_000);
            if (iperf != null) {
                iperf.destroy();
            }
            iperfServer.destroy();
        }
        StringBuilder report = new StringBuilder("chaos: recovery after each event (traffic through a Service and DNS "
                + "from a pod, every 200 ms)\n");
        recovery.forEach((what, d) -> report.append(String.format("  %-42s %6d ms%n", what, d.toMillis())));
        // Leaks: every node process' descriptors and threads stayed bounded (node-2 is a new process: from its start).
        Map<String, long[]> after = nodeResources();
        for (var e : after.entrySet()) {
            long[] was = before.get(e.getKey());
            report.append(String.format("  %s: fds %d → %d, threads %d → %d%n", e.getKey(), was[0], e.getValue()[0],
                    was[1], e.getValue()[1]));
            if (e.getKey().equals("node-1")) {
                assertTrue(e.getValue()[0] <= was[0] + 40, "node-1 leaks descriptors: " + report);
                assertTrue(e.getValue()[1] <= was[1] + 40, "node-1 leaks threads: " + report);
            }
        }
        var conntrack = lab.vnet("conntrack");
        java.util.regex.Matcher ct = java.util.regex.Pattern.compile("conntrack: (\\d+) flow entries").matcher(
                conntrack.out());
        assertTrue(ct.find(), conntrack.all());
        report.append("  conntrack entries: ").append(ct.group(1)).append('\n');
        assertTrue(Long.parseLong(ct.group(1)) < 5000, "conntrack grows without bound: " + report);
        String[] ns = NetNs.path("x").getParent().toFile().list();
        List<String> mine = ns == null ? List.of() : java.util.Arrays.stream(ns).filter(n -> n.startsWith(lab.prefix))
                .sorted().toList();
        report.append("  namespaces: ").append(mine).append('\n');
        assertEquals(List.of(lab.prefix + "client", lab.prefix + "node-1", lab.prefix + "node-2", lab.prefix + "outside",
                lab.prefix + "web-1", lab.prefix + "web-2"), mine, "only the lab's own namespaces: " + report);
        // Every stage's frames add up: each one it took was passed on, sent out, or dropped for a reason.
        Thread.sleep(1000);
        String token = Files.readString(lab.stateDir.resolve("token")).strip();
        for (int i = 1; i <= 2; i++) {
            var stats = ProcessLabShell.sh(20, "ip", "netns", "exec", config.outsideNs(), "curl", "-s", "--cacert",
                    lab.stateDir.resolve("kube/ca.crt").toString(), "-H", "Authorization: Bearer " + token, "-X", "POST",
                    "-d", "{}", "https://" + config.node(i).underlayIp() + ":6443/apis/vnet.dev/v1/stats");
            var tree = dev.vnet.apiserver.api.Json.MAPPER.readTree(stats.out());
            for (var stage : tree.path("nodes").path(0).path("router").path("pipeline")) {
                long drops = 0;
                for (var d : stage.path("dropsByReason").properties()) {
                    drops += d.getValue().asLong();
                }
                long in = stage.path("packets").asLong();
                long out = stage.path("passed").asLong() + stage.path("sent").asLong() + drops;
                report.append(String.format("  node-%d %-8s in %d = passed %d + sent %d + dropped %d%n", i,
                        stage.path("stage").asString(), in, stage.path("passed").asLong(), stage.path("sent").asLong(),
                        drops));
                assertTrue(Math.abs(in - out) <= 2, "node-" + i + "'s " + stage.path("stage").asString()
                        + " stage does not add up: " + report);
            }
        }
        for (String n : List.of("node-1", "node-2")) {
            String log = Files.readString(lab.stateDir.resolve("logs").resolve(n + ".log"));
            List<String> crashes = log.lines().filter(l -> l.contains("SEVERE") || l.contains("Exception in thread"))
                    .toList();
            assertTrue(crashes.isEmpty(), n + " logged a crash: " + crashes);
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "chaos-report.txt"), report.toString());
        System.out.print(report);
        for (var e : recovery.entrySet()) {
            assertTrue(e.getValue().compareTo(RECOVERY_BOUND) <= 0, e.getKey() + " took too long to recover: " + report);
        }
    }

    private static String podIp(String pod) throws Exception {
        var r = ProcessLabShell.sh(10, "ip", "-n", pod, "-4", "-o", "addr", "show", "eth0");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("inet ([0-9.]+)/").matcher(r.out());
        assertTrue(m.find(), r.all());
        return m.group(1);
    }

    @FunctionalInterface
    private interface Event {
        void run() throws Exception;
    }

    /**
     * Runs {@code event}, then waits until traffic works again: the time from the event's end to the first good
     * probe after it (zero when traffic never stopped). Fails after the bound.
     */
    private static Duration event(ConcurrentLinkedQueue<Probe> probes, Event event) throws Exception {
        event.run();
        Instant done = Instant.now();
        Instant deadline = done.plus(RECOVERY_BOUND).plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            List<Probe> since = new ArrayList<>();
            for (Probe p : probes) {
                if (!p.at().isBefore(done)) {
                    since.add(p);
                }
            }
            for (Probe p : since) {
                if (p.ok()) {
                    return Duration.between(done, p.at());
                }
            }
            Thread.sleep(100);
        }
        return Duration.between(done, Instant.now());
    }
}
