package dev.vnet.nat.conntrack;

import dev.vnet.core.packet.Ipv4Packet;

/**
 * One tracked connection, as a line of {@code conntrack -L} shows it: the original tuple (the first
 * packet as it arrived) and the reply tuple (what a reply looks like on the wire, after translation). For
 * a client 10.244.1.2:40000 reaching the ClusterIP 10.96.0.20:80, DNATed to the endpoint 10.244.2.3:8080:
 *
 * <pre>
 * original  src=10.244.1.2 dst=10.96.0.20 sport=40000 dport=80
 * reply     src=10.244.2.3 dst=10.244.1.2 sport=8080  dport=40000
 * </pre>
 *
 * With SNAT to the node address S as well, the reply's destination is S and the port SNAT chose.
 *
 * <p>The tuples and the label never change. The TCP state, the replied and assured flags and the counters
 * change with each packet through {@link Conntrack#update}, under this object's monitor; the expiry time
 * and the flags are volatile so that lookups (and early drop) read them without locking.
 *
 * <p>Assured, as Linux's {@code IPS_ASSURED}, means the connection is known to be real: TCP once its
 * handshake completed with a reply seen (ESTABLISHED after SYN_RECV, or a picked-up connection that got an
 * answer), UDP once answered (Linux also waits until the flow has lasted 2 s). ICMP echo is never assured,
 * as in Linux. An entry that is not assured may be dropped early when the table or a SNAT port is needed
 * for a new connection; an assured one never is, and it stays assured while it closes.
 */
public final class ConnEntry {
    private final Lookup original;
    private final Lookup reply;
    private final String label;

    private volatile long expiresAtNanos;
    /** Set once the entry has left the table; a reader still holding it then treats it as expired. */
    private volatile boolean removed;
    private volatile TcpState tcpState = TcpState.NONE;
    private volatile boolean replied;
    private volatile boolean assured;

    // Guarded by this.
    private long originalPackets;
    private long originalBytes;
    private long replyPackets;
    private long replyBytes;

    ConnEntry(int protocol, int origSrcIp, int origSrcPort, int origDstIp, int origDstPort,
              int replySrcIp, int replySrcPort, int replyDstIp, int replyDstPort,
              String label, long expiresAtNanos) {
        this.original = new Lookup(this, Direction.ORIGINAL, protocol, origSrcIp, origSrcPort, origDstIp, origDstPort);
        this.reply = new Lookup(this, Direction.REPLY, protocol, replySrcIp, replySrcPort, replyDstIp, replyDstPort);
        this.label = label;
        this.expiresAtNanos = expiresAtNanos;
    }

    /** The tuple of {@code direction}. */
    public Lookup tuple(Direction direction) {
        return direction == Direction.ORIGINAL ? original : reply;
    }

    /**
     * Which way a packet with this tuple travels on this connection: {@link Direction#ORIGINAL} if it is the
     * original tuple, {@link Direction#REPLY} if the reply tuple, null if neither. Allocation-free.
     */
    public Direction directionOf(int protocol, int srcIp, int srcPort, int dstIp, int dstPort) {
        if (original.matches(protocol, srcIp, srcPort, dstIp, dstPort)) {
            return Direction.ORIGINAL;
        }
        if (reply.matches(protocol, srcIp, srcPort, dstIp, dstPort)) {
            return Direction.REPLY;
        }
        return null;
    }

    /** The IPv4 protocol number: 6 TCP, 17 UDP, 1 ICMP. */
    public int protocol() {
        return original.protocol();
    }

    public int origSrcIp() {
        return original.srcIp();
    }

    public int origSrcPort() {
        return original.srcPort();
    }

    public int origDstIp() {
        return original.dstIp();
    }

    public int origDstPort() {
        return original.dstPort();
    }

    public int replySrcIp() {
        return reply.srcIp();
    }

    public int replySrcPort() {
        return reply.srcPort();
    }

    public int replyDstIp() {
        return reply.dstIp();
    }

    public int replyDstPort() {
        return reply.dstPort();
    }

    /** True if the destination was translated: replies come from elsewhere than the original destination. */
    public boolean dnat() {
        return reply.srcIp() != original.dstIp() || reply.srcPort() != original.dstPort();
    }

