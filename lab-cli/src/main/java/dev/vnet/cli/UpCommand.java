package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.core.linux.Privileges;
import dev.vnet.lab.LabConfig;
import dev.vnet.lab.LocalLab;
import dev.vnet.lab.ProcessLab;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "up", description = {
        "Start the local lab: the outside namespace with the underlay bridge, one namespace per node, and",
        "each node's userspace data plane. Stays in the foreground until Ctrl-C (or `vnet down`) unless -d.",
        "With --store etcd: etcd in node-1's namespace and one `vnet node` process per node, as on VMs.",
        "Example: vnet up -d --explain   |   vnet up -d --nodes 3 --store etcd"})
final class UpCommand implements Callable<Integer> {
    private static final long READY_TIMEOUT_NANOS = 60_000_000_000L;

    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--detach"}, description = "Start in the background and return once the lab is ready.")
    boolean detach;

    @Option(names = "--nodes", defaultValue = "2", description = "How many nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--explain", description = "Print every system command (ip ...) as the lab runs it.")
    boolean explain;

    @Option(names = "--proxy-mode", defaultValue = "iptables",
            description = "How nodes find Services: iptables (an ordered rule list) or ipvs (hash tables).")
    String proxyMode;

    @Option(names = "--lb-algorithm", description = "The nodes' default load balancing: random, round-robin, "
            + "least-connections, source-hash or maglev (default: the proxy mode's own; a Service's "
            + "vnet.dev/lb-algorithm annotation overrides it).")
    String lbAlgorithm;

    @Option(names = "--dns-upstream", description = "Where the cluster DNS forwards names outside cluster.local, "
            + "as IP or IP:PORT (reachable from the node namespaces); without it they are answered REFUSED.")
    String dnsUpstream;

    @Option(names = "--no-ingress", description = "Leave out the ingress controller (namespace ingress: its pod and "
            + "its LoadBalancer Service on ports 80 and 443), which serves Ingresses and Gateway API routes.")
    boolean noIngress;

    @Option(names = "--lease-ttl", defaultValue = "30", description = "With --store etcd: seconds a node's subnet lease "
            + "lives without renewal (default: ${DEFAULT-VALUE}).")
    long leaseTtl;

    @Option(names = "--kubeconfig", description = "Once the lab is up, add its Kubernetes API to your kubeconfig "
            + "($KUBECONFIG's first file, else ~/.kube/config) as context vnet, made current.")
    boolean kubeconfig;

