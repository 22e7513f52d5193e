package dev.vnet.nat.conntrack;

import static dev.vnet.nat.conntrack.ConntrackTest.CLIENT;
import static dev.vnet.nat.conntrack.ConntrackTest.ENDPOINT;
import static dev.vnet.nat.conntrack.ConntrackTest.SECOND;
import static dev.vnet.nat.conntrack.ConntrackTest.T0;
import static dev.vnet.nat.conntrack.ConntrackTest.VIP;
import static dev.vnet.nat.conntrack.Direction.ORIGINAL;
import static dev.vnet.nat.conntrack.Direction.REPLY;
import static dev.vnet.nat.conntrack.TcpState.CLOSE;
import static dev.vnet.nat.conntrack.TcpState.CLOSE_WAIT;
import static dev.vnet.nat.conntrack.TcpState.ESTABLISHED;
import static dev.vnet.nat.conntrack.TcpState.FIN_WAIT;
import static dev.vnet.nat.conntrack.TcpState.LAST_ACK;
import static dev.vnet.nat.conntrack.TcpState.NONE;
import static dev.vnet.nat.conntrack.TcpState.SYN_RECV;
import static dev.vnet.nat.conntrack.TcpState.SYN_SENT;
import static dev.vnet.nat.conntrack.TcpState.TIME_WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vnet.core.packet.TcpPacket;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TcpStateTest {

    static final int SYN = TcpPacket.SYN;
    static final int SYN_ACK = TcpPacket.SYN | TcpPacket.ACK;
    static final int ACK = TcpPacket.ACK;
    static final int PSH_ACK = TcpPacket.PSH | TcpPacket.ACK;
    static final int FIN_ACK = TcpPacket.FIN | TcpPacket.ACK;
    static final int RST = TcpPacket.RST;
    static final int RST_ACK = TcpPacket.RST | TcpPacket.ACK;

    /** One packet: its direction and flags, the state it must lead to, and that state's timeout in seconds. */
    record Step(Direction dir, int flags, TcpState state, long timeoutSeconds) {
    }

    static Step step(Direction dir, int flags, TcpState state, long timeoutSeconds) {
        return new Step(dir, flags, state, timeoutSeconds);
    }

    static Stream<Arguments> connections() {
        return Stream.of(
                Arguments.of("three-way handshake", List.of(
                        step(ORIGINAL, SYN, SYN_SENT, 120),
                        step(REPLY, SYN_ACK, SYN_RECV, 60),
                        step(ORIGINAL, ACK, ESTABLISHED, 432_000),
                        step(ORIGINAL, PSH_ACK, ESTABLISHED, 432_000),
                        step(REPLY, PSH_ACK, ESTABLISHED, 432_000))),
                Arguments.of("client closes first", List.of(
                        step(ORIGINAL, SYN, SYN_SENT, 120),
                        step(REPLY, SYN_ACK, SYN_RECV, 60),
                        step(ORIGINAL, ACK, ESTABLISHED, 432_000),
                        step(ORIGINAL, FIN_ACK, FIN_WAIT, 120),
                        step(REPLY, ACK, CLOSE_WAIT, 60),
                        step(REPLY, FIN_ACK, LAST_ACK, 30),
                        step(ORIGINAL, ACK, TIME_WAIT, 120),
                        step(ORIGINAL, ACK, TIME_WAIT, 120))),
                Arguments.of("FIN answered by FIN+ACK", List.of(
                        step(ORIGINAL, ACK, ESTABLISHED, 432_000), // picked up mid-stream
                        step(ORIGINAL, FIN_ACK, FIN_WAIT, 120),
                        step(REPLY, FIN_ACK, LAST_ACK, 30),
                        step(ORIGINAL, ACK, TIME_WAIT, 120))),
                Arguments.of("server closes first", List.of(
                        step(ORIGINAL, SYN, SYN_SENT, 120),
                        step(REPLY, SYN_ACK, SYN_RECV, 60),
                        step(ORIGINAL, ACK, ESTABLISHED, 432_000),
                        step(REPLY, FIN_ACK, FIN_WAIT, 120),
                        step(ORIGINAL, ACK, CLOSE_WAIT, 60),
                        step(ORIGINAL, FIN_ACK, LAST_ACK, 30),
                        step(REPLY, ACK, TIME_WAIT, 120))),
                Arguments.of("refused: RST answers the SYN", List.of(
                        step(ORIGINAL, SYN, SYN_SENT, 120),
                        step(REPLY, RST_ACK, CLOSE, 10))),
                Arguments.of("reset while established", List.of(
                        step(ORIGINAL, SYN, SYN_SENT, 120),
                        step(REPLY, SYN_ACK, SYN_RECV, 60),
                        step(ORIGINAL, ACK, ESTABLISHED, 432_000),
                        step(ORIGINAL, RST, CLOSE, 10),
                        step(ORIGINAL, SYN, SYN_SENT, 120))), // the port is reused
                Arguments.of("ignored: ACK before the SYN+ACK, SYN+ACK from the client", List.of(
                        step(ORIGINAL, SYN, SYN_SENT, 120),
                        step(ORIGINAL, ACK, SYN_SENT, 120),
                        step(ORIGINAL, SYN_ACK, SYN_SENT, 120),
                        step(REPLY, SYN, SYN_SENT, 120),
                        step(REPLY, SYN_ACK, SYN_RECV, 60),
                        step(REPLY, SYN_ACK, SYN_RECV, 60),
                        step(REPLY, ACK, SYN_RECV, 60))),
                Arguments.of("nothing moves an unopened connection but SYN or ACK", List.of(
                        step(ORIGINAL, FIN_ACK & ~ACK, NONE, 120),
                        step(ORIGINAL, RST, NONE, 120),
                        step(REPLY, SYN_ACK, NONE, 120),
                        step(REPLY, ACK, NONE, 120),
                        step(ORIGINAL, 0, NONE, 120),
                        step(ORIGINAL, SYN, SYN_SENT, 120))),
                Arguments.of("reopened from TIME_WAIT", List.of(
                        step(ORIGINAL, ACK, ESTABLISHED, 432_000),
                        step(ORIGINAL, FIN_ACK, FIN_WAIT, 120),
                        step(REPLY, FIN_ACK, LAST_ACK, 30),
                        step(ORIGINAL, ACK, TIME_WAIT, 120),
                        step(ORIGINAL, SYN, SYN_SENT, 120))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connections")
    void flagsMoveTheStateAndSetItsTimeout(String name, List<Step> steps) {
        Conntrack ct = new Conntrack();
        ConnEntry e = ct.create(6, CLIENT, 40000, VIP, 80, ENDPOINT, 8080, CLIENT, 40000, name, T0);
        assertEquals(NONE, e.tcpState());
        long now = T0;
        for (Step s : steps) {
            now += SECOND;
            ct.update(e, s.dir, s.flags, 60, now);
            assertEquals(s.state, e.tcpState(), name + ": after " + s);
            assertEquals(now + s.timeoutSeconds * SECOND, e.expiresAtNanos(), name + ": timeout after " + s);
        }
        // The entry lives exactly its last state's timeout.
        long end = now + steps.get(steps.size() - 1).timeoutSeconds * SECOND;
        assertSame(e, ct.find(6, CLIENT, 40000, VIP, 80, end - 1));
        assertNull(ct.find(6, CLIENT, 40000, VIP, 80, end));
        assertEquals(1, ct.expire(end));
    }

    @ParameterizedTest
    @MethodSource("everyState")
    void rstClosesAnyOpenedConnectionFromEitherSide(TcpState from) {
        TcpState expected = from == NONE ? NONE : CLOSE;
        assertEquals(expected, from.next(ORIGINAL, RST));
        assertEquals(expected, from.next(REPLY, RST_ACK));
    }

    @ParameterizedTest
    @MethodSource("everyState")
    void packetsWithoutSynFinAckOrRstChangeNothing(TcpState from) {
        assertEquals(from, from.next(ORIGINAL, 0));
        assertEquals(from, from.next(REPLY, TcpPacket.PSH | TcpPacket.URG));
    }

    static Stream<TcpState> everyState() {
        return Stream.of(TcpState.values());
    }
}
