package dev.vnet.core.packet;

import java.util.Locale;

/**
 * The IP protocols vnet handles (IANA "Assigned Internet Protocol Numbers"), and the one mapping from protocol
 * number to name that flow logs, traces, captures and the CLI share: "icmp", "tcp", "udp", else "ip/N".
 */
public enum IpProtocol {
    ICMP(Ipv4Packet.PROTO_ICMP, "icmp"),
    TCP(Ipv4Packet.PROTO_TCP, "tcp"),
    UDP(Ipv4Packet.PROTO_UDP, "udp");

    /** Every number's name, built once: naming a protocol on the data path allocates nothing. */
    private static final String[] NAMES = new String[256];

    static {
        for (int n = 0; n < NAMES.length; n++) {
            NAMES[n] = "ip/" + n;
        }
        for (IpProtocol p : values()) {
            NAMES[p.number] = p.label;
        }
    }

    private final int number;
    private final String label;

    IpProtocol(int number, String label) {
        this.number = number;
        this.label = label;
    }

    /** The protocol number, as in the IPv4 header's protocol field. */
    public int number() {
        return number;
    }

    /** The lower-case name: "icmp", "tcp" or "udp". */
    public String label() {
        return label;
    }

    /** The name of protocol {@code number} (the low 8 bits): "tcp", "udp", "icmp", or "ip/N" for the others. */
    public static String nameOf(int number) {
        return NAMES[number & 0xff];
    }

    /** The protocol with this number, or null if vnet does not handle it. */
    public static IpProtocol of(int number) {
        for (IpProtocol p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        return null;
    }

    /** The protocol named {@code name} ("tcp", "UDP", ...), or null if vnet does not handle it. */
    public static IpProtocol named(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (IpProtocol p : values()) {
            if (p.label.equals(lower)) {
                return p;
            }
        }
        return null;
    }
}
