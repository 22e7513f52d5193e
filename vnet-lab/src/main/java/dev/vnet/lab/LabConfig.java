package dev.vnet.lab;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.node.NodeConfig;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The local lab's settings, defaulting to the addressing plan of ARCHITECTURE.md. Tests change the prefix
 * and the state directory so that their namespaces and socket never meet a real lab's.
 *
 * @param prefix      prefix of the lab's own namespaces: {@code <prefix>outside}, {@code <prefix>node-N}
 * @param stateDir    where the API socket, the record of made namespaces, and the logs live
 * @param explain     where to echo each system command as it runs ({@code vnet up --explain}), or null
 * @param ingress     whether the lab installs its ingress controller (namespace ingress) at start
 */
public record LabConfig(String prefix, Path stateDir, int nodes, Cidr podCidr, Cidr underlay, Cidr serviceCidr,
                        int mtu, String clusterDomain, PrintStream explain, String proxyMode, String lbAlgorithm,
                        java.net.InetSocketAddress dnsUpstream, boolean ingress) {

    /** kube-proxy's two modes: an ordered rule list (iptables) or hash tables (ipvs). */
    public static final java.util.List<String> PROXY_MODES = java.util.List.of("iptables", "ipvs");

    public static final String DEFAULT_PREFIX = "vnet-";
    public static final Path DEFAULT_STATE_DIR = Path.of("/run/vnet");
    public static final int MAX_NODES = 9;
    public static final int DEFAULT_NODES = 2;

    public static LabConfig defaults() {
        return new LabConfig(DEFAULT_PREFIX, DEFAULT_STATE_DIR, DEFAULT_NODES, Cidr.parse("10.244.0.0/16"),
                Cidr.parse("192.168.56.0/24"), Cidr.parse("10.96.0.0/12"), 1450, "cluster.local", null, "iptables", null, null, true);
    }

    public LabConfig withNodes(int n) {
        return new LabConfig(prefix, stateDir, n, podCidr, underlay, serviceCidr, mtu, clusterDomain, explain, proxyMode,
                lbAlgorithm, dnsUpstream, ingress);
    }

    public LabConfig withExplain(PrintStream out) {
        return new LabConfig(prefix, stateDir, nodes, podCidr, underlay, serviceCidr, mtu, clusterDomain, out, proxyMode,
                lbAlgorithm, dnsUpstream, ingress);
    }

    public LabConfig withPrefixAndState(String newPrefix, Path newStateDir) {
        return new LabConfig(newPrefix, newStateDir, nodes, podCidr, underlay, serviceCidr, mtu, clusterDomain, explain,
                proxyMode, lbAlgorithm, dnsUpstream, ingress);
    }

    public LabConfig withProxyMode(String mode) {
        return new LabConfig(prefix, stateDir, nodes, podCidr, underlay, serviceCidr, mtu, clusterDomain, explain, mode,
                lbAlgorithm, dnsUpstream, ingress);
    }

    /** The nodes' default load-balancing algorithm, or null for the proxy mode's own (iptables: random, ipvs: rr). */
    public LabConfig withLbAlgorithm(String algorithm) {
        return new LabConfig(prefix, stateDir, nodes, podCidr, underlay, serviceCidr, mtu, clusterDomain, explain,
                proxyMode, algorithm, dnsUpstream, ingress);
    }

    /** The cluster's addressing plan, as every component sees it. */
    public dev.vnet.apiserver.ClusterNetwork network() {
        return new dev.vnet.apiserver.ClusterNetwork(podCidr, underlay, serviceCidr, mtu, clusterDomain);
    }

    public String outsideNs() {
        return prefix + "outside";
    }

    public String nodeNs(int index) {
        return prefix + "node-" + index;
    }

    /** The lab's API credentials (CA, token) and its URL while it runs ({@code server}): what the CLI reads. */
    public Path kubeDir() {
        return stateDir.resolve("kube");
    }

    public Ipv4Address outsideIp() {
        return underlay.host(1);
    }

    /** The cluster DNS Service IP (10.96.0.10). */
    public Ipv4Address dnsIp() {
        return network().dnsIp();
    }

    /** Where names outside the cluster domain are forwarded, or null to answer them REFUSED. */
    /** Whether `vnet up` installs the ingress controller (`--no-ingress` leaves it out). */
    public LabConfig withIngress(boolean on) {
        return new LabConfig(prefix, stateDir, nodes, podCidr, underlay, serviceCidr, mtu, clusterDomain, explain,
                proxyMode, lbAlgorithm, dnsUpstream, on);
    }

    public LabConfig withDnsUpstream(java.net.InetSocketAddress upstream) {
        return new LabConfig(prefix, stateDir, nodes, podCidr, underlay, serviceCidr, mtu, clusterDomain, explain,
                proxyMode, lbAlgorithm, upstream, ingress);
    }


    /** Node N's settings: pod subnet 10.244.N.0/24, gateway .1, underlay 192.168.56.(10+N). */
    public NodeConfig node(int index) {
        return NodeConfig.of(network(), index, nodeNs(index), stateDir.resolve("logs"));
    }
}
