package dev.vnet.overlay;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import java.net.InetSocketAddress;

/**
 * A remote node as the overlay sees it: its pod subnet, where to send (underlay IP, UDP 4789) and its VTEP
 * MAC, the inner destination MAC of frames tunnelled to it.
 */
public record Peer(String nodeName, Cidr podSubnet, Ipv4Address underlayIp, MacAddress vtepMac,
                   InetSocketAddress endpoint) {

    public static Peer of(String nodeName, Cidr podSubnet, Ipv4Address underlayIp, MacAddress vtepMac) {
        try {
            return new Peer(nodeName, podSubnet, underlayIp, vtepMac, new InetSocketAddress(
                    java.net.InetAddress.getByAddress(underlayIp.toBytes()), VxlanHeader.UDP_PORT));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e); // cannot happen for four bytes
        }
    }
}
