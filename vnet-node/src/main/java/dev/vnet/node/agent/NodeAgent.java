package dev.vnet.node.agent;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.controller.EndpointsController;
import dev.vnet.apiserver.controller.IngressStatusController;
import dev.vnet.apiserver.controller.NodeLifecycle;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.ResourceApi;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.Stores;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.Privileges;
import dev.vnet.node.NodeConfig;
import dev.vnet.node.VnetNode;
import dev.vnet.node.agent.PodController;
import dev.vnet.node.api.NodeApi;
import dev.vnet.node.api.NodeHost;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.lease.LeaseKeeper;
import dev.vnet.node.lease.NodeRegistration;
import dev.vnet.node.pod.NamespaceRecord;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import io.fabric8.kubernetes.api.model.Node;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One node of a multi-machine cluster as its own process ({@code vnet node}): kubelet, kube-proxy and flanneld
 * in one. It joins through the store (its Node and subnet lease), runs its node's data plane, pods, DNS and
 * Services, and serves the node API (node-local views: conntrack, stats, capture, trace, logs) on its underlay
 * address, to requests carrying the cluster token.
 *
 * <p>Stopping it (SIGTERM) or killing it leaves its pods in place: their namespaces and persistent TAPs stay,
 * and the next start re-attaches them from the store with the same IPs and MACs. The control-plane node also
 * runs the cluster-wide loops: Endpoints, and node health from the leases.
 */
