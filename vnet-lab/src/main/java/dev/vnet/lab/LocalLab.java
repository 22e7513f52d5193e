package dev.vnet.lab;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.controller.EndpointsController;
import dev.vnet.apiserver.controller.IngressStatusController;
import dev.vnet.apiserver.controller.NodeLifecycle;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.rest.Kubeconfig;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.ResourceApi;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import dev.vnet.node.NodeConfig;
import dev.vnet.node.VnetNode;
import dev.vnet.node.agent.NodeLoops;
import dev.vnet.node.agent.PodController;
import dev.vnet.node.api.NodeApi;
import dev.vnet.node.api.NodeHost;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.ingress.IngressAddon;
import dev.vnet.node.streams.KubeletStreams;
import dev.vnet.node.lease.LeaseKeeper;
import dev.vnet.node.lease.NodeRegistration;
import dev.vnet.node.pod.NamespaceRecord;
import dev.vnet.node.pod.Namespaces;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;
import tools.jackson.databind.node.ObjectNode;

/**
 * The local lab: the whole cluster in network namespaces of one machine, run by one process over the
 * embedded store. The root namespace is never touched: no link, route or address is added there.
 *
 * <pre>
 *   vnet-outside:  bridge vnet-ul 192.168.56.1/24 ── ul-node-N (veth) ─┐
 *   vnet-node-N:   eth0 192.168.56.(10+N)/24  &lt;────────────────────────┘
 *   pod netns:     eth0 = TAP held by this process, on node N's userspace bridge (named after the pod in
 *                  default, NAME.NAMESPACE elsewhere)
 * </pre>
 */