    /** True if the source was translated: replies go elsewhere than the original source. */
    public boolean snat() {
        return reply.dstIp() != original.srcIp() || reply.dstPort() != original.srcPort();
    }

    /** The TCP state; {@link TcpState#NONE} for other protocols. */
    public TcpState tcpState() {
        return tcpState;
    }

    /** True once a packet was seen in the reply direction (Linux's SEEN_REPLY; not shown as [UNREPLIED]). */
    public boolean replied() {
        return replied;
    }

    /**
     * True once the connection is known to be real (see the class comment; Linux's ASSURED): such an entry
     * is never dropped early to make room.
     */
    public boolean assured() {
        return assured;
    }

    /** When the entry expires unless another packet refreshes it. */
    public long expiresAtNanos() {
        return expiresAtNanos;
    }

    /** Free text set at creation, for listings and traces, e.g. "default/web:http → 10.244.2.3:8080". */
    public String label() {
        return label;
    }

    /** Packets counted in {@code direction}. */
    public synchronized long packets(Direction direction) {
        return direction == Direction.ORIGINAL ? originalPackets : replyPackets;
    }

    /** Bytes counted in {@code direction}, as passed to {@link Conntrack#update}. */
    public synchronized long bytes(Direction direction) {
        return direction == Direction.ORIGINAL ? originalBytes : replyBytes;
    }

    /** True while the entry is in the table and has not expired at {@code now}. */
    public boolean liveAt(long now) {
        return !removed && expiresAtNanos - now > 0;
    }

    /** Whole seconds left before expiry at {@code now}, 0 if expired; what {@code conntrack -L} prints. */
    public long secondsLeft(long now) {
        return Math.max(0, (expiresAtNanos - now) / 1_000_000_000L);
    }

    boolean removed() {
        return removed;
    }

    void markRemoved() {
        removed = true;
    }

    /** Accounts for one packet: moves the TCP state, marks a reply and assurance, refreshes the expiry. */
    synchronized void onPacket(Direction direction, int tcpFlags, int length, long now, Timeouts timeouts) {
        int protocol = protocol();
        TcpState state = tcpState;
        if (protocol == Ipv4Packet.PROTO_TCP) {
            TcpState next = state.next(direction, tcpFlags);
            if (next != state) {
                tcpState = next;
                state = next;
            }
        }
        if (direction == Direction.ORIGINAL) {
            originalPackets++;
            originalBytes += length;
        } else {
            replyPackets++;
            replyBytes += length;
            if (!replied) {
                replied = true;
            }
        }
        if (!assured && replied && protocol != Ipv4Packet.PROTO_ICMP
                && (protocol != Ipv4Packet.PROTO_TCP || state == TcpState.ESTABLISHED)) {
            assured = true;
        }
        expiresAtNanos = now + timeouts.of(protocol, state, replied);
    }

    /**
     * The entry as {@code conntrack -L -o extended} would print it, with counters:
     * "tcp 6 431999 ESTABLISHED src=… dst=… sport=… dport=… packets=3 bytes=180 src=… … [ASSURED]".
     */
    public String describe(long now) {
        StringBuilder out = new StringBuilder();
        int protocol = protocol();
        out.append(protocolName(protocol)).append(' ').append(protocol).append(' ').append(secondsLeft(now));
        if (protocol == Ipv4Packet.PROTO_TCP) {
            out.append(' ').append(tcpState);
        }
        synchronized (this) {
            out.append(' ').append(original.describeTuple())
                    .append(" packets=").append(originalPackets).append(" bytes=").append(originalBytes);
            if (!replied) {
                out.append(" [UNREPLIED]");
            }
            out.append(' ').append(reply.describeTuple())
                    .append(" packets=").append(replyPackets).append(" bytes=").append(replyBytes);
        }
        if (assured) {
            out.append(" [ASSURED]");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return protocolName(protocol()) + " " + original.describeTuple() + " " + reply.describeTuple()
                + (label == null || label.isEmpty() ? "" : " (" + label + ")");
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case Ipv4Packet.PROTO_TCP -> "tcp";
            case Ipv4Packet.PROTO_UDP -> "udp";
            case Ipv4Packet.PROTO_ICMP -> "icmp";
            default -> "unknown";
        };
    }
}
