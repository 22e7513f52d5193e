package dev.vnet.policy;

import dev.vnet.core.packet.IpProtocol;

/**
 * A named port of one of a pod's containers ({@code spec.containers[].ports[]} with a {@code name}), what a
 * policy's named port ({@code port: serve-80-tcp}) resolves to on the destination pod.
 *
 * @param name     the port's name, as the container declares it
 * @param protocol the IPv4 protocol number (6 TCP, 17 UDP)
 * @param port     the container port, 1–65535
 */
public record PodPort(String name, int protocol, int port) {

    public PodPort {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a pod port needs a name (only named ports matter to policy)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("pod port " + name + ": " + port + " is not a port (1-65535)");
        }
    }

    /** A TCP port. */
    public static PodPort tcp(String name, int port) {
        return new PodPort(name, IpProtocol.TCP.number(), port);
    }

    /** A UDP port. */
    public static PodPort udp(String name, int port) {
        return new PodPort(name, IpProtocol.UDP.number(), port);
    }

    @Override
    public String toString() {
        return name + " " + port + "/" + Texts.protocol(protocol);
    }
}
