package dev.vnet.policy;

import dev.vnet.core.packet.IpProtocol;
import java.util.Locale;

/** How verdicts and tables name protocols and ports: "TCP", "80/TCP", "ICMP", "ip/47". */
final class Texts {
    private static final String[] PROTOCOLS = new String[256];

    static {
        for (int n = 0; n < PROTOCOLS.length; n++) {
            IpProtocol p = IpProtocol.of(n);
            PROTOCOLS[n] = p != null ? p.label().toUpperCase(Locale.ROOT) : IpProtocol.nameOf(n);
        }
    }

    private Texts() {
    }

    /** "TCP", "UDP", "ICMP", or "ip/N". */
    static String protocol(int protocol) {
        return PROTOCOLS[protocol & 0xff];
    }

    /** "80/TCP" for the port protocols, the protocol alone for the others ("ICMP"). */
    static String portOf(int protocol, int port) {
        return hasPorts(protocol) ? port + "/" + protocol(protocol) : protocol(protocol);
    }

    /** True for the protocols whose connections NetworkPolicy ports speak of (vnet: TCP and UDP). */
    static boolean hasPorts(int protocol) {
        return protocol == IpProtocol.TCP.number() || protocol == IpProtocol.UDP.number();
    }
}
