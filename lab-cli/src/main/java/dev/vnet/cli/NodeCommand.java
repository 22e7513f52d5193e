package dev.vnet.cli;

import dev.vnet.core.addr.Cidr;
import dev.vnet.lab.LabConfig;
import dev.vnet.lab.ProcessLab;
import dev.vnet.node.agent.NodeAgent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** `vnet node`: one node of a multi-machine cluster, as its own process (what systemd runs on each VM). */
@Command(name = "node", description = {
        "Run one node of a cluster whose store is etcd: its data plane, pods, DNS and Services, its subnet",
        "lease, and the Kubernetes API on the underlay address (port 6443, token required). Runs in the foreground.",
        "Stopping or killing it leaves its pods in place; the next start re-attaches them.",
        "Example: vnet node --name node-2 --store etcd://192.168.56.11:2379 --iface eth1"},
        subcommands = {NodeCommand.Restart.class, NodeCommand.Stop.class})
final class NodeCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Option(names = "--name", description = "This node's name (node-1, node-2, ...); required.")
    String name;

    @Option(names = "--iface", description = "The interface on the nodes' private network (default: the one with "
            + "an address in --underlay; never the default route's).")
    String iface;

    @Option(names = "--underlay", defaultValue = "192.168.56.0/24", description = "The nodes' network (default: "
            + "${DEFAULT-VALUE}).")
    String underlay;

    @Option(names = "--lease-ttl", defaultValue = "30", description = "Seconds the subnet lease lives without "
            + "renewal (default: ${DEFAULT-VALUE}).")
    long leaseTtl;

    @Option(names = "--control-plane", description = "Also run the cluster-wide loops (Endpoints, node health).")
    boolean controlPlane;

    @Option(names = "--api-port", defaultValue = "6443", description = "The port of the node's Kubernetes API (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--proxy-mode", defaultValue = "iptables", description = "iptables or ipvs.")
    String proxyMode;

    @Override
    public Integer call() throws Exception {
        if (name == null) {
            throw new VnetCommand.CliException("vnet node needs --name (e.g. --name node-2)", 2);
        }
        if (root.store == null) {
            throw new VnetCommand.CliException("vnet node needs --store etcd://HOST:2379", 2);
        }
        if (leaseTtl < 2) {
            throw new VnetCommand.CliException("--lease-ttl must be at least 2 seconds", 2);
        }
        LabConfig d = LabConfig.defaults();
        Path stateDir = root.stateDir.equals(LabConfig.DEFAULT_STATE_DIR) ? NodeAgent.DEFAULT_STATE_DIR : root.stateDir;
        NodeAgent.Settings s = new NodeAgent.Settings(name, root.store, iface, parse(underlay), d.podCidr(),
                d.serviceCidr(), root.tokenFile != null ? root.tokenFile : NodeAgent.DEFAULT_TOKEN_FILE,
                Duration.ofSeconds(leaseTtl), stateDir, controlPlane, apiPort, proxyMode, root.prefix);
        NodeAgent agent = NodeAgent.start(s);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            done.countDown();
        }, "node-shutdown"));
        System.out.println("node " + name + " is up: subnet " + agent.node().config().podSubnet() + ", underlay "
                + agent.node().config().underlayIp() + ", store " + root.store);
        System.out.flush();
        done.await();
        return 0;
    }

    private static Cidr parse(String cidr) throws VnetCommand.CliException {
        try {
            return Cidr.parse(cidr);
        } catch (IllegalArgumentException e) {
            throw new VnetCommand.CliException("--underlay \"" + cidr + "\" is not a CIDR", 2);
        }
    }

    /** `vnet node stop NAME [--kill]`: stop a node process of the local multi-process lab, as a crash would. */
    @Command(name = "stop", description = {
            "Stop a node process of the local multi-process lab; its pods stay (their eth0 loses its carrier).",
            "--kill sends SIGKILL, as a crash. The node turns NotReady when its lease runs out. `vnet node restart`",
            "brings it back."})
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        NodeCommand node;

        @Parameters(index = "0", paramLabel = "NODE", description = "The node, e.g. node-2.")
        String target;

        @Option(names = "--kill", description = "SIGKILL instead of SIGTERM: no goodbye, like a crash.")
        boolean kill;

        @Override
        public Integer call() throws Exception {
            VnetCommand root = node.root;
            java.util.Optional<ProcessHandle> p = ProcessLab.process(root.labConfig(), target);
            if (p.isEmpty()) {
                throw new VnetCommand.CliException("no running node process " + target + " in the local multi-process "
                        + "lab (vnet up --store etcd)");
            }
            if (kill) {
                p.get().destroyForcibly();
                p.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } else {
                ProcessLab.stopProcess(root.labConfig(), target);
            }
            System.out.println("node " + target + " stopped (pid " + p.get().pid() + (kill ? ", SIGKILL" : "")
                    + "); its pods are left in place");
            return 0;
        }
    }

    /** `vnet node restart NAME`: stop a node process of the local multi-process lab and start it again. */
    @Command(name = "restart", description = {
            "Restart a node process of the local multi-process lab (vnet up --store etcd). Its pods keep their",
            "namespaces, IPs and MACs; traffic stops only while the process is down. On VMs: systemctl restart vnet-node."})
    static final class Restart implements Callable<Integer> {
        @ParentCommand
        NodeCommand node;

        @Parameters(index = "0", paramLabel = "NODE", description = "The node, e.g. node-2.")
        String target;

        @Override
        public Integer call() throws Exception {
            VnetCommand root = node.root;
            ProcessLab.restartNode(root.labConfig(), target, UpCommand.launcher());
            System.out.println("node " + target + " restarted (its pods were kept)");
            return 0;
        }
    }
}
