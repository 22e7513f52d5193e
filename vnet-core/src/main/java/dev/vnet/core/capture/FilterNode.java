package dev.vnet.core.capture;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import java.nio.ByteBuffer;

/**
 * One node of a parsed {@link CaptureFilter}: an operator or a primitive that reads fixed offsets of the
 * outermost headers, as the BPF program tcpdump compiles for it would.
 *
 * <p>Evaluation returns {@link #MATCH}, {@link #NO_MATCH} or {@link #OUT_OF_BOUNDS}. The last is BPF's rule
 * that a load past the captured bytes ends the program with "reject": it propagates up through every
 * operator, {@code not} included, so a truncated frame matches nothing that needed the missing bytes.
 * Nothing here allocates.
 */
abstract class FilterNode {

    static final int MATCH = 1;
    static final int NO_MATCH = 0;
    static final int OUT_OF_BOUNDS = -1;

    /** Offsets in the Ethernet header (IEEE 802.3) and the EtherTypes the primitives test. */
    private static final int ETH_DESTINATION = 0;
    private static final int ETH_SOURCE = 6;
    private static final int ETH_TYPE = 12;
    private static final int ETH_HEADER_LEN = 14;
    private static final int TYPE_IPV4 = 0x0800;
    private static final int TYPE_ARP = 0x0806;
    private static final int TYPE_RARP = 0x8035;
    private static final int TYPE_IPV6 = 0x86DD;

    /** Offsets in the IPv4 header (RFC 791). */
    private static final int IP4_VERSION_IHL = 0;
    private static final int IP4_FLAGS_FRAGMENT_OFFSET = 6;
    private static final int IP4_PROTOCOL = 9;
    private static final int IP4_SOURCE = 12;
    private static final int IP4_DESTINATION = 16;
    private static final int IP4_FRAGMENT_OFFSET_MASK = 0x1FFF;

    /** Offsets in the IPv6 header (RFC 8200) and its Fragment header, which tcpdump looks through for a protocol. */
    private static final int IP6_NEXT_HEADER = 6;
    private static final int IP6_HEADER_LEN = 40;
    private static final int IP6_FRAGMENT_HEADER = 44;

    /** Offsets of the protocol addresses in an Ethernet/IPv4 ARP or RARP packet (RFC 826, RFC 903). */
    private static final int ARP_SENDER_PROTOCOL_ADDRESS = 14;
    private static final int ARP_TARGET_PROTOCOL_ADDRESS = 24;

    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int PROTO_SCTP = 132;

    /** Which addresses or ports a primitive looks at. */
    enum Direction {
        EITHER(""), SRC("src "), DST("dst ");

        final String prefix;

        Direction(String prefix) {
            this.prefix = prefix;
        }
    }

    /** Evaluates the node on bytes {@code [start, end)} of a frame of the given link type. */
    abstract int eval(ByteBuffer buf, int start, int end, int linkType);

    /** Binding strength, for printing parentheses: 1 or, 2 and, 3 not, 4 primitive. */
    int precedence() {
        return 4;
    }

    /** Appends the normalized expression. */
    abstract void print(StringBuilder out);

    /** Prints {@code child}, in parentheses if it binds more loosely than {@code least}. */
    static void print(StringBuilder out, FilterNode child, int least) {
        if (child.precedence() < least) {
            out.append('(');
            child.print(out);
            out.append(')');
        } else {
            child.print(out);
        }
    }

    // Loads, each OUT_OF_BOUNDS (or -1L) past the end, as a BPF load would be.

    static int u8(ByteBuffer buf, int end, int index) {
        return index >= end ? OUT_OF_BOUNDS : buf.get(index) & 0xFF;
    }

    static int u16(ByteBuffer buf, int end, int index) {
        return index > end - 2 ? OUT_OF_BOUNDS : (buf.get(index) & 0xFF) << 8 | (buf.get(index + 1) & 0xFF);
    }