public final class NodeAgent implements ApiBackend, NodeHost, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeAgent.class.getName());
    /** The node API's port: the one kubelet's API uses. */
    /** kube-apiserver's port: every node process serves the Kubernetes API on its underlay address. */
    public static final int DEFAULT_API_PORT = KubeApiServer.DEFAULT_PORT;
    public static final Path DEFAULT_TOKEN_FILE = Path.of("/etc/vnet/token");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/vnet");
    /** The prefix of the lab's own namespaces, which pods may not be named after. */
    public static final String DEFAULT_PREFIX = "vnet-";

    /**
     * @param iface   the interface holding the underlay address, or null to find the one with an address in
     *                {@code underlay} (never the default route's: under Vagrant that is the NAT interface)
     * @param prefix  the prefix of lab namespaces pods may not be named after
     */
    public record Settings(String name, String store, String iface, Cidr underlay, Cidr podCidr, Cidr serviceCidr,
                           Path tokenFile, Duration leaseTtl, Path stateDir, boolean controlPlane, int apiPort,
                           String proxyMode, String prefix) {
        public static Settings defaults(String name, String store) {
            ClusterNetwork d = ClusterNetwork.defaults();
            return new Settings(name, store, null, d.underlay(), d.podCidr(), d.serviceCidr(), DEFAULT_TOKEN_FILE,
                    LeaseKeeper.DEFAULT_TTL, DEFAULT_STATE_DIR, false, DEFAULT_API_PORT, "iptables",
                    DEFAULT_PREFIX);
        }
    }

    private final Settings settings;
    private final Commands commands = new Commands(null);
    private final List<AutoCloseable> running = new ArrayList<>();
    private final DnsLog dnsLog = new DnsLog();
    private final FlowLog flowLog = new FlowLog();
    private final Instant started = Instant.now();
    private ClusterStore store;
    private ClusterNetwork network;
    private VnetNode node;
    private NodeLoops loops;
    private dev.vnet.node.fault.FaultAgent faults;
    private ServiceAllocator allocator;
    private LeaseKeeper lease;
    private volatile PodController controller;
    private KubeApiServer api;
    private String caPem;
    private ScheduledExecutorService housekeeping;
    private volatile boolean stopped;
    /** The store answered this start (the node registered): a later outage is waited out, not reported. */
    private boolean registered;
    private String underlayIface;
    private String token;

    private NodeAgent(Settings settings) {
        this.settings = settings;
    }

    /** Joins the cluster and starts the node; on failure undoes what it started (pods are left in place). */
    public static NodeAgent start(Settings settings) throws ApiException {
        String problem = Privileges.whyNotUsable();
        if (problem != null) {
            throw new ApiException(problem);
        }
        // A store that answered and then went away in the middle of the start (etcd restarting) is waited out, as
        // a kubelet keeps trying: what was started is undone and the start begins again, pods left in place and
        // re-attached. A store that never answered is reported at once (is etcd running?).
        long until = System.nanoTime() + STORE_WAIT.toNanos();
        while (true) {
            NodeAgent agent = new NodeAgent(settings);
            try {
                agent.build();
                return agent;
            } catch (IOException | RuntimeException | ClusterStore.ConflictException | ApiException e) {
                agent.close();
                if (!agent.registered || !storeDown(e) || System.nanoTime() > until) {
                    throw e instanceof ApiException a ? a
                            : new ApiException("node " + settings.name() + " could not start: " + e.getMessage(), e);
                }
                LOG.warning("node start waits for the store: node=" + settings.name() + " error=" + e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ApiException("node " + settings.name() + " could not start: interrupted");
                }
            }
        }
    }

    /** True if {@code e} comes of the store not answering (it may be wrapped by the step that needed it). */
    private static boolean storeDown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClusterStore.UnavailableException) {
                return true;
            }
        }
        return false;
    }

    /** How long a start waits for a store that does not answer before it gives up. */
    private static final java.time.Duration STORE_WAIT = java.time.Duration.ofSeconds(60);

    private void build() throws IOException, ClusterStore.ConflictException, ApiException {
        token = readToken(settings.tokenFile());
        Ipv4Address underlayIp = UnderlayAddress.find(commands, settings.iface(), settings.underlay());
        underlayIface = settings.iface() != null ? settings.iface() : UnderlayAddress.ifaceOf(commands, underlayIp);
        String netns = ownNamespace();
        Path stateDir = settings.stateDir().resolve(settings.name());
        Files.createDirectories(stateDir.resolve("logs"));
        Files.setPosixFilePermissions(settings.stateDir(), PosixFilePermissions.fromString("rwx------"));
        store = Stores.open(settings.store());
        Cidr subnet = NodeRegistration.register(store, settings.name(), underlayIp, settings.podCidr());
        registered = true;
        network = new ClusterNetwork(settings.podCidr(), settings.underlay(), settings.serviceCidr(), 1450,
                "cluster.local");
        int index = (subnet.network().bits() >>> 8) & 0xff;
        NodeConfig nc = new NodeConfig(settings.name(), index, netns, subnet, subnet.host(1), underlayIp, network.mtu(),
                network.dnsIp(), network.clusterDomain(), stateDir.resolve("logs"), settings.podCidr(),
                settings.serviceCidr());
        allocator = ServiceAllocator.forNetwork(network);

        node = new VnetNode(nc, commands, System::nanoTime, key -> refresh(key));
        node.setPersistentPods(true);
        node.setUnderlayLink(underlayIface); // NodePorts arrive here (eth1 on a Vagrant VM, not eth0)
        node.startDataPlane();
        if (settings.controlPlane()) {
            ClusterBootstrap.ensureNamespaces(store);
            ClusterBootstrap.ensureDnsService(store, network);
        }
        faults = dev.vnet.node.fault.FaultAgent.start(store, java.util.Set.of(settings.name()));
        running.add(faults);
        node.injectFaults(faults.table(), faults.engine());
        loops = NodeLoops.start(node, store, new NodeLoops.Settings(network, settings.proxyMode(), null, underlayIface,
                null), dnsLog, flowLog, commands, faults);
        running.add(loops);
        lease = new LeaseKeeper(store, settings.name(), subnet, underlayIp, settings.leaseTtl()).start();
        controller = new PodController(store, List.of(node), NamespaceRecord.resume(stateDir), true);
        if (settings.controlPlane()) {
            running.add(new EndpointsController(store));
            running.add(new NodeLifecycle(store));
            running.add(new IngressStatusController(store));
        }
        // The Kubernetes API (and vnet.dev/v1) on this node's underlay address, under the cluster's one CA, with the
        // cluster token: any node answers a client, which fails over to the next when one does not.
        KubeCredentials credentials = KubeCredentials.shared(store, token, List.of(underlayIp.toString()));
        caPem = credentials.caPem();
        // As kubeadm leaves the CA on every node (/etc/kubernetes/pki/ca.crt): what a client on this machine trusts.
        Files.createDirectories(stateDir.resolve("pki"));
        Files.writeString(stateDir.resolve("pki").resolve("ca.crt"), caPem);
        api = KubeApiServer.listenOn(this, dev.vnet.apiserver.api.Kinds.builtIn(), credentials,
                new InetSocketAddress(InetAddress.getByAddress(underlayIp.toBytes()), settings.apiPort()));
        api.operations(handlers(), NodeApi.streaming(this));
        api.podStreams(new dev.vnet.node.streams.KubeletStreams(this));
        api.proxyPodStreams(this::apiOfPodNode, caPem);
        if (settings.controlPlane()) {
            ClusterBootstrap.ensureApiService(store, network, underlayIp, settings.apiPort());
        }
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "housekeeping");
            t.setDaemon(true);
            return t;
        });
        housekeeping.scheduleWithFixedDelay(node::housekeeping, 10, 10, TimeUnit.SECONDS);
        LOG.info("node up: node=" + settings.name() + " store=" + store.describe() + " subnet=" + subnet
                + " underlay=" + underlayIp + " api=" + api.url() + " netns=" + netns
                + (settings.controlPlane() ? " control-plane" : ""));
    }

    /** The API a node process serves: the resource verbs over the store, and this node's own. */
    private Handlers handlers() {
        Handlers h = new Handlers();
        ResourceApi.register(h, this);
        NodeApi.register(h, this);
        h.add(Operation.DOWN, req -> Handlers.error("this is a node of a cluster, not a lab: stop the lab with `vnet down` "
                + "where it was started"));
        return h;
    }

    private void refresh(String key) {
        PodController c = controller;
        if (c != null) {
            c.refresh(key);
        }
    }

    /** The cluster token: one line in a file only root may read. */
    static String readToken(Path file) throws ApiException {
        try {
            String token = Files.readString(file).strip();
            if (token.isEmpty()) {
                throw new ApiException("the cluster token file " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new ApiException("cannot read the cluster token " + file + " (" + e.getMessage()
                    + "): it is made at bootstrap; pass --token-file");
        }
    }

    /**
     * The name of the network namespace this process runs in: a node namespace of the local lab, or, on a VM,
     * the VM's own namespace, which is given the name vnet-NODE so the node can address it like a lab one.
     */
    private String ownNamespace() throws IOException {
        String pid = Long.toString(ProcessHandle.current().pid());
        String names = commands.run("ip", "netns", "identify", pid).strip();
        if (!names.isEmpty()) {
            return names.split("\\s+")[0];
        }
        String name = settings.prefix() + settings.name();
        if (!dev.vnet.core.linux.NetNs.exists(name)) {
            commands.run("ip", "netns", "attach", name, pid);
        }
        return name;
    }

    public VnetNode node() {
        return node;
    }

    @Override
    public ClusterNetwork network() {
        return network;
    }

    @Override
    public String proxyMode() {
        return settings.proxyMode();
    }

    @Override
    public String outsideNs() {
        return settings.prefix() + "outside";
    }

    @Override
    public void admitPod(io.fabric8.kubernetes.api.model.Pod pod) throws ApiException {
        dev.vnet.node.pod.Namespaces.admit(dev.vnet.apiserver.api.PodKind.netns(pod), settings.prefix());
    }

    @Override
    public boolean runsPod(String key) {
        VnetNode n = node;
        return n != null && n.pods().containsKey(key);
    }

    @Override
    public boolean nodesDeletable() {
        return true;
    }

    @Override
    public ClusterStore store() {
        return store;
    }

    @Override
    public ServiceAllocator allocator() {
        return allocator;
    }

    @Override
    public List<VnetNode> nodes() {
        return node == null ? List.of() : List.of(node);
    }

    @Override
    public List<String> nodeNames() {
        return store.list(NodeKind.KIND).stream().map(NodeKind::name).sorted().toList();
    }

    @Override
    public ServiceSync serviceSync(int i) {
        return loops.services();
    }

    @Override
    public dev.vnet.node.policy.PolicySync policySync(int i) {
        return loops.policy();
    }

    @Override
    public dev.vnet.node.dns.DnsSync dnsSync(int i) {
        return loops.dns();
    }

    @Override
    public dev.vnet.node.lease.PeerSync peerSync(int i) {
        return loops.peers();
    }

    @Override
    public dev.vnet.node.fault.FaultAgent faults() {
        return faults;
    }

    @Override
    public DnsLog dnsLog() {
        return dnsLog;
    }

    @Override
    public FlowLog flowLog() {
        return flowLog;
    }

    @Override
    public Instant startedAt() {
        return started;
    }

    /** This node's own underlay interface: where its VXLAN packets leave and arrive. */
    @Override
    public String[] underlayLink() {
        return new String[] {node.config().netns(), underlayIface};
    }

    /** The API of the node that runs pod {@code key} when that is another node; null for this one or none. */
    private InetSocketAddress apiOfPodNode(String key) {
        String nodeName = store.get(PodKind.KIND, key).map(v -> PodKind.nodeName(v.value())).orElse(null);
        if (nodeName == null || nodeName.equals(settings.name())) {
            return null;
        }
        return store.get(NodeKind.KIND, ClusterStore.key("", nodeName)).map(v -> NodeKind.internalIp(v.value()))
                .map(ip -> new InetSocketAddress(ip, settings.apiPort())).orElse(null);
    }

    /** The other live nodes' APIs, found in the store (their leases and InternalIPs). */
    @Override
    public List<ApiClient> otherNodes() {
        java.util.Set<String> live = new java.util.HashSet<>();
        store.list(SubnetLeaseKind.KIND).forEach(l -> live.add(l.spec().node()));
        List<ApiClient> out = new ArrayList<>();
        for (Node n : store.list(NodeKind.KIND)) {
            String ip = NodeKind.internalIp(n);
            if (NodeKind.name(n).equals(settings.name()) || !live.contains(NodeKind.name(n)) || ip == null) {
                continue;
            }
            try {
                out.add(ApiClient.https(java.net.URI.create("https://" + ip + ":" + settings.apiPort()), caPem, token));
            } catch (ApiException e) {
                LOG.warning("cannot reach node " + NodeKind.name(n) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * Stops the node process and leaves its pods for the next start: containers stop, descriptors close, the
     * pods' namespaces and persistent TAPs stay. The lease is not revoked: it runs out unless a new run renews it.
     */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (api != null) {
            api.close();
        }
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
        if (controller != null) {
            controller.close();
        }
        if (lease != null) {
            lease.close();
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                LOG.fine("closing " + running.get(i) + ": " + e);
            }
        }
        if (node != null) {
            node.detachPods();
            node.close();
        }
        if (store != null) {
            store.close();
        }
        LOG.info("node stopped: node=" + settings.name() + " (pods left in place)");
    }
}