public final class LocalLab implements ApiBackend, NodeHost, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LocalLab.class.getName());
    public static final String UNDERLAY_BRIDGE = "vnet-ul";

    private final LabConfig config;
    private final Commands commands;
    private final LabState state;
    private final ClusterStore store = new MemoryStore();
    private final List<VnetNode> nodes = new ArrayList<>();
    /** Each node's loops (Services, peers, DNS, metrics), in the order of {@link #nodes}. */
    private final List<NodeLoops> loops = new ArrayList<>();
    private dev.vnet.node.fault.FaultAgent faults;
    private final DnsLog dnsLog = new DnsLog();
    private final FlowLog flowLog = new FlowLog();
    private PodController controller;
    private final List<LeaseKeeper> leases = new ArrayList<>();
    private NodeLifecycle lifecycle;
    private EndpointsController endpoints;
    private IngressStatusController ingressStatus;
    private final ServiceAllocator allocator;
    private KubeApiServer kubeApi;
    private ScheduledExecutorService housekeeping;
    private final Instant started = Instant.now();
    private volatile boolean stopped;

    private LocalLab(LabConfig config) {
        this.config = config;
        this.commands = new Commands(config.explain());
        this.state = new LabState(config.stateDir());
        this.allocator = ServiceAllocator.forNetwork(config.network());
    }

    @Override
    public ServiceAllocator allocator() {
        return allocator;
    }

    /** Builds the lab and starts serving its API; on failure removes whatever it had made and throws. */
    public static LocalLab start(LabConfig config) throws ApiException {
        String problem = Privileges.whyNotUsable();
        if (problem != null) {
            throw new ApiException(problem);
        }
        if (config.nodes() < 1 || config.nodes() > LabConfig.MAX_NODES) {
            throw new ApiException("--nodes must be between 1 and " + LabConfig.MAX_NODES);
        }
        if (!LabConfig.PROXY_MODES.contains(config.proxyMode())) {
            throw new ApiException("--proxy-mode must be iptables or ipvs");
        }
        if (config.lbAlgorithm() != null && !dev.vnet.apiserver.api.ServiceKind.LB_ALGORITHMS.contains(config.lbAlgorithm())) {
            throw new ApiException("--lb-algorithm must be one of " + String.join(", ",
                    dev.vnet.apiserver.api.ServiceKind.LB_ALGORITHMS));
        }
        long other = LabState.livePid(config.stateDir());
        if (other > 0) {
            throw new ApiException("a lab is already running (pid " + other + "): use `vnet down` first");
        }
        cleanStale(config);
        LocalLab lab = new LocalLab(config);
        try {
            lab.build();
            return lab;
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw new ApiException("could not start the lab: " + e.getMessage(), e);
        }
    }

    private void build() throws IOException {
        Path dir = config.stateDir();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(state.pidFile(), Long.toString(ProcessHandle.current().pid()));

        buildUnderlay(commands, config, state);
        for (int i = 1; i <= config.nodes(); i++) {
            NodeConfig nc = config.node(i);
            VnetNode node = new VnetNode(nc, commands, System::nanoTime, key -> controller.refresh(key));
            nodes.add(node);
            node.startDataPlane();
            registerNode(nc);
        }
        ClusterBootstrap.ensureNamespaces(store);
        ClusterBootstrap.ensureDnsService(store, config.network());
        lifecycle = new NodeLifecycle(store);
        NodeLoops.Settings settings = new NodeLoops.Settings(config.network(), config.proxyMode(),
                config.lbAlgorithm(), "eth0", config.dnsUpstream());
        java.util.Set<String> names = new java.util.HashSet<>();
        nodes.forEach(n -> names.add(n.config().name()));
        faults = dev.vnet.node.fault.FaultAgent.start(store, names);
        for (VnetNode node : nodes) {
            node.injectFaults(faults.table(), faults.engine());
            loops.add(NodeLoops.start(node, store, settings, dnsLog, flowLog, commands, faults));
        }
        controller = new PodController(store, nodes, state.namespaces(), false);
        endpoints = new EndpointsController(store);
        Handlers h = handlers();
        startKubeApi(h);
        if (config.ingress()) {
            installIngress(h);
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "housekeeping");
            t.setDaemon(true);
            return t;
        });
        housekeeping.scheduleWithFixedDelay(() -> nodes.forEach(VnetNode::housekeeping), 10, 10, TimeUnit.SECONDS);
        LOG.info("lab up: nodes=" + nodes.size() + " api=" + kubeApi.url());
    }

    /**
     * The lab's one API, for kubectl and the vnet CLI alike: the Kubernetes API with vnet's own operations as
     * group vnet.dev/v1 ({@code handlers}), on 127.0.0.1:6443 (another port if taken), with its CA and token in
     * STATE/kube and a ready kubeconfig in STATE/kubeconfig; and for pods at node-1's 192.168.56.11:6443, behind
     * the Service default/kubernetes.
     */
    private void startKubeApi(Handlers handlers) throws IOException {
        KubeCredentials credentials = KubeCredentials.loadOrCreate(config.kubeDir());
        kubeApi = KubeApiServer.start(this, dev.vnet.apiserver.api.Kinds.builtIn(), credentials,
                KubeApiServer.DEFAULT_PORT);
        kubeApi.operations(handlers, NodeApi.streaming(this));
        kubeApi.podStreams(new KubeletStreams(this)); // log, exec, attach, portforward: kubelet's part
        Kubeconfig.write(kubeconfig(config), Kubeconfig.forLab(credentials.dir()));
        // Pods reach the API as on a real cluster: default/kubernetes (10.96.0.1:443) leads to the first node's
        // underlay address, where the API listens too (pods cannot reach this namespace's 127.0.0.1).
        NodeConfig first = nodes.get(0).config();
        kubeApi.listenIn(first.netns(), new java.net.InetSocketAddress(
                java.net.InetAddress.getByName(first.underlayIp().toString()), KubeApiServer.DEFAULT_PORT));
        ClusterBootstrap.ensureApiService(store, config.network(), first.underlayIp(), KubeApiServer.DEFAULT_PORT);
    }

    /** Where a lab of {@code config} writes its kubeconfig while it runs. */
    public static Path kubeconfig(LabConfig config) {
        return config.stateDir().resolve("kubeconfig");
    }

    /** The lab's Kubernetes API (to give it the pod streams), or null before it started. */
    public KubeApiServer kubeApi() {
        return kubeApi;
    }

    /**
     * The machine-level part of a local lab: the outside namespace with the underlay bridge, and one namespace per
     * node plugged into it with its underlay address. Shared by the one-process lab and the multi-process one.
     */
    static void buildUnderlay(Commands commands, LabConfig config, LabState state) throws IOException {
        String outside = config.outsideNs();
        makeNamespace(commands, state, outside);
        commands.run("ip", "-n", outside, "link", "set", "lo", "up");
        commands.run("ip", "-n", outside, "link", "add", UNDERLAY_BRIDGE, "type", "bridge");
        commands.run("ip", "-n", outside, "addr", "add", config.outsideIp() + "/" + config.underlay().prefixLength(),
                "dev", UNDERLAY_BRIDGE);
        commands.run("ip", "-n", outside, "link", "set", UNDERLAY_BRIDGE, "up");
        for (int i = 1; i <= config.nodes(); i++) {
            NodeConfig nc = config.node(i);
            makeNamespace(commands, state, nc.netns());
            String leg = "ul-" + nc.name();
            commands.run("ip", "-n", nc.netns(), "link", "set", "lo", "up");
            // Made inside the outside namespace with its peer born in the node's: nothing appears in the root.
            commands.run("ip", "-n", outside, "link", "add", leg, "type", "veth", "peer", "name", "eth0",
                    "netns", nc.netns());
            commands.run("ip", "-n", outside, "link", "set", leg, "master", UNDERLAY_BRIDGE, "up");
            commands.run("ip", "-n", nc.netns(), "addr", "add",
                    nc.underlayIp() + "/" + config.underlay().prefixLength(), "dev", "eth0");
            commands.run("ip", "-n", nc.netns(), "link", "set", "eth0", "up");
        }
    }

    private static void makeNamespace(Commands commands, LabState state, String name) throws IOException {
        if (NetNs.exists(name)) {
            throw new IOException("network namespace " + name + " already exists and is not this lab's: "
                    + "remove it with `ip netns del " + name + "`");
        }
        commands.run("ip", "netns", "add", name);
        state.added(name);
    }

    @Override
    public FlowLog flowLog() {
        return flowLog;
    }

    @Override
    public DnsLog dnsLog() {
        return dnsLog;
    }

    /** Registers a node and takes its subnet lease, as a node process does on a multi-machine cluster. */
    private void registerNode(NodeConfig nc) throws IOException {
        try {
            dev.vnet.core.addr.Cidr subnet = NodeRegistration.register(store, nc.name(), nc.underlayIp(), config.podCidr());
            if (!subnet.equals(nc.podSubnet())) {
                throw new IOException("node " + nc.name() + " was given " + subnet + ", expected " + nc.podSubnet());
            }
        } catch (ClusterStore.ConflictException e) {
            throw new IOException(e.getMessage(), e);
        }
        leases.add(new LeaseKeeper(store, nc.name(), nc.podSubnet(), nc.underlayIp(), LeaseKeeper.DEFAULT_TTL).start());
    }

    public LabConfig config() {
        return config;
    }

    /** The API of a local lab: the resource verbs, every node's own, and `down`. */
    /**
     * Applies the ingress controller's manifest through the API, as a learner would apply ingress-nginx's: its
     * namespace, the default IngressClass and the GatewayClass, the controller pod, its LoadBalancer Service.
     */
    private void installIngress(Handlers h) throws IOException {
        ObjectNode answer = h.apply(Operation.APPLY.request().put("source", "the ingress controller's manifest")
                .put("text", IngressAddon.manifest(config.prefix(), "https://" + config.network().apiServiceIp() + ":443",
                        config.kubeDir())));
        if (!answer.path("ok").asBoolean(false)) {
            throw new IOException("could not install the ingress controller: " + answer.path("error").asString("")
                    + " (`vnet up --no-ingress` starts without it)");
        }
        ingressStatus = new IngressStatusController(store);
    }

    private Handlers handlers() {
        Handlers h = new Handlers();
        ResourceApi.register(h, this);
        NodeApi.register(h, this);
        h.add(Operation.DOWN, req -> {
            Thread t = new Thread(() -> {
                sleep(100); // let the answer reach the client first
                close();
            }, "lab-down");
            t.start();
            return Handlers.ok();
        });
        return h;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public dev.vnet.apiserver.ClusterNetwork network() {
        return config.network();
    }

    @Override
    public String proxyMode() {
        return config.proxyMode();
    }

    @Override
    public String outsideNs() {
        return config.outsideNs();
    }

    @Override
    public String[] underlayLink() {
        return new String[] {config.outsideNs(), UNDERLAY_BRIDGE};
    }

    @Override
    public void admitPod(io.fabric8.kubernetes.api.model.Pod pod) throws ApiException {
        Namespaces.admit(dev.vnet.apiserver.api.PodKind.netns(pod), config.prefix());
    }

    @Override
    public boolean runsPod(String key) {
        return nodes.stream().anyMatch(n -> n.pods().containsKey(key));
    }

    @Override
    public List<String> nodeNames() {
        return nodes.stream().map(n -> n.config().name()).toList();
    }

    @Override
    public ClusterStore store() {
        return store;
    }

    @Override
    public List<VnetNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The Service control loop of node {@code i} (0-based). */
    @Override
    public ServiceSync serviceSync(int i) {
        return loops.get(i).services();
    }

    @Override
    public dev.vnet.node.policy.PolicySync policySync(int i) {
        return loops.get(i).policy();
    }

    @Override
    public dev.vnet.node.dns.DnsSync dnsSync(int i) {
        return loops.get(i).dns();
    }

    @Override
    public dev.vnet.node.lease.PeerSync peerSync(int i) {
        return loops.get(i).peers();
    }

    @Override
    public dev.vnet.node.fault.FaultAgent faults() {
        return faults;
    }

    public PodController controller() {
        return controller;
    }

    @Override
    public Instant startedAt() {
        return started;
    }

    public boolean isStopped() {
        return stopped;
    }

    /** Removes everything the lab made: pods, node namespaces, the underlay, the socket and its records. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (kubeApi != null) {
            kubeApi.close();
        }
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (controller != null) {
            controller.close();
        }
        if (ingressStatus != null) {
            ingressStatus.close();
        }
        if (endpoints != null) {
            endpoints.close();
        }
        if (lifecycle != null) {
            lifecycle.close();
        }
        leases.forEach(LeaseKeeper::release);
        loops.forEach(NodeLoops::close);
        if (faults != null) {
            faults.close(); // no fault outlives the lab
        }
        for (VnetNode node : nodes) {
            for (String key : List.copyOf(node.pods().keySet())) {
                String netns = node.pods().get(key).sandbox().spec().netns();
                node.stopPod(key);
                state.removed(netns);
            }
            node.close();
        }
        store.close();
        removeNamespaces(commands, config);
        for (String ns : NamespaceRecord.recorded(config.stateDir())) {
            removeNamespace(commands, ns);
        }
        deleteStateFiles(config.stateDir());
        LOG.info("lab down");
    }

    /**
     * Removes what a crashed lab left in {@code config}'s state directory and namespace prefix: its pods'
     * namespaces (as recorded), the node namespaces and the outside. Does nothing to a live lab.
     */
    public static boolean cleanStale(LabConfig config) {
        Commands quiet = new Commands(config.explain());
        boolean found = false;
        for (String ns : NamespaceRecord.recorded(config.stateDir())) {
            found |= removeNamespace(quiet, ns);
        }
        found |= removeNamespaces(quiet, config);
        deleteStateFiles(config.stateDir());
        return found;
    }

    private static boolean removeNamespaces(Commands commands, LabConfig config) {
        boolean found = false;
        for (int i = 1; i <= LabConfig.MAX_NODES; i++) {
            found |= removeNamespace(commands, config.nodeNs(i));
        }
        found |= removeNamespace(commands, config.outsideNs());
        return found;
    }

    private static boolean removeNamespace(Commands commands, String ns) {
        if (!NetNs.exists(ns)) {
            return false;
        }
        Namespaces.killProcessesIn(commands, ns);
        commands.tryRun("ip", "netns", "del", ns);
        Path etc = Path.of("/etc/netns", ns);
        deleteTree(etc);
        return true;
    }

    private static void deleteStateFiles(Path dir) {
        for (String f : List.of("namespaces", "namespaces.tmp", "lab.pid", "vnet.sock", "kubeconfig", "kube/server")) {
            try {
                Files.deleteIfExists(dir.resolve(f));
            } catch (IOException ignored) {
                // Left for the next cleanup.
            }
        }
        deleteTree(dir.resolve("logs"));
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort.
        }
    }
}