    static long u32(ByteBuffer buf, int end, int index) {
        if (index > end - 4) {
            return -1L;
        }
        return (long) u16(buf, end, index) << 16 | u16(buf, end, index + 2);
    }

    static long u48(ByteBuffer buf, int end, int index) {
        if (index > end - 6) {
            return -1L;
        }
        return (long) u16(buf, end, index) << 32 | u32(buf, end, index + 2);
    }

    /** Absolute index of the network-layer header. */
    static int network(int start, int linkType) {
        return linkType == CaptureSink.LINKTYPE_ETHERNET ? start + ETH_HEADER_LEN : start;
    }

    /**
     * The EtherType of the outermost network header: read from an Ethernet header, or for a bare IP packet
     * told by its version nibble (4 or 6, else 0), as tcpdump does for LINKTYPE_RAW.
     */
    static int etherType(ByteBuffer buf, int start, int end, int linkType) {
        if (linkType == CaptureSink.LINKTYPE_ETHERNET) {
            return u16(buf, end, start + ETH_TYPE);
        }
        int version = u8(buf, end, start);
        if (version < 0) {
            return OUT_OF_BOUNDS;
        }
        return switch (version >>> 4) {
            case 4 -> TYPE_IPV4;
            case 6 -> TYPE_IPV6;
            default -> 0;
        };
    }

    static int result(boolean match) {
        return match ? MATCH : NO_MATCH;
    }

    /** {@code arp}, {@code ip}: the outermost EtherType. A bare-IP link never carries ARP. */
    static final class EtherTypeIs extends FilterNode {
        private final int type;
        private final String keyword;

        EtherTypeIs(int type, String keyword) {
            this.type = type;
            this.keyword = keyword;
        }

        static EtherTypeIs arp() {
            return new EtherTypeIs(TYPE_ARP, "arp");
        }

        static EtherTypeIs ip() {
            return new EtherTypeIs(TYPE_IPV4, "ip");
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            if (type == TYPE_ARP && linkType != CaptureSink.LINKTYPE_ETHERNET) {
                return NO_MATCH;
            }
            int t = etherType(buf, start, end, linkType);
            return t < 0 ? OUT_OF_BOUNDS : result(t == type);
        }

        @Override
        void print(StringBuilder out) {
            out.append(keyword);
        }
    }

    /**
     * {@code icmp} (IPv4 only), {@code tcp}, {@code udp}: the protocol field of the outermost IP header, any
     * fragment. As in tcpdump, tcp and udp also match IPv6, through one Fragment header at most.
     */
    static final class ProtocolIs extends FilterNode {
        private final int protocol;
        private final String keyword;

        ProtocolIs(int protocol, String keyword) {
            this.protocol = protocol;
            this.keyword = keyword;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            int t = etherType(buf, start, end, linkType);
            int net = network(start, linkType);
            if (t == TYPE_IPV4) {
                int p = u8(buf, end, net + IP4_PROTOCOL);
                return p < 0 ? OUT_OF_BOUNDS : result(p == protocol);
            }
            if (t == TYPE_IPV6 && protocol != PROTO_ICMP) {
                int next = u8(buf, end, net + IP6_NEXT_HEADER);
                if (next == IP6_FRAGMENT_HEADER) {
                    next = u8(buf, end, net + IP6_HEADER_LEN);
                }
                return next < 0 ? OUT_OF_BOUNDS : result(next == protocol);
            }
            return t < 0 ? OUT_OF_BOUNDS : NO_MATCH;
        }

        @Override
        void print(StringBuilder out) {
            out.append(keyword);
        }
    }

    /**
     * {@code port N}, {@code src port N}, {@code tcp dst port N}, {@code vxlan}: a TCP, UDP or SCTP port (or
     * those of one protocol), in an IPv4 packet that is not a later fragment (only the first carries the
     * ports), or in an IPv6 packet with no extension header. Like tcpdump, the ports are read right after an
     * IPv4 header of IHL * 4 bytes, whatever IHL says.
     */
    static final class PortIs extends FilterNode {
        /** The UDP port IANA assigned to VXLAN (RFC 7348). */
        static final int VXLAN_PORT = 4789;

