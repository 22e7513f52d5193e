package dev.vnet.node;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import java.nio.file.Path;

/**
 * One node's place in the addressing plan (ARCHITECTURE.md): node N owns pod subnet 10.244.N.0/24 with its
 * gateway at .1, sits at 192.168.56.(10+N) on the underlay, and lives in namespace {@code vnet-node-N}.
 */
public record NodeConfig(String name, int index, String netns, Cidr podSubnet, Ipv4Address gateway,
                         Ipv4Address underlayIp, int mtu, Ipv4Address dnsServer, String clusterDomain,
                         Path logDir) {}
