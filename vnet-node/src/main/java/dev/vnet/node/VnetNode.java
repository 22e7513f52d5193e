package dev.vnet.node;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.TapDevice;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.conntrack.Timeouts;
import dev.vnet.nat.service.IptablesTable;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.node.dns.ClusterDns;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.dns.DnsServer;
import dev.vnet.node.pod.Ipam;
import dev.vnet.node.pod.PodSandbox;
import dev.vnet.node.router.IpSink;
import dev.vnet.node.router.NodeRouter;
import dev.vnet.node.workload.Agnhost;
import dev.vnet.node.workload.CommandContainer;
import dev.vnet.node.workload.EchoServer;
import dev.vnet.node.workload.Images;
import dev.vnet.node.workload.NginxServer;
import dev.vnet.node.workload.PauseContainer;
import dev.vnet.node.workload.PodInfo;
import dev.vnet.node.workload.WhoamiServer;
import dev.vnet.node.workload.Workload;
import dev.vnet.overlay.PeerTable;
import dev.vnet.overlay.UdpTransport;
import dev.vnet.overlay.Vtep;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * One node's data plane and pods: the bridge with its gateway port, host-local IPAM, and the pods placed
 * here. The node's controller calls {@link #startPod} and {@link #stopPod}; everything else reads.
 */