        private final Direction direction;
        private final int port;
        /** -1 for TCP, UDP or SCTP; else the one protocol. */
        private final int protocol;
        private final String name;

        PortIs(Direction direction, int port, int protocol, String name) {
            this.direction = direction;
            this.port = port;
            this.protocol = protocol;
            this.name = name;
        }

        static PortIs vxlan() {
            return new PortIs(Direction.DST, VXLAN_PORT, PROTO_UDP, "vxlan");
        }

        private boolean carries(int p) {
            return protocol < 0 ? p == PROTO_TCP || p == PROTO_UDP || p == PROTO_SCTP : p == protocol;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            int t = etherType(buf, start, end, linkType);
            int net = network(start, linkType);
            int ports;
            if (t == TYPE_IPV4) {
                int p = u8(buf, end, net + IP4_PROTOCOL);
                if (p < 0 || !carries(p)) {
                    return p < 0 ? OUT_OF_BOUNDS : NO_MATCH;
                }
                int fragment = u16(buf, end, net + IP4_FLAGS_FRAGMENT_OFFSET);
                if (fragment < 0 || (fragment & IP4_FRAGMENT_OFFSET_MASK) != 0) {
                    return fragment < 0 ? OUT_OF_BOUNDS : NO_MATCH;
                }
                int ihl = u8(buf, end, net + IP4_VERSION_IHL);
                ports = net + (ihl & 0x0F) * 4;
            } else if (t == TYPE_IPV6) {
                int next = u8(buf, end, net + IP6_NEXT_HEADER);
                if (next < 0 || !carries(next)) {
                    return next < 0 ? OUT_OF_BOUNDS : NO_MATCH;
                }
                ports = net + IP6_HEADER_LEN;
            } else {
                return t < 0 ? OUT_OF_BOUNDS : NO_MATCH;
            }
            if (direction != Direction.DST) {
                int source = u16(buf, end, ports);
                if (source < 0 || source == port || direction == Direction.SRC) {
                    return source < 0 ? OUT_OF_BOUNDS : result(source == port);
                }
            }
            int destination = u16(buf, end, ports + 2);
            return destination < 0 ? OUT_OF_BOUNDS : result(destination == port);
        }

        @Override
        void print(StringBuilder out) {
            if (name != null) {
                out.append(name);
                return;
            }
            if (protocol == PROTO_TCP) {
                out.append("tcp ");
            } else if (protocol == PROTO_UDP) {
                out.append("udp ");
            }
            out.append(direction.prefix).append("port ").append(port);
        }
    }

    /**
     * {@code host A} and {@code net A/N}, with {@code src} or {@code dst}: the IPv4 source or destination,
     * or, as tcpdump does, the sender or target protocol address of an ARP or RARP packet.
     */
    static final class HostIs extends FilterNode {
        private final Direction direction;
        private final int address;
        private final int prefixLength;

        HostIs(Direction direction, int address, int prefixLength) {
            this.direction = direction;
            this.address = address;
            this.prefixLength = prefixLength;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            int t = etherType(buf, start, end, linkType);
            int net = network(start, linkType);
            if (t == TYPE_IPV4) {
                return addresses(buf, end, net + IP4_SOURCE, net + IP4_DESTINATION);
            }
            if (t == TYPE_ARP || t == TYPE_RARP) {
                return addresses(buf, end, net + ARP_SENDER_PROTOCOL_ADDRESS, net + ARP_TARGET_PROTOCOL_ADDRESS);
            }
            return t < 0 ? OUT_OF_BOUNDS : NO_MATCH;
        }

