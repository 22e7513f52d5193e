package dev.vnet.nat.conntrack;

import dev.vnet.core.packet.Ipv4Packet;

/**
 * How long a connection stays in the table after its last packet, by protocol and TCP state; all values in
 * nanoseconds. {@link #defaults()} gives Linux's defaults (the {@code net.netfilter.nf_conntrack_*_timeout*}
 * sysctls), so what a learner reads in {@code sysctl -a | grep conntrack} holds here too.
 *
 * @param tcpSynSent     SYN seen, no answer yet (nf_conntrack_tcp_timeout_syn_sent, 120 s); also used for
 *                       {@link TcpState#NONE}, a connection created but not yet seen opening
 * @param tcpSynRecv     SYN+ACK seen, waiting for the final ACK (…_syn_recv, 60 s)
 * @param tcpEstablished the handshake completed (…_established, 432000 s = 5 days)
 * @param tcpFinWait     one side sent FIN (…_fin_wait, 120 s)
 * @param tcpCloseWait   that FIN was acknowledged; the other side may still send (…_close_wait, 60 s)
 * @param tcpLastAck     both sides sent FIN, waiting for the last ACK (…_last_ack, 30 s)
 * @param tcpTimeWait    closed normally (…_time_wait, 120 s)
 * @param tcpClose       reset (…_close, 10 s)
 * @param udp            UDP seen in one direction only (nf_conntrack_udp_timeout, 30 s)
 * @param udpStream      UDP seen in both directions (nf_conntrack_udp_timeout_stream, 120 s)
 * @param icmp           ICMP echo (nf_conntrack_icmp_timeout, 30 s)
 * @param generic        any other protocol (nf_conntrack_generic_timeout, 600 s)
 */
public record Timeouts(
        long tcpSynSent,
        long tcpSynRecv,
        long tcpEstablished,
        long tcpFinWait,
        long tcpCloseWait,
        long tcpLastAck,
        long tcpTimeWait,
        long tcpClose,
        long udp,
        long udpStream,
        long icmp,
        long generic) {

    private static final long SECOND = 1_000_000_000L;

    public Timeouts {
        long[] all = {tcpSynSent, tcpSynRecv, tcpEstablished, tcpFinWait, tcpCloseWait, tcpLastAck, tcpTimeWait,
                tcpClose, udp, udpStream, icmp, generic};
        for (long t : all) {
            if (t <= 0) {
                throw new IllegalArgumentException("conntrack timeouts must be positive, got " + t + " ns");
            }
        }
    }

    /** Linux's defaults. */
    public static Timeouts defaults() {
        return new Timeouts(
                120 * SECOND, 60 * SECOND, 432_000 * SECOND, 120 * SECOND, 60 * SECOND, 30 * SECOND,
                120 * SECOND, 10 * SECOND,
                30 * SECOND, 120 * SECOND,
                30 * SECOND,
                600 * SECOND);
    }

    /** The timeout of a TCP connection in {@code state}. */
    public long tcp(TcpState state) {
        return switch (state) {
            case NONE, SYN_SENT -> tcpSynSent;
            case SYN_RECV -> tcpSynRecv;
            case ESTABLISHED -> tcpEstablished;
            case FIN_WAIT -> tcpFinWait;
            case CLOSE_WAIT -> tcpCloseWait;
            case LAST_ACK -> tcpLastAck;
            case TIME_WAIT -> tcpTimeWait;
            case CLOSE -> tcpClose;
        };
    }

    /**
     * The timeout after a packet of a connection of {@code protocol} (an IPv4 protocol number); the TCP state
     * matters only for TCP, {@code replied} (seen both ways) only for UDP.
     */
    public long of(int protocol, TcpState state, boolean replied) {
        return switch (protocol) {
            case Ipv4Packet.PROTO_TCP -> tcp(state);
            case Ipv4Packet.PROTO_UDP -> replied ? udpStream : udp;
            case Ipv4Packet.PROTO_ICMP -> icmp;
            default -> generic;
        };
    }
}