    @Option(names = "--kubeconfig-file", description = "With --kubeconfig: the kubeconfig file to change instead.")
    Path kubeconfigFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (root.store != null && !root.store.equals("memory") && !root.store.equals("etcd")) {
            throw new VnetCommand.CliException("vnet up --store takes memory (one process, the default) or etcd "
                    + "(etcd in node-1's namespace, one node process per node)", 2);
        }
        LabConfig config = root.labConfig().withNodes(nodes).withProxyMode(proxyMode).withLbAlgorithm(lbAlgorithm)
                .withDnsUpstream(upstream(dnsUpstream)).withIngress(!noIngress);
        if (lbAlgorithm != null && !dev.vnet.apiserver.api.ServiceKind.LB_ALGORITHMS.contains(lbAlgorithm)) {
            throw new VnetCommand.CliException("--lb-algorithm must be one of "
                    + String.join(", ", dev.vnet.apiserver.api.ServiceKind.LB_ALGORITHMS), 2);
        }
        if (!LabConfig.PROXY_MODES.contains(proxyMode)) {
            throw new VnetCommand.CliException("--proxy-mode must be iptables or ipvs", 2);
        }
        if (nodes < 1 || nodes > LabConfig.MAX_NODES) {
            throw new VnetCommand.CliException("--nodes must be between 1 and " + LabConfig.MAX_NODES, 2);
        }
        String problem = Privileges.whyNotUsable();
        if (problem != null) {
            throw new VnetCommand.CliException(problem);
        }
        if ("etcd".equals(root.store)) {
            return upProcessLab(config, out);
        }
        if (ProcessLab.running(config.stateDir()).isPresent()) {
            throw new VnetCommand.CliException("a multi-process lab (--store etcd) is running: `vnet down` first");
        }
        ApiClient client = root.client();
        if (client.labRunning()) {
            JsonNode status = client.call(Operation.STATUS.request());
            if (status.path("nodes").size() != nodes) {
                throw new VnetCommand.CliException("a lab with " + status.path("nodes").size()
                        + " node(s) is already running: `vnet down` first to start one with " + nodes);
            }
            out.println("a lab is already running (pid " + status.path("pid").asLong() + ")");
            printSummary(out, status);
            return 0;
        }
        if (detach) {
            return startDetached(config, client, out);
        }
        if (explain) {
            config = config.withExplain(System.out);
        }
        LocalLab lab = LocalLab.start(config);
        if (kubeconfig || kubeconfigFile != null) {
            out.println("merged context vnet into " + KubeconfigCommand.mergeInto(root, config, kubeconfigFile));
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            lab.close();
            done.countDown();
        }, "lab-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        printSummary(out, client.call(Operation.STATUS.request()));
        out.println("the lab runs in the foreground: Ctrl-C (or `vnet down` in another shell) stops it");
        out.flush();
        while (!lab.isStopped()) {
            Thread.sleep(200);
        }
        return 0;
    }

    /** How a node process runs vnet: this JVM's java and class path. */
    static ProcessLab.Launcher launcher() {
        return new ProcessLab.Launcher(ProcessHandle.current().info().command().orElse("java"),
                System.getProperty("java.class.path"));
    }

    /** `vnet up --store etcd`: etcd and one node process per node namespace, as on VMs. */
    private int upProcessLab(LabConfig config, PrintWriter out) throws Exception {
        if (leaseTtl < 2) {
            throw new VnetCommand.CliException("--lease-ttl must be at least 2 seconds", 2);
        }
        if (ProcessLab.running(config.stateDir()).isPresent()) {
            out.println("a multi-process lab is already running: `vnet down` first to start another");
            return 0;
        }
        if (ApiClient.local(config.stateDir()).labRunning()) {
            throw new VnetCommand.CliException("a one-process lab is running: `vnet down` first");
        }
        if (explain) {
            config = config.withExplain(System.out);
        }
        java.io.PrintStream progress = System.console() != null ? System.err : null;
        ProcessLab.ClusterFile cluster = ProcessLab.start(config, java.time.Duration.ofSeconds(leaseTtl), launcher(),
                progress);
        if (config.ingress()) {
            try {
                installIngress(config, cluster);
            } catch (VnetCommand.CliException e) {
                ProcessLab.down(config); // nothing left half-made
                throw e;
            }
        }
        out.println("lab is up: " + config.nodes() + (config.nodes() == 1 ? " node" : " nodes") + ", store "
                + cluster.store() + " (etcd in " + config.node(1).netns() + ")");
        Table t = new Table("NODE", "NETNS", "UNDERLAY-IP", "POD-CIDR", "PID");
        for (int i = 1; i <= config.nodes(); i++) {
            dev.vnet.node.NodeConfig nc = config.node(i);
            t.row(nc.name(), nc.netns(), nc.underlayIp().toString(), nc.podSubnet().toString(),
                    ProcessLab.process(config, nc.name()).map(h -> Long.toString(h.pid())).orElse("?"));
        }
        t.print(out);
        out.println("outside: netns " + config.outsideNs() + " (bridge vnet-ul); each node's log: "
                + config.stateDir().resolve("logs"));
        out.println("Kubernetes API: every node serves it on its underlay address :6443; kubectl here reaches them at "
                + Files.readString(config.kubeDir().resolve("server")).strip()
                + " (export KUBECONFIG=$(vnet kubeconfig --write))");
        if (kubeconfig || kubeconfigFile != null) {
            out.println("merged context vnet into " + KubeconfigCommand.mergeInto(root, config, kubeconfigFile));
        }
        out.println("next: vnet apply -f labs/examples/pods-spread.yaml && vnet get pods -o wide");
        out.flush();
        if (detach) {
            return 0;
        }
        LabConfig started = config;
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ProcessLab.down(started);
            done.countDown();
        }, "lab-shutdown"));
        out.println("the lab runs until Ctrl-C (or `vnet down` in another shell)");
        out.flush();
        while (ProcessLab.running(config.stateDir()).isPresent()) {
            Thread.sleep(500);
        }
        return 0;
    }

    /**
     * Applies the ingress controller's manifest to a cluster of node processes, from inside the outside namespace
     * (the store and node APIs live on lab addresses): `vnet apply` run there, as a learner would apply it.
     */
    private static void installIngress(LabConfig config, ProcessLab.ClusterFile cluster) throws Exception {
        java.nio.file.Path manifest = config.stateDir().resolve("deploy").resolve("ingress-controller.yaml");
        Files.writeString(manifest, dev.vnet.node.ingress.IngressAddon.manifest(config.prefix(), cluster.store(),
                cluster.tokenFile(), dev.vnet.node.agent.NodeAgent.DEFAULT_API_PORT));
        java.nio.file.Path log = config.stateDir().resolve("logs").resolve("ingress-install.log");
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", cluster.outside(),
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--store", cluster.store(), "--token-file", cluster.tokenFile().toString(),
                "apply", "-f", manifest.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("VNET_IN_LAB_NETNS", cluster.outside());
        Process p = pb.start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        if (p.isAlive() || p.exitValue() != 0) {
            throw new VnetCommand.CliException("could not install the ingress controller: "
                    + Files.readString(log).strip().replace('\n', ' ') + " (`vnet up --no-ingress` starts without it)");
        }
    }

    /** Starts this same command again without -d in a new session, its output in the lab log. */
    private int startDetached(LabConfig config, ApiClient client, PrintWriter out) throws Exception {
        Path dir = config.stateDir();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path log = dir.resolve("lab.log");
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add(Main.class.getName());
        argv.addAll(List.of("up", "--nodes", Integer.toString(nodes), "--state-dir", dir.toString(),
                "--prefix", config.prefix(), "--proxy-mode", proxyMode));
        if (lbAlgorithm != null) {
            argv.addAll(List.of("--lb-algorithm", lbAlgorithm));
        }
        if (dnsUpstream != null) {
            argv.addAll(List.of("--dns-upstream", dnsUpstream));
        }
        if (explain) {
            argv.add("--explain");
        }
        if (noIngress) {
            argv.add("--no-ingress");
        }
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + READY_TIMEOUT_NANOS;
        // Progress on the terminal only: scripts and pipes get the summary alone.
        java.io.PrintStream progress = System.console() != null ? System.err : null;
        if (progress != null) {
            progress.print("starting the lab (" + nodes + " node" + (nodes == 1 ? "" : "s") + ")");
        }
        long lastDot = System.nanoTime();
        while (System.nanoTime() < deadline) {
            if (progress != null && System.nanoTime() - lastDot > 500_000_000L) {
                progress.print('.');
                progress.flush();
                lastDot = System.nanoTime();
            }
            if (!p.isAlive()) {
                if (progress != null) {
                    progress.println();
                }
                throw new VnetCommand.CliException(lastError(log, "the lab exited while starting: see " + log));
            }
            if (client.labRunning()) {
                if (progress != null) {
                    progress.println(" ready");
                }
                if (explain) {
                    for (String line : Files.readAllLines(log)) {
                        if (line.startsWith("+ ")) {
                            out.println(line);
                        }
                    }
                }
                printSummary(out, client.call(Operation.STATUS.request()));
                if (kubeconfig || kubeconfigFile != null) {
                    out.println("merged context vnet into " + KubeconfigCommand.mergeInto(root, config, kubeconfigFile));
                }
                out.println("the lab runs in the background (pid " + p.pid() + ", log " + log + "); `vnet down` stops it");
                return 0;
            }
            Thread.sleep(100);
        }
        p.destroy();
        throw new VnetCommand.CliException("the lab did not become ready in 60 s: see " + log);
    }

    private static String lastError(Path log, String fallback) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("error: ")) {
                    return lines.get(i).substring(7);
                }
            }
        } catch (IOException ignored) {
            // Fall back to pointing at the log.
        }
        return fallback;
    }

    /** "10.0.0.53" or "10.0.0.53:5353" as a socket address; null stays null. */
    static java.net.InetSocketAddress upstream(String value) throws VnetCommand.CliException {
        if (value == null) {
            return null;
        }
        String[] parts = value.split(":");
        try {
            dev.vnet.core.addr.Ipv4Address ip = dev.vnet.core.addr.Ipv4Address.parse(parts[0]);
            int port = parts.length > 1 ? Integer.parseInt(parts[1]) : 53;
            if (parts.length > 2 || port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad port");
            }
            return new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(ip.toBytes()), port);
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            throw new VnetCommand.CliException("--dns-upstream \"" + value + "\" is not IP or IP:PORT", 2);
        }
    }

    static void printSummary(PrintWriter out, JsonNode status) {
        int n = status.path("nodes").size();
        out.println("lab is up: " + n + (n == 1 ? " node" : " nodes") + ", store " + status.path("store").asString());
        Table t = new Table("NODE", "NETNS", "UNDERLAY-IP", "POD-CIDR", "GATEWAY");
        for (JsonNode node : status.path("nodes")) {
            t.row(node.path("name").asString(), node.path("netns").asString(), node.path("underlayIP").asString(),
                    node.path("podCIDR").asString(), node.path("gateway").asString());
        }
        t.print(out);
        out.println("outside: netns " + status.path("outside").asString() + " (bridge vnet-ul)");
        out.println("next: vnet apply -f labs/examples/pods.yaml && vnet get pods -o wide");
        out.println("kubectl: export KUBECONFIG=$(vnet kubeconfig --write); kubectl get nodes");
        out.flush();
    }

}