        private int addresses(ByteBuffer buf, int end, int source, int destination) {
            if (prefixLength == 0) {
                // Every address is in 0.0.0.0/0: libpcap's optimizer drops the loads, so a short packet matches.
                return MATCH;
            }
            int mask = -1 << (32 - prefixLength);
            if (direction != Direction.DST) {
                long ip = u32(buf, end, source);
                if (ip < 0) {
                    return OUT_OF_BOUNDS;
                }
                if (((int) ip & mask) == address || direction == Direction.SRC) {
                    return result(((int) ip & mask) == address);
                }
            }
            long ip = u32(buf, end, destination);
            return ip < 0 ? OUT_OF_BOUNDS : result(((int) ip & mask) == address);
        }

        @Override
        void print(StringBuilder out) {
            out.append(direction.prefix);
            if (prefixLength == 32) {
                out.append("host ").append(Ipv4Address.toString(address));
            } else {
                out.append("net ").append(Ipv4Address.toString(address)).append('/').append(prefixLength);
            }
        }
    }

    /** {@code ether host M}, {@code ether src M}, {@code ether dst M}: never on a bare-IP link. */
    static final class EtherHostIs extends FilterNode {
        private final Direction direction;
        private final long mac;

        EtherHostIs(Direction direction, long mac) {
            this.direction = direction;
            this.mac = mac;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            if (linkType != CaptureSink.LINKTYPE_ETHERNET) {
                return NO_MATCH;
            }
            if (direction != Direction.DST) {
                long source = u48(buf, end, start + ETH_SOURCE);
                if (source < 0 || source == mac || direction == Direction.SRC) {
                    return source < 0 ? OUT_OF_BOUNDS : result(source == mac);
                }
            }
            long destination = u48(buf, end, start + ETH_DESTINATION);
            return destination < 0 ? OUT_OF_BOUNDS : result(destination == mac);
        }

        @Override
        void print(StringBuilder out) {
            out.append("ether ").append(direction == Direction.EITHER ? "host " : direction.prefix)
                    .append(MacAddress.toString(mac));
        }
    }

    static final class Not extends FilterNode {
        private final FilterNode operand;

        Not(FilterNode operand) {
            this.operand = operand;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            int r = operand.eval(buf, start, end, linkType);
            return r < 0 ? r : MATCH - r;
        }

        @Override
        int precedence() {
            return 3;
        }

        @Override
        void print(StringBuilder out) {
            out.append("not ");
            print(out, operand, 3);
        }
    }

    /** {@code and}: stops at the first operand that does not match, as BPF's jumps do. */
    static final class And extends FilterNode {
        private final FilterNode[] operands;

        And(FilterNode[] operands) {
            this.operands = operands;
        }

        FilterNode[] operands() {
            return operands;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            for (FilterNode operand : operands) {
                int r = operand.eval(buf, start, end, linkType);
                if (r != MATCH) {
                    return r;
                }
            }
            return MATCH;
        }

        @Override
        int precedence() {
            return 2;
        }

        @Override
        void print(StringBuilder out) {
            for (int i = 0; i < operands.length; i++) {
                if (i > 0) {
                    out.append(" and ");
                }
                // Or inside and needs parentheses; not and primitives do not.
                print(out, operands[i], 3);
            }
        }
    }

    /** {@code or}: stops at the first operand that matches. */
    static final class Or extends FilterNode {
        private final FilterNode[] operands;

        Or(FilterNode[] operands) {
            this.operands = operands;
        }

        FilterNode[] operands() {
            return operands;
        }

        @Override
        int eval(ByteBuffer buf, int start, int end, int linkType) {
            for (FilterNode operand : operands) {
                int r = operand.eval(buf, start, end, linkType);
                if (r != NO_MATCH) {
                    return r;
                }
            }
            return NO_MATCH;
        }

        @Override
        int precedence() {
            return 1;
        }

        @Override
        void print(StringBuilder out) {
            for (int i = 0; i < operands.length; i++) {
                if (i > 0) {
                    out.append(" or ");
                }
                // And inside or gets parentheses too, so the text means the same to tcpdump, where and and
                // or bind equally and group left to right.
                print(out, operands[i], 3);
            }
        }
    }
}