public final class VnetNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VnetNode.class.getName());
    public static final int DEFAULT_WHOAMI_PORT = 8080;
    public static final int DEFAULT_ECHO_PORT = 7;
    public static final int DEFAULT_NGINX_PORT = 80;
    /** The node TUN's name, as in ARCHITECTURE.md. */
    public static final String TUN_NAME = "vnet0";
    /** The NodePort range, as policy-routing rules take it, and the routing table that sends it to vnet0. */
    public static final String NODE_PORTS = "30000-32767";
    /**
     * Where the DNS Service IP lives in the node's namespace. NodeLocal DNSCache uses a dummy interface; the
     * node's loopback does the same job and needs no kernel module.
     */
    public static final String DNS_LINK = "lo";
    public static final String NODE_PORT_TABLE = "100";

    private final NodeConfig config;
    private final Commands commands;
    private final LongSupplier clock;
    private final Bridge bridge;
    private final GatewayPort gateway;
    private final Ipam ipam;
    private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();
    private final Consumer<String> podChanged;
    private final PeerTable peers = new PeerTable();
    private final Vtep vtep;
    private final NodeRouter router;
    private final ServiceProxy proxy;
    private volatile UdpTransport transport;
    private DnsServer dnsServer;
    private TapDevice tun;
    private Thread tunReader;
    private volatile boolean running = true;
    /** Pods' TAPs outlive this process, so a restarted node process re-attaches its pods (node processes). */
    private volatile boolean persistentPods;
    private volatile String underlayLink = "eth0";

    /**
     * @param podChanged told the key of a pod whose status changed by itself (a container exited)
     */
    public VnetNode(NodeConfig config, Commands commands, LongSupplier clock, Consumer<String> podChanged) {
        this.config = config;
        this.commands = commands;
        this.clock = clock;
        this.podChanged = podChanged;
        this.bridge = new Bridge("br-" + config.name());
        this.gateway = new GatewayPort(bridge, config.gateway().bits(), MacAddress.forPodIp(config.gateway()).bits());
        this.ipam = new Ipam(config.podSubnet(), config.gateway());
        this.vtep = new Vtep(Vtep.DEFAULT_VNI, peers, new dev.vnet.overlay.UnderlaySender() {
            @Override
            public boolean send(dev.vnet.overlay.Peer peer, int vni, int hash, ByteBuffer frame, int len) {
                UdpTransport t = transport;
                return t != null && t.send(peer, vni, hash, frame, len);
            }

            @Override
            public int sourcePortFor(int hash) {
                UdpTransport t = transport;
                return t == null ? -1 : t.sourcePortFor(hash);
            }

            @Override
            public boolean sendsSegmented() {
                UdpTransport t = transport;
                return t != null && t.sendsSegmented();
            }

            @Override
            public boolean sendSegmented(dev.vnet.overlay.Peer peer, int hash, ByteBuffer batch, int length,
                                         int datagramLength) {
                UdpTransport t = transport;
                return t != null && t.sendSegmented(peer, hash, batch, length, datagramLength);
            }
        });
        vtep.setNodeName(config.name());
        this.router = new NodeRouter(config.podSubnet(), config.podCidr(), config.tunIp().bits(),
                config.vtepMac().bits(), config.mtu(), gateway, bridge, vtep);
        this.proxy = new ServiceProxy(new Conntrack(Conntrack.DEFAULT_MAX, Timeouts.defaults()),
                config.tunIp().bits(), config.serviceCidr(), new IptablesTable(List.of(), config.underlayIp().bits()));
        router.setProxy(proxy);
        router.setNodeName(config.name());
        proxy.setNodeName(config.name());
    }

    public ServiceProxy proxy() {
        return proxy;
    }

    /** Sends this node's flow events to {@code log}: the router's drops, and each Service translation. */
    public void logFlowsTo(dev.vnet.node.router.FlowLog log) {
        String name = config.name();
        router.setFlowLog(log);
        proxy.setListener((entry, match, endpoint, reason) -> log.add(name,
                entry.protocol() == 6 ? "tcp" : entry.protocol() == 17 ? "udp" : "icmp",
                Ipv4Address.toString(entry.origSrcIp()) + ":" + entry.origSrcPort(),
                Ipv4Address.toString(entry.origDstIp()) + ":" + entry.origDstPort(), "translated",
                match.port().name() + " → " + endpoint + " (" + reason + ")" + (entry.snat() ? ", SNAT" : "")));
    }

    /** The node's interface on the underlay (eth0 in a local lab; eth1 on a Vagrant VM), set before the data plane. */
    public void setUnderlayLink(String link) {
        this.underlayLink = link;
    }

    /** Makes pods' TAPs persistent, for a node process that must keep its pods across a restart. */
    public void setPersistentPods(boolean persistent) {
        this.persistentPods = persistent;
    }

    /**
     * Brings up the node's devices inside its namespace: the TUN {@code vnet0} (10.244.N.0/32, with routes for
     * the pod and Service CIDRs into the data plane) and the VXLAN UDP sockets on the underlay address.
     */
    public void startDataPlane() throws IOException {
        String ns = config.netns();
        String tunAddr = config.tunIp().toString();
        // IPv4 only, as in pods: the node's kernel would otherwise send IPv6 router solicitations into vnet0.
        commands.run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        commands.tryRun("ip", "-n", ns, "link", "del", TUN_NAME); // a persistent one from an older run
        tun = NetNs.call(ns, () -> TapDevice.create(TUN_NAME, TapDevice.Kind.TUN, TapDevice.offloadsWanted()));
        commands.run("ip", "-n", ns, "addr", "add", tunAddr + "/32", "dev", TUN_NAME);
        commands.run("ip", "-n", ns, "link", "set", TUN_NAME, "mtu", Integer.toString(config.mtu()), "up");
        commands.run("ip", "-n", ns, "route", "add", config.podCidr().toString(), "dev", TUN_NAME, "src", tunAddr);
        commands.run("ip", "-n", ns, "route", "add", config.serviceCidr().toString(), "dev", TUN_NAME, "src", tunAddr);
        // NodePorts and LoadBalancer IPs arrive at the node's kernel from the underlay: forward them into
        // the data plane. NodePort traffic to the node's own address is policy-routed to vnet0 before the
        // kernel would deliver it locally (the local table moves after our rules); replies written back
        // into vnet0 carry the node's own address as source, which the kernel must accept there.
        commands.run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1",
                "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                "net.ipv4.conf." + TUN_NAME + ".rp_filter=0", "net.ipv4.conf." + TUN_NAME + ".accept_local=1");
        // A restarted node process finds its namespace as the last one left it: clear our rules first.
        for (String pref : List.of("100", "101", "32000")) {
            while (commands.tryRun("ip", "-n", ns, "rule", "del", "pref", pref).ok()) {
                // One rule per call.
            }
        }
        for (String proto : List.of("tcp", "udp")) {
            commands.run("ip", "-n", ns, "rule", "add", "pref", proto.equals("tcp") ? "100" : "101", "iif", underlayLink,
                    "ipproto", proto, "dport", NODE_PORTS, "lookup", NODE_PORT_TABLE);
        }
        commands.run("ip", "-n", ns, "route", "add", "default", "dev", TUN_NAME, "table", NODE_PORT_TABLE);
        commands.run("ip", "-n", ns, "rule", "add", "pref", "32000", "lookup", "local");
        commands.tryRun("ip", "-n", ns, "rule", "del", "pref", "0", "lookup", "local"); // gone after a restart
        TapDevice device = tun;
        router.setTun(new IpSink() {
            @Override
            public boolean send(ByteBuffer buf, int offset, int length) {
                return device.write(buf, offset, length);
            }

            @Override
            public boolean takesOffloads() {
                return device.takesOffloads();
            }

            @Override
            public boolean send(ByteBuffer buf, int offset, int length, long offload) {
                return device.write(buf, offset, length, offload);
            }
        });
        tunReader = new Thread(() -> readTun(device), "tun-" + config.name());
        tunReader.setDaemon(true);
        tunReader.start();
        transport = UdpTransport.open(config.name(), config.underlayIp(), new UdpTransport.InNamespace() {
            @Override
            public <T> T call(java.util.concurrent.Callable<T> work) throws IOException {
                return NetNs.call(ns, work);
            }
        }, () -> vtep, clock);
        LOG.info("node data plane up: node=" + config.name() + " subnet=" + config.podSubnet() + " underlay="
                + config.underlayIp() + " vtepMac=" + config.vtepMac() + " tun=" + TUN_NAME + " " + tunAddr);
    }

    /**
     * Starts the node's cluster DNS at the DNS Service IP: the node's loopback holds the address inside its
     * namespace (as NodeLocal DNSCache's dummy interface does), a server answers there, and the router steers
     * pods' DNS to it before the Service stage.
     */
    /** The faults injected into this node's data path (its pods' ports, its tunnels), or none yet. */
    private volatile dev.vnet.fault.FaultTable faults;
    private volatile dev.vnet.fault.FaultEngine faultEngine;

    /** From now on, frames at this node's pod ports and tunnels meet the faults of {@code table}. */
    public void injectFaults(dev.vnet.fault.FaultTable table, dev.vnet.fault.FaultEngine engine) {
        this.faultEngine = engine;
        this.faults = table;
        router.setFaults(table, engine, config.name(), vtep);
        for (RunningPod p : pods.values()) {
            injectFaults(p.pod(), p.sandbox());
        }
    }

    /** The node's DNS server, or null before {@link #startDns}. */
    public DnsServer dnsServer() {
        return dnsServer;
    }

    public void startDns(ClusterDns dns, DnsLog log, java.net.InetSocketAddress upstream) throws IOException {
        String ns = config.netns();
        commands.run("ip", "-n", ns, "addr", "replace", config.dnsServer() + "/32", "dev", DNS_LINK);
        dnsServer = new DnsServer(config.name(), ns, java.net.InetAddress.getByAddress(config.dnsServer().toBytes()),
                dns, log, upstream);
        router.setLocalDns(config.dnsServer().bits());
    }

    private void readTun(TapDevice device) {
        ByteBuffer buf = router.threadBuffer();
        try {
            while (running) {
                int n = device.read(buf, EthernetFrame.HEADER_LEN);
                if (n < 0) {
                    return;
                }
                router.fromTun(buf, n, device.lastOffload(), clock.getAsLong());
                dev.vnet.core.linux.AnswerPickup.collect();
            }
        } catch (IOException e) {
            if (running) {
                LOG.warning("node TUN stopped reading: node=" + config.name() + " error=" + e.getMessage());
            }
        }
    }

    public PeerTable peers() {
        return peers;
    }

    /**
     * Sends one UDP datagram from this node's namespace to {@code peer}'s TUN address (port 9, discard): through
     * vnet0, the router, the VTEP and the underlay, and the peer's kernel answers "port unreachable" the same way
     * back. A tunnel's first crossing costs some 10 ms of one-time work (the sockets' first system calls, the
     * receive loop's first buffers, classes loaded on first use); this spends it before a pod's first packet
     * does. It counts as one datagram each way in the VXLAN counters. On a thread of its own: never blocks.
     */
    public void warmTunnel(dev.vnet.overlay.Peer peer) {
        if (transport == null || !running) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                java.net.InetAddress to = java.net.InetAddress.getByAddress(peer.podSubnet().network().toBytes());
                NetNs.call(config.netns(), () -> {
                    try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                        s.send(new java.net.DatagramPacket(new byte[] {0}, 1, to, 9));
                    }
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                LOG.fine("no first packet to " + peer.nodeName() + ": " + e.getMessage()); // a pod's packet pays instead
            }
        }, "warm-" + config.name() + "-" + peer.nodeName());
        t.setDaemon(true);
        t.start();
    }

    public Vtep vtep() {
        return vtep;
    }

    public NodeRouter router() {
        return router;
    }

    /** The node's VXLAN sockets (they choose each flow's outer source port); null before the data plane is up. */
    public UdpTransport transport() {
        return transport;
    }

    public NodeConfig config() {
        return config;
    }

    public Bridge bridge() {
        return bridge;
    }

    public GatewayPort gateway() {
        return gateway;
    }

    public Map<String, RunningPod> pods() {
        return pods;
    }

    public static String key(Pod pod) {
        return PodKind.key(pod);
    }

    /**
     * Builds the pod's sandbox and starts its containers; returns the status to record. On failure nothing
     * of the pod is left and the status says Failed with the reason.
     */
    public PodStatus startPod(Pod pod) {
        String key = key(pod);
        RunningPod existing = pods.get(key);
        if (existing != null) {
            return existing.status(config.underlayIp().toString());
        }
        Ipv4Address ip;
        try {
            ip = ipam.allocate(key);
        } catch (IllegalStateException e) {
            return failed(e.getMessage());
        }
        PodSandbox sandbox;
        try {
            sandbox = PodSandbox.create(sandboxSpec(pod, ip), commands, bridge, clock, persistentPods);
        } catch (IOException | RuntimeException e) {
            ipam.release(key);
            LOG.warning("pod failed to start: pod=" + key + " node=" + config.name() + " error=" + e.getMessage());
            return failed(e.getMessage());
        }
        PodStatus status = startContainers(pod, key, ip, sandbox);
        if (pods.containsKey(key)) {
            LOG.info("pod started: pod=" + key + " node=" + config.name() + " ip=" + ip);
        }
        return status;
    }

    /**
     * Takes back a pod that a previous run of this node process started: re-attaches its persistent TAP (same
     * namespace, IP and MAC) and starts its containers again; if its network is gone, builds it anew with the
     * same IP. Returns the status to record.
     */
    public PodStatus adoptPod(Pod pod, Ipv4Address ip) {
        String key = key(pod);
        RunningPod existing = pods.get(key);
        if (existing != null) {
            return existing.status(config.underlayIp().toString());
        }
        try {
            ipam.reserve(key, ip);
        } catch (IllegalStateException e) {
            return failed(e.getMessage());
        }
        PodSandbox.Spec spec = sandboxSpec(pod, ip);
        PodSandbox sandbox;
        try {
            dev.vnet.node.pod.Namespaces.killProcessesIn(commands, spec.netns()); // containers of the last run
            sandbox = PodSandbox.attach(spec, commands, bridge, clock);
            LOG.info("pod re-attached: pod=" + key + " node=" + config.name() + " ip=" + ip);
        } catch (IOException | RuntimeException e) {
            LOG.info("pod network not re-attachable (" + e.getMessage() + "): rebuilding pod=" + key);
            ipam.release(key);
            if (NetNs.exists(spec.netns())) {
                commands.tryRun("ip", "netns", "del", spec.netns());
            }
            try {
                ipam.reserve(key, ip);
                sandbox = PodSandbox.create(spec, commands, bridge, clock, persistentPods);
            } catch (IOException | RuntimeException e2) {
                ipam.release(key);
                return failed(e2.getMessage());
            }
        }
        return startContainers(pod, key, ip, sandbox);
    }

    private PodSandbox.Spec sandboxSpec(Pod pod, Ipv4Address ip) {
        String name = PodKind.name(pod);
        String hostname = pod.getSpec().getHostname() != null ? pod.getSpec().getHostname() : name;
        return new PodSandbox.Spec(PodKind.netns(pod), name, PodKind.namespace(pod), hostname, ip, config.podSubnet(),
                config.gateway(), config.mtu(), config.dnsServer(), config.clusterDomain());
    }

    /** The name a fault gives a pod: NAME in default, NAMESPACE/NAME elsewhere (as `vnet fault add --pod`). */
    static String faultName(String namespace, String name) {
        return dev.vnet.apiserver.api.NamespaceKind.DEFAULT.equals(namespace) ? name : namespace + "/" + name;
    }

    private void injectFaults(Pod pod, PodSandbox sandbox) {
        dev.vnet.fault.FaultTable t = faults;
        if (t != null) {
            sandbox.port().injectFaults(t.pod(config.name(), faultName(PodKind.namespace(pod), PodKind.name(pod))),
                    faultEngine, config.name());
        }
    }

    private PodStatus startContainers(Pod pod, String key, Ipv4Address ip, PodSandbox sandbox) {
        injectFaults(pod, sandbox);
        List<Workload> started = new ArrayList<>();
        try {
            PodInfo info = new PodInfo(PodKind.name(pod), PodKind.namespace(pod), sandbox.spec().netns(), ip.toString(),
                    config.name(), sandbox.spec().hostname());
            Path logs = config.logDir().resolve(PodKind.netns(pod)); // unique on the node, as the netns
            Files.createDirectories(logs);
            for (Container c : pod.getSpec().getContainers()) {
                started.add(startContainer(key, c, info, logs.resolve(c.getName() + ".log")));
            }
            RunningPod running = new RunningPod(pod, sandbox, started, Instant.now().toString());
            PodStatus status = running.status(config.underlayIp().toString());
            pods.put(key, running); // only once nothing can fail any more: a listed pod is a whole pod
            router.podAdded(ip.bits(), sandbox.mac().bits());
            return status;
        } catch (IOException | RuntimeException e) {
            started.forEach(Workload::close);
            sandbox.close();
            ipam.release(key);
            LOG.warning("pod failed to start: pod=" + key + " node=" + config.name() + " error=" + e.getMessage());
            return failed(e.getMessage());
        }
    }

    /**
     * Lets go of every pod without removing it (a node process stopping for a restart): containers stop,
     * descriptors close, persistent TAPs and namespaces stay for {@link #adoptPod}.
     */
    public void detachPods() {
        for (String key : List.copyOf(pods.keySet())) {
            RunningPod p = pods.remove(key);
            if (p == null) {
                continue;
            }
            router.podRemoved(p.sandbox().spec().ip().bits());
            p.workloads().forEach(Workload::close);
            p.sandbox().detach();
            ipam.release(key);
        }
    }

    /**
     * Starts one container as {@link Images} decides from its image, command and args: a host program in the
     * pod's namespace, or a server vnet runs itself there.
     */
    private Workload startContainer(String key, Container c, PodInfo info, Path log) throws IOException {
        Files.deleteIfExists(log);
        Files.createFile(log);
        Images.Launch launch;
        try {
            launch = Images.resolve(c.getImage(), c.getCommand(), c.getArgs());
        } catch (IllegalArgumentException e) {
            throw new IOException("container " + c.getName() + ": " + e.getMessage(), e);
        }
        if (launch instanceof Images.Run run) {
            Map<String, String> env = new HashMap<>();
            c.getEnv().forEach(e -> env.put(e.getName(), e.getValue() == null ? "" : e.getValue()));
            return new CommandContainer(c.getName(), info, run.argv(), List.of(), env, log,
                    Boolean.TRUE.equals(c.getStdin()), Boolean.TRUE.equals(c.getTty()), w -> podChanged.accept(key));
        }
        Images.Builtin builtin = (Images.Builtin) launch;
        return switch (builtin.image()) {
            case "whoami" -> new WhoamiServer(c.getName(), info, PodKind.firstPort(c, DEFAULT_WHOAMI_PORT), log);
            case "echo" -> new EchoServer(c.getName(), info, PodKind.firstPort(c, DEFAULT_ECHO_PORT), log);
            case "nginx" -> new NginxServer(c.getName(), info, NginxServer.Page.WELCOME,
                    PodKind.firstPort(c, DEFAULT_NGINX_PORT), log);
            case "nginxdemos/hello" -> new NginxServer(c.getName(), info, NginxServer.Page.HELLO,
                    PodKind.firstPort(c, DEFAULT_NGINX_PORT), log);
            case "agnhost" -> Agnhost.start(c.getName(), info, builtin.args(), log);
            case "pause" -> new PauseContainer(c.getName(), log);
            case PodKind.INGRESS_CONTROLLER_IMAGE -> new CommandContainer(c.getName(), info,
                    dev.vnet.node.ingress.IngressAddon.command(), builtin.args(), Map.of(), log,
                    w -> podChanged.accept(key));
            default -> throw new IOException("container " + c.getName() + ": the node cannot run built-in image "
                    + builtin.image()); // a name PodKind knows that this switch lacks: a bug
        };
    }

    private static PodStatus failed(String why) {
        return new PodStatusBuilder().withPhase("Failed").withReason("SandboxFailed").withMessage(why).build();
    }

    /** The current status of a pod running here, or null. */
    public PodStatus status(String key) {
        RunningPod p = pods.get(key);
        return p == null ? null : p.status(config.underlayIp().toString());
    }

    /** Stops the pod's containers and removes its network; harmless if it is not here. */
    public void stopPod(String key) {
        RunningPod p = pods.get(key);
        if (p == null) {
            return;
        }
        router.podRemoved(p.sandbox().spec().ip().bits());
        p.stop();
        ipam.release(key);
        pods.remove(key); // last: a pod listed here still has (some of) its namespace
        LOG.info("pod stopped: pod=" + key + " node=" + config.name());
    }

    /** Periodic upkeep: ages the FDB, the neighbour cache, conntrack, ClientIP affinity and policy's connections. */
    public void housekeeping() {
        long now = clock.getAsLong();
        bridge.fdb().expire(now);
        gateway.neighbors().expire(now);
        proxy.conntrack().expire(now);
        proxy.affinity().expire(now);
        router.policyConnections().expire(now);
    }

    @Override
    public void close() {
        running = false;
        for (String key : List.copyOf(pods.keySet())) {
            stopPod(key);
        }
        if (dnsServer != null) {
            dnsServer.close();
        }
        UdpTransport t = transport;
        transport = null;
        if (t != null) {
            t.close();
        }
        if (tun != null) {
            tun.close();
        }
    }
}
