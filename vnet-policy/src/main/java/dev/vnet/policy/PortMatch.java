package dev.vnet.policy;

import dev.vnet.core.packet.IpProtocol;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

/**
 * A compiled entry of a rule's {@code ports}: a protocol (TCP when unset) and a port, a range
 * ({@code port}..{@code endPort}), a port name resolved on the destination pod, or every port of the protocol
 * (no {@code port}). A connection matches if its protocol is this one and its destination port is covered;
 * so an ICMP connection, which has no port, never matches an entry, whatever it says.
 *
 * <p>Compiling never throws: an entry the API server would refuse (SCTP or an unknown protocol, a port outside
 * 1–65535, {@code endPort} below {@code port}, after a named port or without a port) matches nothing, so a bad
 * entry can only take traffic away, never let more in.
 */
final class PortMatch {
    private static final int TCP = IpProtocol.TCP.number();
    private static final int UDP = IpProtocol.UDP.number();

    private final int protocol;     // -1: matches nothing
    private final int low;          // 0 with high 65535: every port
    private final int high;
    private final String name;      // a named port, or null
    private final String text;

    private PortMatch(int protocol, int low, int high, String name, String text) {
        this.protocol = protocol;
        this.low = low;
        this.high = high;
        this.name = name;
        this.text = text;
    }

    static PortMatch compile(NetworkPolicyPort p) {
        String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
        int protocol = proto.equals("TCP") ? TCP : proto.equals("UDP") ? UDP : -1;
        IntOrString port = p.getPort();
        Integer endPort = p.getEndPort();
        String unsupported = " (matches nothing: " + proto + " is not supported)";
        if (port == null || (port.getIntVal() == null && port.getStrVal() == null)) {
            if (endPort != null) {
                return never("endPort " + endPort + " without port");
            }
            return protocol < 0 ? never("all " + proto + " ports" + unsupported)
                    : new PortMatch(protocol, 0, 65535, null, "all " + proto + " ports");
        }
        if (port.getIntVal() == null) {
            String name = port.getStrVal();
            if (endPort != null) {
                return never("port " + name + " with endPort " + endPort);
            }
            return protocol < 0 ? never("port " + name + "/" + proto + unsupported)
                    : new PortMatch(protocol, 0, 0, name, "port " + name + "/" + proto);
        }
        int low = port.getIntVal();
        int high = endPort == null ? low : endPort;
        String what = endPort == null ? "port " + low + "/" + proto : "ports " + low + "-" + high + "/" + proto;
        if (low < 1 || low > 65535 || high < low || high > 65535) {
            return never(what);
        }
        return protocol < 0 ? never(what + unsupported) : new PortMatch(protocol, low, high, null, what);
    }

    private static PortMatch never(String what) {
        return new PortMatch(-1, 1, 0, null, what.contains("(matches nothing") ? what : what + " (matches nothing)");
    }

    /** True if a connection of this protocol to this port of {@code dst} is covered. Allocates nothing. */
    boolean matches(int protocol, int port, Peer dst) {
        if (protocol != this.protocol) {
            return false;
        }
        if (name != null) {
            return dst.hasNamedPort(name, protocol, port);   // an address has no named ports
        }
        return port >= low && port <= high;
    }

    /** "port 8080/TCP", "ports 8000-8100/UDP", "all TCP ports", "port serve-80-tcp (80/TCP)" with the port used. */
    String describe(int port) {
        return name != null ? "port " + name + " (" + port + "/" + Texts.protocol(protocol) + ")" : text;
    }

    @Override
    public String toString() {
        return text;
    }
}
