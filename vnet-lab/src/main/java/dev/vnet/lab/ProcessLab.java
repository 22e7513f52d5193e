package dev.vnet.lab;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import dev.vnet.node.NodeConfig;
import dev.vnet.node.pod.NamespaceRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Vagrant topology on one machine ({@code vnet up --store etcd}): the same underlay and node namespaces as
 * the one-process lab, then etcd in node-1's namespace and one {@code vnet node} process per node namespace,
 * each started by the very scripts a Vagrant VM's systemd units run ({@code deploy/start-etcd.sh},
 * {@code deploy/start-node.sh}). There is no lab process: the CLI reads {@code cluster.yaml} in the state
 * directory and talks to the cluster from inside the outside namespace, as a machine on the underlay would.
 *
 * <pre>
 *   STATE/cluster.yaml   store, token file, outside namespace (what the CLI needs)
 *   STATE/token          the cluster token (0600)
 *   STATE/pids/*.pid     etcd and each node process, stopped by PID
 *   STATE/nodes/NODE/    each node's own state: its pods' namespaces, container logs
 *   STATE/etcd/          etcd's data, removed by `vnet down`
 * </pre>
 */
public final class ProcessLab {
    public static final String CLUSTER_FILE = "cluster.yaml";
    public static final int ETCD_CLIENT_PORT = 2379;
    private static final long READY_NANOS = 90_000_000_000L;

    /** How to run `vnet` itself: a java binary and the class path holding {@code dev.vnet.cli.Main}. */
    public record Launcher(String java, String classpath) {}

    /** What a CLI needs to reach the cluster. */
    public record ClusterFile(String store, Path tokenFile, String outside, Duration leaseTtl) {}

    private ProcessLab() {
    }

