package dev.vnet.nat.conntrack;

import dev.vnet.core.packet.TcpPacket;

/**
 * The state of a tracked TCP connection: a simplified version of the state machine of Linux's
 * {@code nf_conntrack_proto_tcp.c}, moved only by the flags of the packets seen in each direction. Linux also
 * checks sequence numbers against the windows and marks packets INVALID; we judge no packet, so where Linux
 * would say "invalid" or "ignore" the state simply stays as it is. Linux's SYN_SENT2 (simultaneous open) is
 * left out: a SYN answered by a SYN stays in SYN_SENT.
 *
 * <p>A packet is first classified by its flags, the first match winning: {@code rst} (RST), {@code synack}
 * (SYN and ACK), {@code syn}, {@code fin}, {@code ack}, else nothing (no change). The next state is then:
 *
 * <pre>
 *             NONE  SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE
 * ORIGINAL
 *   syn       SS    SS       .        .           .        .          .        SS        SS
 *   synack    .     .        .        .           .        .          .        .         .
 *   fin       .     .        FW       FW          LA       LA         .        .         .
 *   ack       ES    .        ES       .           CW       .          TW       .         .
 *   rst       .     CL       CL       CL          CL       CL         CL       CL        .
 * REPLY
 *   syn       .     .        .        .           .        .          .        SS        .
 *   synack    .     SR       .        .           .        .          .        .         .
 *   fin       .     .        FW       FW          LA       LA         .        .         .
 *   ack       .     .        .        .           CW       .          TW       .         .
 *   rst       .     CL       CL       CL          CL       CL         CL       CL        .
 *
 *   "." = unchanged; SS SYN_SENT, SR SYN_RECV, ES ESTABLISHED, FW FIN_WAIT, CW CLOSE_WAIT, LA LAST_ACK,
 *   TW TIME_WAIT, CL CLOSE
 * </pre>
 *
 * So an ordinary connection goes: client SYN → SYN_SENT, server SYN+ACK → SYN_RECV, client ACK →
 * ESTABLISHED; client FIN → FIN_WAIT, server ACK → CLOSE_WAIT, server FIN → LAST_ACK, client ACK →
 * TIME_WAIT. An ACK from the client in NONE (a connection picked up mid-stream, after a restart) goes
 * straight to ESTABLISHED, as Linux does with {@code nf_conntrack_tcp_loose=1}. Like Linux, an ACK in
 * FIN_WAIT counts as the answer to the FIN whichever side sends it, so a half-closed connection lives on
 * CLOSE_WAIT's 60 s. Each state's timeout is in {@link Timeouts}.
 */
public enum TcpState {
    NONE,
    SYN_SENT,
    SYN_RECV,
    ESTABLISHED,
    FIN_WAIT,
    CLOSE_WAIT,
    LAST_ACK,
    TIME_WAIT,
    CLOSE;

    private static final int SYN = 0;
    private static final int SYN_ACK = 1;
    private static final int FIN = 2;
    private static final int ACK = 3;
    private static final int RST = 4;
    private static final int OTHER = 5;

    /** [direction][packet class][current state] → next state; the table in the class comment, written out. */
    private static final TcpState[][][] NEXT = {
        { // ORIGINAL
            /* syn    */ {SYN_SENT, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, SYN_SENT, SYN_SENT},
            /* synack */ {NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE},
            /* fin    */ {NONE, SYN_SENT, FIN_WAIT, FIN_WAIT, LAST_ACK, LAST_ACK, LAST_ACK, TIME_WAIT, CLOSE},
            /* ack    */ {ESTABLISHED, SYN_SENT, ESTABLISHED, ESTABLISHED, CLOSE_WAIT, CLOSE_WAIT, TIME_WAIT, TIME_WAIT, CLOSE},
            /* rst    */ {NONE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE},
        },
        { // REPLY
            /* syn    */ {NONE, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, SYN_SENT, CLOSE},
            /* synack */ {NONE, SYN_RECV, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE},
            /* fin    */ {NONE, SYN_SENT, FIN_WAIT, FIN_WAIT, LAST_ACK, LAST_ACK, LAST_ACK, TIME_WAIT, CLOSE},
            /* ack    */ {NONE, SYN_SENT, SYN_RECV, ESTABLISHED, CLOSE_WAIT, CLOSE_WAIT, TIME_WAIT, TIME_WAIT, CLOSE},
            /* rst    */ {NONE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE, CLOSE},
        },
    };

    /** The state after a packet with TCP flags {@code tcpFlags} (the flags byte) travelling {@code direction}. */
    public TcpState next(Direction direction, int tcpFlags) {
        int packetClass = classify(tcpFlags);
        if (packetClass == OTHER) {
            return this;
        }
        return NEXT[direction.ordinal()][packetClass][ordinal()];
    }

    private static int classify(int flags) {
        if ((flags & TcpPacket.RST) != 0) {
            return RST;
        }
        if ((flags & TcpPacket.SYN) != 0) {
            return (flags & TcpPacket.ACK) != 0 ? SYN_ACK : SYN;
        }
        if ((flags & TcpPacket.FIN) != 0) {
            return FIN;
        }
        if ((flags & TcpPacket.ACK) != 0) {
            return ACK;
        }
        return OTHER;
    }
}
