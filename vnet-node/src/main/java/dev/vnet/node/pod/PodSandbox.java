package dev.vnet.node.pod;

import dev.vnet.bridge.Bridge;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.TapDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * A pod's network: a named network namespace whose {@code eth0} is a TAP device held by this process and
 * joined to the node's bridge, with the pod's IP, MAC, MTU, default route and resolver configuration.
 *
 * <p>{@link #create} either builds all of it or, on any failure, undoes what it had done and throws:
 * nothing is left half-made. {@link #close} removes everything.
 */
public final class PodSandbox implements AutoCloseable {
    /**
     * Everything a sandbox needs to know about its pod and node. {@code netns} is unique on the machine (the pod's
     * name in default, NAME.NAMESPACE elsewhere), so it also names the pod's bridge port.
     */
    public record Spec(String netns, String podName, String podNamespace, String hostname, Ipv4Address ip,
                       Cidr subnet, Ipv4Address gateway, int mtu, Ipv4Address dnsServer, String clusterDomain) {}

    private final Spec spec;
    private final Commands commands;
    private final TapPort port;
    private final MacAddress mac;

    private PodSandbox(Spec spec, Commands commands, TapPort port, MacAddress mac) {
        this.spec = spec;
        this.commands = commands;
        this.port = port;
        this.mac = mac;
    }

    public static PodSandbox create(Spec spec, Commands commands, Bridge bridge, LongSupplier clock)
            throws IOException {
        return create(spec, commands, bridge, clock, false);
    }

    /**
     * Builds the pod's network. With {@code persistent}, its TAP outlives this process: a node process that
     * stops or crashes leaves the pod's namespace, eth0, address and routes in place for {@link #attach}.
     */
    public static PodSandbox create(Spec spec, Commands commands, Bridge bridge, LongSupplier clock,
                                    boolean persistent) throws IOException {
        if (NetNs.exists(spec.netns())) {
            throw new IOException("a network namespace named " + spec.netns() + " already exists on this machine: "
                    + "remove it (`ip netns del " + spec.netns() + "`) or choose another pod name");
        }
        Deque<Runnable> undo = new ArrayDeque<>();
        String ns = spec.netns();
        MacAddress mac = MacAddress.forPodIp(spec.ip());
        try {
            commands.run("ip", "netns", "add", ns);
            undo.push(() -> commands.tryRun("ip", "netns", "del", ns));
            writeEtcFiles(spec);
            undo.push(() -> deleteEtcFiles(ns));
            // No IPv6 in the lab's pods: keeps captures and counters to the IPv4 the lab teaches.
            commands.run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1");
            TapDevice tap = NetNs.call(ns, PodSandbox::openEth0);
            undo.push(tap::close);
            if (persistent) {
                tap.setPersistent(true);
            }
            commands.run("ip", "-n", ns, "link", "set", "lo", "up");
            commands.run("ip", "-n", ns, "link", "set", "eth0", "address", mac.toString(), "mtu",
                    Integer.toString(spec.mtu()));
            commands.run("ip", "-n", ns, "addr", "add", spec.ip() + "/" + spec.subnet().prefixLength(), "dev", "eth0");
            TapPort port = new TapPort(tap, bridge, spec.netns(), clock);
            undo.push(port::close);
            commands.run("ip", "-n", ns, "link", "set", "eth0", "up");
            commands.run("ip", "-n", ns, "route", "add", "default", "via", spec.gateway().toString(), "dev", "eth0");
            return new PodSandbox(spec, commands, port, mac);
        } catch (IOException | RuntimeException e) {
            while (!undo.isEmpty()) {
                undo.pop().run();
            }
            throw e;
        }
    }

    /**
     * Re-attaches to the network a previous run of this node left (persistent TAP {@code eth0} in the pod's
     * namespace), so the pod keeps its namespace, IP and MAC. Addresses and routes are set again (idempotent);
     * fails, changing nothing, if the namespace or its TAP is gone.
     */
    public static PodSandbox attach(Spec spec, Commands commands, Bridge bridge, LongSupplier clock)
            throws IOException {
        String ns = spec.netns();
        if (!NetNs.exists(ns)) {
            throw new IOException("network namespace " + ns + " is gone");
        }
        MacAddress mac = MacAddress.forPodIp(spec.ip());
        if (!commands.tryRun("ip", "-n", ns, "link", "show", "eth0").ok()) {
            throw new IOException("pod " + spec.podName() + " has no eth0 left");
        }
        TapDevice tap = NetNs.call(ns, PodSandbox::openEth0);
        try {
            writeEtcFiles(spec);
            commands.run("ip", "-n", ns, "link", "set", "eth0", "address", mac.toString(), "mtu",
                    Integer.toString(spec.mtu()));
            commands.run("ip", "-n", ns, "addr", "replace", spec.ip() + "/" + spec.subnet().prefixLength(), "dev",
                    "eth0");
            commands.run("ip", "-n", ns, "link", "set", "eth0", "up");
            commands.run("ip", "-n", ns, "route", "replace", "default", "via", spec.gateway().toString(), "dev", "eth0");
        } catch (IOException | RuntimeException e) {
            tap.close();
            throw e;
        }
        return new PodSandbox(spec, commands, new TapPort(tap, bridge, spec.netns(), clock), mac);
    }

    /**
     * Lets go of the pod's network without removing it: the port stops and the descriptor closes, the persistent
     * TAP and the namespace stay for the next run of this node.
     */
    public void detach() {
        port.close();
    }

    /**
     * The pod's eth0, a TAP with offloads (unless switched off, {@link TapDevice#offloadsWanted}): the pod's
     * kernel hands over 64 KiB TCP super-frames and takes them back, as a VM's virtio-net does.
     */
    private static TapDevice openEth0() throws IOException {
        return TapDevice.create("eth0", TapDevice.Kind.TAP, TapDevice.offloadsWanted());
    }

    /** resolv.conf and hosts under /etc/netns/NETNS/, which `ip netns exec` mounts over /etc for the pod. */
    private static void writeEtcFiles(Spec spec) throws IOException {
        Path dir = etcDir(spec.netns());
        Files.createDirectories(dir);
        String search = spec.podNamespace() + ".svc." + spec.clusterDomain() + " svc." + spec.clusterDomain()
                + " " + spec.clusterDomain();
        Files.writeString(dir.resolve("resolv.conf"), "nameserver " + spec.dnsServer() + "\nsearch " + search
                + "\noptions ndots:5\n");
        Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + spec.ip() + "\t" + spec.hostname() + "\n");
    }

    private static Path etcDir(String netns) {
        return Path.of("/etc/netns", netns);
    }

    static void deleteEtcFiles(String netns) {
        Path dir = etcDir(netns);
        try {
            Files.deleteIfExists(dir.resolve("resolv.conf"));
            Files.deleteIfExists(dir.resolve("hosts"));
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // Something else was put there; leave it.
        }
    }

    public Spec spec() {
        return spec;
    }

    public MacAddress mac() {
        return mac;
    }

    public TapPort port() {
        return port;
    }

    /** Removes the pod's network: the port, the TAP (with its descriptor), the namespace and its /etc files. */
    @Override
    public void close() {
        port.close();
        Namespaces.killProcessesIn(commands, spec.netns());
        commands.tryRun("ip", "netns", "del", spec.netns());
        deleteEtcFiles(spec.netns());
    }
}