    public static Optional<ClusterFile> running(Path stateDir) {
        Path f = stateDir.resolve(CLUSTER_FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String line : Files.readAllLines(f)) {
                int c = line.indexOf(':');
                if (c > 0 && !line.startsWith("#")) {
                    kv.put(line.substring(0, c).strip(), line.substring(c + 1).strip());
                }
            }
            return Optional.of(new ClusterFile(kv.get("store"), Path.of(kv.get("tokenFile")), kv.get("outside"),
                    Duration.ofSeconds(Long.parseLong(kv.getOrDefault("leaseTtlSeconds", "30")))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static String storeOf(LabConfig config) {
        return "etcd://" + config.node(1).underlayIp() + ":" + ETCD_CLIENT_PORT;
    }

    /** Builds the lab and waits until every node holds its lease; on failure removes everything it made. */
    public static ClusterFile start(LabConfig config, Duration leaseTtl, Launcher launcher, PrintStream progress)
            throws ApiException {
        String problem = Privileges.whyNotUsable();
        if (problem != null) {
            throw new ApiException(problem);
        }
        for (String tool : List.of("etcd", "etcdctl")) {
            if (!onPath(tool)) {
                throw new ApiException(tool + " is not installed: run `scripts/install-deps.sh run` (Debian packages "
                        + "etcd-server and etcd-client)");
            }
        }
        if (config.nodes() < 1 || config.nodes() > LabConfig.MAX_NODES) {
            throw new ApiException("--nodes must be between 1 and " + LabConfig.MAX_NODES);
        }
        down(config);
        try {
            return build(config, leaseTtl, launcher, progress);
        } catch (IOException | RuntimeException | ApiException e) {
            down(config);
            throw e instanceof ApiException le ? le : new ApiException("could not start the lab: " + e.getMessage(), e);
        }
    }

    private static ClusterFile build(LabConfig config, Duration leaseTtl, Launcher launcher, PrintStream progress)
            throws IOException, ApiException {
        Path dir = config.stateDir();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        for (String sub : List.of("logs", "pids", "nodes", "deploy")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Commands commands = new Commands(config.explain());
        LabState state = new LabState(dir);
        LocalLab.buildUnderlay(commands, config, state);

        Path token = dir.resolve("token");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.writeString(token, HexFormat.of().formatHex(secret) + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Path deploy = extractScripts(dir.resolve("deploy"));

        NodeConfig first = config.node(1);
        String store = storeOf(config);
        say(progress, "etcd starting in " + first.netns() + " on " + store);
        startEtcd(config);

        List<Process> nodes = new java.util.ArrayList<>();
        for (int i = 1; i <= config.nodes(); i++) {
            nodes.add(startNode(config, config.node(i), leaseTtl, launcher, token, deploy));
        }
        ClusterFile cluster = new ClusterFile(store, token, config.outsideNs(), leaseTtl);
        Files.writeString(dir.resolve(CLUSTER_FILE), "# the local multi-process lab (vnet up --store etcd)\n"
                + "store: " + store + "\ntokenFile: " + token + "\noutside: " + config.outsideNs()
                + "\nleaseTtlSeconds: " + leaseTtl.toSeconds() + "\n");
        awaitLeases(config, store, nodes, progress);
        startApiForwarder(config, launcher, token);
        say(progress, "Kubernetes API for kubectl at " + Files.readString(dir.resolve("kube/server")).strip()
                + ", forwarded to the nodes' APIs (`vnet kubeconfig` prints a kubeconfig)");
        return cluster;
    }

    /**
     * The Kubernetes API for kubectl on this machine's 127.0.0.1 ({@link ApiForwarder}), with the cluster's CA
     * (node-1 wrote it) and token in STATE/kube, where `vnet kubeconfig` finds them.
     */
    private static void startApiForwarder(LabConfig config, Launcher launcher, Path token) throws IOException,
            ApiException {
        Path dir = config.stateDir();
        Path kube = dir.resolve("kube");
        Files.createDirectories(kube);
        Files.setPosixFilePermissions(kube, PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(kube.resolve("server"));
        // A node takes its lease before its API is up: node-1 writes the CA once it serves.
        Path ca = dir.resolve("nodes").resolve(config.node(1).name()).resolve("pki/ca.crt");
        long caDeadline = System.nanoTime() + READY_NANOS;
        while (!Files.exists(ca)) {
            if (System.nanoTime() > caDeadline || process(config, config.node(1).name()).isEmpty()) {
                throw new ApiException(config.node(1).name() + " does not serve its API: " + lastLine(config,
                        config.node(1).name()));
            }
            sleep(100);
        }
        Files.copy(ca, kube.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(kube.resolve("ca.key")); // a local lab's CA, not this cluster's
        Files.copy(token, kube.resolve("token"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(kube.resolve("token"), PosixFilePermissions.fromString("rw-------"));
        List<String> argv = new java.util.ArrayList<>(List.of("setsid", launcher.java(), "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", launcher.classpath(), ApiForwarder.class.getName(), dir.toString(),
                config.outsideNs()));
        for (int i = 1; i <= config.nodes(); i++) {
            argv.add(config.node(i).underlayIp() + ":" + dev.vnet.apiserver.rest.KubeApiServer.DEFAULT_PORT);
        }
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/api-forward.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Files.writeString(dir.resolve("pids").resolve("api-forward.pid"), Long.toString(p.pid()));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(kube.resolve("server"))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new ApiException("the API forwarder did not start: see " + dir.resolve("logs/api-forward.log"));
            }
            sleep(100);
        }
    }

    /** Starts etcd in node-1's namespace on its data directory (kept across restarts) and waits for it. */
    public static void startEtcd(LabConfig config) throws IOException, ApiException {
        NodeConfig first = config.node(1);
        Map<String, String> env = Map.of("VNET_ETCD_NAME", first.name(), "VNET_ETCD_IP",
                first.underlayIp().toString(), "VNET_ETCD_DATA_DIR", config.stateDir().resolve("etcd").toString());
        Process etcd = spawn(first.netns(), config.stateDir().resolve("deploy/start-etcd.sh"), env, "etcd", config);
        awaitEtcd(config, first.netns(), storeOf(config), etcd);
    }

    /** Stops one process of the lab by PID: {@code etcd} or a node ({@code node-2}); its pods stay. */
    public static void stopProcess(LabConfig config, String name) {
        stop(config, name);
    }

    private static Process startNode(LabConfig config, NodeConfig nc, Duration leaseTtl, Launcher launcher, Path token,
                                     Path deploy) throws IOException {
        Path dir = config.stateDir();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VNET_NODE_NAME", nc.name());
        env.put("VNET_STORE", storeOf(config));
        env.put("VNET_IFACE", "eth0");
        env.put("VNET_TOKEN_FILE", token.toString());
        env.put("VNET_LEASE_TTL", Long.toString(leaseTtl.toSeconds()));
        env.put("VNET_CONTROL_PLANE", nc.index() == 1 ? "true" : "false");
        env.put("VNET_STATE_DIR", dir.resolve("nodes").toString());
        env.put("VNET_PREFIX", config.prefix());
        env.put("VNET_JAVA", launcher.java());
        env.put("VNET_CLASSPATH", launcher.classpath());
        // Small heaps and one GC thread: several node JVMs share the machine with the workloads they carry. C1
        // only: with three JVMs compiling on two cores, a 4 s iperf3 across nodes measured 439 Mbit/s with C1
        // against 218 with C2 still at work.
        env.put("VNET_JAVA_OPTS", "-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                + " -Djava.util.logging.SimpleFormatter.format=%1$tT_%4$s_%5$s%6$s%n");
        return spawn(nc.netns(), deploy.resolve("start-node.sh"), env, nc.name(), config);
    }

    /** Stops node {@code name}'s process (TERM, then KILL) and starts it again: its pods stay and are re-attached. */
    public static void restartNode(LabConfig config, String name, Launcher launcher) throws ApiException {
        ClusterFile cluster = running(config.stateDir()).orElseThrow(() -> new ApiException(
                "no multi-process lab is running: start one with `vnet up -d --store etcd`"));
        NodeConfig nc = null;
        for (int i = 1; i <= LabConfig.MAX_NODES; i++) {
            if (config.node(i).name().equals(name) && NetNs.exists(config.node(i).netns())) {
                nc = config.node(i);
            }
        }
        if (nc == null) {
            throw new ApiException("nodes \"" + name + "\" not found");
        }
        stop(config, name);
        try {
            startNode(config, nc, cluster.leaseTtl(), launcher, cluster.tokenFile(), config.stateDir().resolve("deploy"));
        } catch (IOException e) {
            throw new ApiException("could not start node " + name + ": " + e.getMessage(), e);
        }
    }

    /** The PID of a process this lab started ({@code etcd}, {@code node-2}), if it is still alive. */
    public static Optional<ProcessHandle> process(LabConfig config, String name) {
        Path pidFile = config.stateDir().resolve("pids").resolve(name + ".pid");
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String dir = config.stateDir().toString();
            // Only a process whose command line names this lab's state directory is ours to stop. Read whole
            // from /proc: ProcessHandle.Info cuts long command lines (a node's class path can be long).
            // The environment too: the scripts' variables name the state directory, and stay across their execs.
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> proc(h.pid(), "cmdline").contains(dir) || proc(h.pid(), "environ").contains(dir));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String proc(long pid, String file) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static void stop(LabConfig config, String name) {
        Optional<ProcessHandle> p = process(config, name);
        if (p.isEmpty()) {
            return;
        }
        p.get().destroy();
        try {
            p.get().onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            p.get().destroyForcibly();
            try {
                p.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Gone or stuck in the kernel; the namespace removal follows.
            }
        }
    }

    /** Stops every process of the lab by PID and removes all it made; returns whether anything was there. */
    public static boolean down(LabConfig config) {
        Path dir = config.stateDir();
        boolean found = Files.exists(dir.resolve(CLUSTER_FILE));
        for (int i = LabConfig.MAX_NODES; i >= 1; i--) {
            found |= process(config, "node-" + i).isPresent();
            stop(config, "node-" + i);
        }
        found |= process(config, "etcd").isPresent();
        stop(config, "etcd");
        stop(config, "api-forward");
        Commands quiet = new Commands(config.explain());
        try (var nodes = Files.list(dir.resolve("nodes"))) {
            for (Path n : nodes.toList()) {
                for (String ns : NamespaceRecord.recorded(n)) {
                    if (NetNs.exists(ns)) {
                        dev.vnet.node.pod.Namespaces.killProcessesIn(quiet, ns);
                        quiet.tryRun("ip", "netns", "del", ns);
                        found = true;
                    }
                    LocalLab.deleteTree(Path.of("/etc/netns", ns));
                }
            }
        } catch (IOException ignored) {
            // No node state: nothing recorded.
        }
        found |= LocalLab.cleanStale(config);
        for (String sub : List.of("etcd", "nodes", "pids", "deploy", "token", "kube/server", CLUSTER_FILE)) {
            LocalLab.deleteTree(dir.resolve(sub));
        }
        return found;
    }

    private static Process spawn(String netns, Path script, Map<String, String> env, String name, LabConfig config)
            throws IOException {
        Path log = config.stateDir().resolve("logs").resolve(name + ".log");
        // setsid: the process outlives the terminal that ran `vnet up`. nsenter, not `ip netns exec`: that one
        // also gives the process a mount namespace of its own, where the pod namespaces a node makes (bind
        // mounts under /run/netns) would stay invisible to everyone else. Both exec: the PID is the program's.
        ProcessBuilder pb = new ProcessBuilder("setsid", "nsenter", "--net=" + NetNs.path(netns), "--",
                script.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        Files.writeString(config.stateDir().resolve("pids").resolve(name + ".pid"), Long.toString(p.pid()));
        return p;
    }

    /** Waits for etcd to answer; {@code etcd} is the process just started (alive while its exec chain runs). */
    private static void awaitEtcd(LabConfig config, String netns, String store, Process etcd) throws ApiException {
        String endpoint = store.replace("etcd://", "http://");
        long deadline = System.nanoTime() + READY_NANOS;
        Commands quiet = new Commands(null);
        while (System.nanoTime() < deadline) {
            if (!etcd.isAlive()) {
                throw new ApiException("etcd exited while starting: " + lastLine(config, "etcd"));
            }
            if (quiet.tryRun("ip", "netns", "exec", netns, "etcdctl", "--endpoints", endpoint, "--dial-timeout=1s",
                    "endpoint", "health").ok()) {
                return;
            }
            sleep(200);
        }
        throw new ApiException("etcd did not answer in time: see " + config.stateDir().resolve("logs/etcd.log"));
    }

    private static void awaitLeases(LabConfig config, String store, List<Process> nodes, PrintStream progress)
            throws ApiException {
        String endpoint = store.replace("etcd://", "http://");
        long deadline = System.nanoTime() + READY_NANOS;
        Commands quiet = new Commands(null);
        while (System.nanoTime() < deadline) {
            for (int i = 1; i <= config.nodes(); i++) {
                if (!nodes.get(i - 1).isAlive()) {
                    throw new ApiException("node-" + i + " exited while starting: " + lastLine(config, "node-" + i));
                }
            }
            Commands.Result r = quiet.tryRun("ip", "netns", "exec", config.node(1).netns(), "etcdctl", "--endpoints",
                    endpoint, "get", "--prefix", "--keys-only", "/vnet/subnetlease/");
            long leases = r.ok() ? r.output().lines().filter(l -> !l.isBlank()).count() : 0;
            if (leases >= config.nodes()) {
                say(progress, "all " + config.nodes() + " nodes hold their subnet leases");
                return;
            }
            sleep(250);
        }
        throw new ApiException("the nodes did not all come up in time: see " + config.stateDir().resolve("logs"));
    }

    private static String lastLine(LabConfig config, String name) {
        Path log = config.stateDir().resolve("logs").resolve(name + ".log");
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("error: ") || lines.get(i).contains("SEVERE")) {
                    return lines.get(i).replaceFirst("^error: ", "");
                }
            }
            return lines.isEmpty() ? "see " + log : lines.get(lines.size() - 1) + " (see " + log + ")";
        } catch (IOException e) {
            return "see " + log;
        }
    }

    /** The start scripts travel inside the jar; the lab runs its own copies. */
    private static Path extractScripts(Path into) throws IOException {
        for (String name : List.of("start-etcd.sh", "start-node.sh")) {
            try (InputStream in = ProcessLab.class.getResourceAsStream("/dev/vnet/lab/deploy/" + name)) {
                if (in == null) {
                    throw new IOException("deploy/" + name + " is missing from the build");
                }
                Path to = into.resolve(name);
                Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return into;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void say(PrintStream progress, String line) {
        if (progress != null) {
            progress.println(line);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


}
