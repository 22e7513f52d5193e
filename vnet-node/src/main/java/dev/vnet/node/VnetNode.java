package dev.vnet.node;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.linux.Commands;
import dev.vnet.node.model.Pod;
import dev.vnet.node.pod.Ipam;
import dev.vnet.node.pod.PodSandbox;
import dev.vnet.node.workload.CommandContainer;
import dev.vnet.node.workload.EchoServer;
import dev.vnet.node.workload.PodInfo;
import dev.vnet.node.workload.WhoamiServer;
import dev.vnet.node.workload.Workload;
import java.io.IOException;
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

    private final NodeConfig config;
    private final Commands commands;
    private final LongSupplier clock;
    private final Bridge bridge;
    private final GatewayPort gateway;
    private final Ipam ipam;
    private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();
    private final Consumer<String> podChanged;

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
        return pod.namespace() + "/" + pod.name();
    }

    /**
     * Builds the pod's sandbox and starts its containers; returns the status to record. On failure nothing
     * of the pod is left and the status says Failed with the reason.
     */
    public Pod.Status startPod(Pod pod) {
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
        PodSandbox sandbox = null;
        List<Workload> started = new ArrayList<>();
        try {
            String hostname = pod.spec().hostname() != null ? pod.spec().hostname() : pod.name();
            sandbox = PodSandbox.create(new PodSandbox.Spec(pod.name(), pod.name(), pod.namespace(), hostname, ip,
                    config.podSubnet(), config.gateway(), config.mtu(), config.dnsServer(), config.clusterDomain()),
                    commands, bridge, clock);
            PodInfo info = new PodInfo(pod.name(), pod.namespace(), pod.name(), ip.toString(), config.name());
            Path logs = config.logDir().resolve(pod.name());
            Files.createDirectories(logs);
            for (Pod.Container c : pod.spec().containers()) {
                started.add(startContainer(key, c, info, logs.resolve(c.name() + ".log")));
            }
            RunningPod running = new RunningPod(pod, sandbox, started, Instant.now().toString());
            pods.put(key, running);
            LOG.info("pod started: pod=" + key + " node=" + config.name() + " ip=" + ip);
            return running.status(config.underlayIp().toString());
        } catch (IOException | RuntimeException e) {
            started.forEach(Workload::close);
            if (sandbox != null) {
                sandbox.close();
            }
            ipam.release(key);
            LOG.warning("pod failed to start: pod=" + key + " node=" + config.name() + " error=" + e.getMessage());
            return failed(e.getMessage());
        }
    }

    private Workload startContainer(String key, Pod.Container c, PodInfo info, Path log) throws IOException {
        Files.deleteIfExists(log);
        Files.createFile(log);
        if (c.command() != null && !c.command().isEmpty()) {
            Map<String, String> env = new HashMap<>();
            if (c.env() != null) {
                c.env().forEach(e -> env.put(e.name(), e.value() == null ? "" : e.value()));
            }
            return new CommandContainer(c.name(), info, c.command(), c.args(), env, log, w -> podChanged.accept(key));
        }
        return switch (c.image()) {
            case "whoami" -> new WhoamiServer(c.name(), info, c.firstPort(DEFAULT_WHOAMI_PORT), log);
            case "echo" -> new EchoServer(c.name(), info, c.firstPort(DEFAULT_ECHO_PORT), log);
            default -> throw new IOException("container " + c.name() + ": unknown image " + c.image());
        };
    }

    private static Pod.Status failed(String why) {
        return new Pod.Status("Failed", "SandboxFailed", why, null, null, null, null, null);
    }

    /** The current status of a pod running here, or null. */
    public Pod.Status status(String key) {
        RunningPod p = pods.get(key);
        return p == null ? null : p.status(config.underlayIp().toString());
    }

    /** Stops the pod's containers and removes its network; harmless if it is not here. */
    public void stopPod(String key) {
        RunningPod p = pods.get(key);
        if (p == null) {
            return;
        }
        p.stop();
        ipam.release(key);
        pods.remove(key); // last: a pod listed here still has (some of) its namespace
        LOG.info("pod stopped: pod=" + key + " node=" + config.name());
    }

    /** Periodic upkeep: ages the FDB and the neighbour cache. */
    public void housekeeping() {
        long now = clock.getAsLong();
        bridge.fdb().expire(now);
        gateway.neighbors().expire(now);
    }

    @Override
    public void close() {
        for (String key : List.copyOf(pods.keySet())) {
            stopPod(key);
        }
    }
}
