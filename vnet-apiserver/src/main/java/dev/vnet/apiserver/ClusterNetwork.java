package dev.vnet.apiserver;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;

/**
 * The cluster's addressing plan, as kubeadm's ClusterConfiguration holds it ({@code podSubnet},
 * {@code serviceSubnet}, {@code dnsDomain}), plus the underlay the nodes share and the pods' MTU. Every part of
 * vnet that needs an address of the plan derives it here, so the defaults of ARCHITECTURE.md live in one place.
 *
 * @param underlay the node network: node N at .(10+N), LoadBalancer IPs from .200 to .250
 * @param mtu      pods' and TUNs' MTU: the underlay's 1500 less VXLAN's 50 bytes
 */
public record ClusterNetwork(Cidr podCidr, Cidr underlay, Cidr serviceCidr, int mtu, String clusterDomain) {

    public static ClusterNetwork defaults() {
        return new ClusterNetwork(Cidr.parse("10.244.0.0/16"), Cidr.parse("192.168.56.0/24"),
                Cidr.parse("10.96.0.0/12"), 1450, "cluster.local");
    }

    /** The cluster DNS Service IP: the tenth address of the Service CIDR (10.96.0.10). */
    public Ipv4Address dnsIp() {
        return serviceCidr.host(10);
    }

    /** The Service CIDR's first address, kept for the `kubernetes` Service as a real cluster does. */
    public Ipv4Address apiServiceIp() {
        return serviceCidr.host(1);
    }

    /** The LoadBalancer IP pool, as MetalLB would be configured: 192.168.56.200–192.168.56.250. */
    public Ipv4Address lbPoolStart() {
        return underlay.host(200);
    }

    public Ipv4Address lbPoolEnd() {
        return underlay.host(250);
    }

    /** Node N's underlay address: 192.168.56.(10+N). */
    public Ipv4Address nodeIp(int index) {
        return underlay.host(10 + index);
    }

    /** Node N's pod subnet: 10.244.N.0/24. */
    public Cidr podSubnet(int index) {
        return new Cidr(podCidr.network().plus(index << 8), 24);
    }
}
