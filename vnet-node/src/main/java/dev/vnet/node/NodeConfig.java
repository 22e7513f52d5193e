package dev.vnet.node;

import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import java.nio.file.Path;

/**
 * One node's place in the addressing plan (ARCHITECTURE.md): node N owns pod subnet 10.244.N.0/24 with its
 * gateway at .1 and its TUN at .0, sits at 192.168.56.(10+N) on the underlay, and lives in namespace
 * {@code vnet-node-N}.
 */
public record NodeConfig(String name, int index, String netns, Cidr podSubnet, Ipv4Address gateway,
                         Ipv4Address underlayIp, int mtu, Ipv4Address dnsServer, String clusterDomain,
                         Path logDir, Cidr podCidr, Cidr serviceCidr) {

    /** Node N of {@code network}, in namespace {@code netns}: subnet 10.244.N.0/24, gateway .1, underlay .(10+N). */
    public static NodeConfig of(ClusterNetwork network, int index, String netns, Path logDir) {
        Cidr subnet = network.podSubnet(index);
        return new NodeConfig("node-" + index, index, netns, subnet, subnet.host(1), network.nodeIp(index),
                network.mtu(), network.dnsIp(), network.clusterDomain(), logDir, network.podCidr(), network.serviceCidr());
    }

    /** Node N of the default plan, in namespace vnet-node-N (for tests that build one node's data plane). */
    public static NodeConfig defaults(int index) {
        return of(ClusterNetwork.defaults(), index, "vnet-node-" + index, Path.of("/run/vnet/logs"));
    }

    /** The node TUN's address: the network address of the node's pod subnet (10.244.N.0/32), as flannel does. */
    public Ipv4Address tunIp() {
        return podSubnet.network();
    }

    /** The node's VTEP MAC, derived from its TUN address like pod MACs are: 0a:58:0a:f4:0N:00. */
    public MacAddress vtepMac() {
        return MacAddress.forPodIp(tunIp());
    }
}
