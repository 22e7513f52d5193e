package dev.vnet.nat.conntrack;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.Ipv4Packet;

/**
 * One direction of a tracked connection: its tuple (protocol, source, destination) as packets in that
 * direction carry it on the wire, the direction, and the connection. Linux calls this a
 * {@code nf_conntrack_tuple_hash}; each {@link ConnEntry} owns two, and the table indexes both.
 *
 * <p>It is also what {@link Conntrack#lookup} returns: immutable and made once per connection, so a hit
 * allocates nothing and the result may be kept or shared between threads.
 *
 * <p>The {@code translated…} methods say what a packet matching this tuple must become: the other
 * direction's tuple turned around. Pass them to {@code NatRewriter.rewrite}; when
 * {@link ConnEntry#dnat()} and {@link ConnEntry#snat()} are both false they equal the packet's own fields.
 */
public final class Lookup {
    private final ConnEntry entry;
    private final Direction direction;
    private final int protocol;
    private final int srcIp;
    private final int srcPort;
    private final int dstIp;
    private final int dstPort;

    Lookup(ConnEntry entry, Direction direction, int protocol, int srcIp, int srcPort, int dstIp, int dstPort) {
        this.entry = entry;
        this.direction = direction;
        this.protocol = protocol;
        this.srcIp = srcIp;
        this.srcPort = srcPort;
        this.dstIp = dstIp;
        this.dstPort = dstPort;
    }

    /** The connection this tuple belongs to. */
    public ConnEntry entry() {
        return entry;
    }

    /** Which way packets with this tuple travel. */
    public Direction direction() {
        return direction;
    }

    /** The IPv4 protocol number: 6 TCP, 17 UDP, 1 ICMP. */
    public int protocol() {
        return protocol;
    }

    public int srcIp() {
        return srcIp;
    }

    /** The source port; for ICMP echo the identifier. */
    public int srcPort() {
        return srcPort;
    }

    public int dstIp() {
        return dstIp;
    }

    /** The destination port; for ICMP echo the identifier. */
    public int dstPort() {
        return dstPort;
    }

    /** The tuple of the other direction of the same connection. */
    public Lookup other() {
        return entry.tuple(direction.opposite());
    }

    /** The source address a packet with this tuple leaves with after NAT. */
    public int translatedSrcIp() {
        return other().dstIp;
    }

    public int translatedSrcPort() {
        return other().dstPort;
    }

    /** The destination address a packet with this tuple leaves with after NAT. */
    public int translatedDstIp() {
        return other().srcIp;
    }

    public int translatedDstPort() {
        return other().srcPort;
    }

    boolean matches(int protocol, int srcIp, int srcPort, int dstIp, int dstPort) {
        return this.srcIp == srcIp && this.dstIp == dstIp && this.srcPort == srcPort && this.dstPort == dstPort
                && this.protocol == protocol;
    }

    /** The tuple as {@code conntrack -L} prints it: "src=10.244.1.2 dst=10.96.0.20 sport=40000 dport=80". */
    String describeTuple() {
        String addresses = "src=" + Ipv4Address.toString(srcIp) + " dst=" + Ipv4Address.toString(dstIp);
        if (protocol == Ipv4Packet.PROTO_ICMP) {
            return addresses + " id=" + srcPort;
        }
        if (protocol == Ipv4Packet.PROTO_TCP || protocol == Ipv4Packet.PROTO_UDP) {
            return addresses + " sport=" + srcPort + " dport=" + dstPort;
        }
        return addresses;
    }

    @Override
    public String toString() {
        return direction + " " + describeTuple();
    }
}
