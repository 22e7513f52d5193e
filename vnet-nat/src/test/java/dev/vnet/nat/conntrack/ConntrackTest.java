package dev.vnet.nat.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.TcpPacket;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConntrackTest {

    static final long SECOND = 1_000_000_000L;
    /** An arbitrary start: System.nanoTime has no fixed origin, so tests should not start at 0. */
    static final long T0 = 7_000 * SECOND;

    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;

    static final int CLIENT = ip("10.244.1.2");
    static final int VIP = ip("10.96.0.20");
    static final int ENDPOINT = ip("10.244.2.3");
    static final int NODE = ip("192.168.56.11");

    /** Timeouts long enough that nothing expires during a test that does not mean it to. */
    static Timeouts longTimeouts() {
        long day = 86_400 * SECOND;
        return new Timeouts(day, day, day, day, day, day, day, day, day, day, day, day);
    }

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }

    private final Conntrack ct = new Conntrack();

    /** client:40000 → VIP:80, DNAT to ENDPOINT:8080. */
    private ConnEntry dnatFlow(int protocol, int clientPort) {
        return ct.create(protocol, CLIENT, clientPort, VIP, 80, ENDPOINT, 8080, CLIENT, clientPort,
                "default/web:http → 10.244.2.3:8080", T0);
    }

    @Test
    void defaultTimeoutsAreLinuxs() {
        Timeouts t = Timeouts.defaults();
        assertEquals(120 * SECOND, t.tcpSynSent());
        assertEquals(60 * SECOND, t.tcpSynRecv());
        assertEquals(432_000 * SECOND, t.tcpEstablished());
        assertEquals(120 * SECOND, t.tcpFinWait());
        assertEquals(60 * SECOND, t.tcpCloseWait());
        assertEquals(30 * SECOND, t.tcpLastAck());
        assertEquals(120 * SECOND, t.tcpTimeWait());
        assertEquals(10 * SECOND, t.tcpClose());
        assertEquals(30 * SECOND, t.udp());
        assertEquals(120 * SECOND, t.udpStream());
        assertEquals(30 * SECOND, t.icmp());
        assertEquals(Conntrack.DEFAULT_MAX, new Conntrack().maxEntries());
    }

    @Test
    void findsAnEntryByItsOriginalAndItsReplyTuple() {
        ConnEntry e = dnatFlow(TCP, 40000);

        assertSame(e, ct.find(TCP, CLIENT, 40000, VIP, 80, T0));
        assertEquals(Direction.ORIGINAL, e.directionOf(TCP, CLIENT, 40000, VIP, 80));
        assertSame(e, ct.find(TCP, ENDPOINT, 8080, CLIENT, 40000, T0));
        assertEquals(Direction.REPLY, e.directionOf(TCP, ENDPOINT, 8080, CLIENT, 40000));

        Lookup reply = ct.lookup(TCP, ENDPOINT, 8080, CLIENT, 40000, T0);
        assertSame(e, reply.entry());
        assertEquals(Direction.REPLY, reply.direction());
        assertSame(reply, ct.lookup(TCP, ENDPOINT, 8080, CLIENT, 40000, T0), "a hit allocates nothing");

        assertTrue(e.dnat());
        assertFalse(e.snat());
        assertEquals("default/web:http → 10.244.2.3:8080", e.label());
        assertEquals(1, ct.size());
        assertEquals(1, ct.inserted());
    }

    @Test
    void missesOtherTuples() {
        dnatFlow(TCP, 40000);
        assertNull(ct.find(TCP, CLIENT, 40001, VIP, 80, T0), "other client port");
        assertNull(ct.find(UDP, CLIENT, 40000, VIP, 80, T0), "other protocol");
        assertNull(ct.find(TCP, VIP, 80, CLIENT, 40000, T0), "the untranslated reply is not a tuple of the entry");
        assertNull(ct.find(TCP, CLIENT, 40000, ENDPOINT, 8080, T0), "the translated original is not either");
        assertNull(dnatFlow(TCP, 40000).directionOf(TCP, CLIENT, 1, VIP, 80));
    }

    @Test
    void translatedFieldsAreTheOtherTupleTurnedAround() {
        // With SNAT too: client → VIP:80 becomes NODE:61000 → ENDPOINT:8080.
        ConnEntry e = ct.create(TCP, CLIENT, 40000, VIP, 80, ENDPOINT, 8080, NODE, 61000, "", T0);
        assertTrue(e.dnat());
        assertTrue(e.snat());

        Lookup out = e.tuple(Direction.ORIGINAL);
        assertEquals(NODE, out.translatedSrcIp());
        assertEquals(61000, out.translatedSrcPort());
        assertEquals(ENDPOINT, out.translatedDstIp());
        assertEquals(8080, out.translatedDstPort());

        Lookup back = ct.lookup(TCP, ENDPOINT, 8080, NODE, 61000, T0);
        assertEquals(VIP, back.translatedSrcIp());
        assertEquals(80, back.translatedSrcPort());
        assertEquals(CLIENT, back.translatedDstIp());
        assertEquals(40000, back.translatedDstPort());
    }

    @Test
    void createReturnsTheEntryAlreadyTrackingTheOriginalTuple() {
        ConnEntry first = dnatFlow(TCP, 40000);
        ConnEntry again = ct.create(TCP, CLIENT, 40000, VIP, 80, ip("10.244.3.4"), 8080, CLIENT, 40000, "", T0);
        assertSame(first, again);
        assertEquals(1, ct.size());
        assertEquals(1, ct.inserted());
    }

    @Test
    void createRefusesATupleThatIsAnotherConnectionsTuple() {
        dnatFlow(TCP, 40000);
        // A second client SNATed to the same reply tuple: replies could not be told apart.
        assertNull(ct.create(TCP, ip("10.244.1.9"), 5000, VIP, 80, ENDPOINT, 8080, CLIENT, 40000, "", T0));
        // A new connection whose original tuple is the first one's reply tuple.
        assertNull(ct.create(TCP, ENDPOINT, 8080, CLIENT, 40000, ip("10.244.5.5"), 1, ENDPOINT, 8080, "", T0));
        assertEquals(2, ct.clashed());
        assertEquals(1, ct.size());
    }

    @Test
    void newEntryLivesTheInitialTimeoutThenExpires() {
        ConnEntry e = dnatFlow(UDP, 5353);
        assertEquals(T0 + 30 * SECOND, e.expiresAtNanos());
        assertSame(e, ct.find(UDP, CLIENT, 5353, VIP, 80, T0 + 30 * SECOND - 1));
        assertNull(ct.find(UDP, CLIENT, 5353, VIP, 80, T0 + 30 * SECOND), "expired entries are not found");
        assertEquals(1, ct.size(), "but stay until expire runs");

        assertEquals(0, ct.expire(T0 + 30 * SECOND - 1));
        assertEquals(1, ct.expire(T0 + 30 * SECOND));
        assertEquals(0, ct.size());
        assertEquals(1, ct.expired());
        assertNull(ct.find(UDP, ENDPOINT, 8080, CLIENT, 5353, T0), "both keys went");
    }

    @Test
    void udpLivesThirtySecondsUntilRepliedThenTwoMinutes() {
        ConnEntry e = dnatFlow(UDP, 5353);
        ct.update(e, Direction.ORIGINAL, 0, 60, T0);
        assertFalse(e.replied());
        assertEquals(T0 + 30 * SECOND, e.expiresAtNanos());
        ct.update(e, Direction.ORIGINAL, 0, 60, T0 + 10 * SECOND);
        assertEquals(T0 + 40 * SECOND, e.expiresAtNanos(), "each packet refreshes");

        ct.update(e, Direction.REPLY, 0, 100, T0 + 11 * SECOND);
        assertTrue(e.replied());
        assertEquals(T0 + 131 * SECOND, e.expiresAtNanos());
        ct.update(e, Direction.ORIGINAL, 0, 60, T0 + 12 * SECOND);
        assertEquals(T0 + 132 * SECOND, e.expiresAtNanos(), "stays a stream once replied");

        assertEquals(3, e.packets(Direction.ORIGINAL));
        assertEquals(180, e.bytes(Direction.ORIGINAL));
        assertEquals(1, e.packets(Direction.REPLY));
        assertEquals(100, e.bytes(Direction.REPLY));
        assertTrue(e.describe(T0 + 12 * SECOND).startsWith("udp 17 120 src=10.244.1.2 dst=10.96.0.20 sport=5353 "
                + "dport=80 packets=3 bytes=180 src=10.244.2.3 dst=10.244.1.2 sport=8080 dport=5353 packets=1 "
                + "bytes=100 [ASSURED]"), e.describe(T0 + 12 * SECOND));
    }

    @Test
    void icmpEchoIsTrackedByIdentifierInBothDirections() {
        int id = 0x1234;
        ConnEntry e = ct.create(ICMP, CLIENT, id, VIP, id, ENDPOINT, id, CLIENT, id, "ping", T0);
        assertSame(e, ct.find(ICMP, CLIENT, id, VIP, id, T0), "echo request");
        assertSame(e, ct.find(ICMP, ENDPOINT, id, CLIENT, id, T0), "echo reply");
        assertEquals(Direction.REPLY, e.directionOf(ICMP, ENDPOINT, id, CLIENT, id));
        assertNull(ct.find(ICMP, CLIENT, id + 1, VIP, id + 1, T0), "another ping process");

        ct.update(e, Direction.REPLY, 0, 84, T0 + SECOND);
        assertEquals(T0 + 31 * SECOND, e.expiresAtNanos());
        assertEquals(TcpState.NONE, e.tcpState());
        assertTrue(e.describe(T0 + SECOND).contains("src=10.244.1.2 dst=10.96.0.20 id=4660"));
    }

    @Test
    void fullTableOfAssuredConnectionsRefusesNewOnesAndCountsThem() {
        Conntrack small = new Conntrack(4, Timeouts.defaults());
        for (int port = 1; port <= 4; port++) {
            ConnEntry e = small.create(UDP, CLIENT, port, VIP, 53, ENDPOINT, 53, CLIENT, port, "", T0);
            small.update(e, Direction.REPLY, 0, 40, T0); // answered: assured, never dropped early
        }
        assertNull(small.create(UDP, CLIENT, 5, VIP, 53, ENDPOINT, 53, CLIENT, 5, "", T0));
        assertEquals(1, small.droppedFull());
        assertEquals(0, small.earlyDropped());
        assertEquals(4, small.size());
        // Tracked connections are still found, and still "created" (their entry returned).
        assertNotNull(small.create(UDP, CLIENT, 1, VIP, 53, ENDPOINT, 53, CLIENT, 1, "", T0));
        assertEquals(1, small.droppedFull());
    }

    @Test
    void staleEntriesMakeRoomInAFullTable() {
        Conntrack small = new Conntrack(4, Timeouts.defaults());
        for (int port = 1; port <= 4; port++) {
            small.create(UDP, CLIENT, port, VIP, 53, ENDPOINT, 53, CLIENT, port, "", T0);
        }
        // Keep one alive; the other three go stale after 30 s.
        ConnEntry kept = small.find(UDP, CLIENT, 4, VIP, 53, T0);
        small.update(kept, Direction.REPLY, 0, 40, T0 + 20 * SECOND);

        long later = T0 + 31 * SECOND;
        ConnEntry fresh = small.create(UDP, CLIENT, 5, VIP, 53, ENDPOINT, 53, CLIENT, 5, "", later);
        assertNotNull(fresh);
        assertEquals(0, small.droppedFull());
        assertEquals(3, small.expired());
        assertEquals(2, small.size());
        assertSame(kept, small.find(UDP, CLIENT, 4, VIP, 53, later));
    }

    @Test
    void anExpiredEntryIsReplacedByANewConnectionWithTheSameTuple() {
        ConnEntry old = dnatFlow(UDP, 5353);
        long later = T0 + 31 * SECOND;
        ConnEntry fresh = ct.create(UDP, CLIENT, 5353, VIP, 80, ip("10.244.3.3"), 8080, CLIENT, 5353, "new", later);
        assertNotNull(fresh);
        assertFalse(old == fresh);
        assertSame(fresh, ct.find(UDP, CLIENT, 5353, VIP, 80, later));
        assertNull(ct.find(UDP, ENDPOINT, 8080, CLIENT, 5353, later), "the old reply tuple went with it");
        assertEquals(1, ct.size());
        assertEquals(1, ct.expired());
    }

    @Test
    void removeTakesBothKeysAndCountsAreKept() {
        ConnEntry a = dnatFlow(TCP, 1000);
        ConnEntry b = dnatFlow(TCP, 1001);
        ct.create(TCP, CLIENT, 1002, VIP, 80, ip("10.244.3.3"), 8080, CLIENT, 1002, "", T0);
        assertEquals(2, ct.countTo(ENDPOINT, 8080));
        assertEquals(1, ct.countTo(ip("10.244.3.3"), 8080));
        assertEquals(0, ct.countTo(ENDPOINT, 9090));

        ct.remove(a);
        ct.remove(a); // twice is harmless
        assertNull(ct.find(TCP, CLIENT, 1000, VIP, 80, T0));
        assertNull(ct.find(TCP, ENDPOINT, 8080, CLIENT, 1000, T0));
        assertFalse(a.liveAt(T0));
        assertEquals(1, ct.countTo(ENDPOINT, 8080));
        assertEquals(2, ct.size());

        assertEquals(1, ct.removeIf(e -> e.replySrcIp() == ENDPOINT));
        assertFalse(b.liveAt(T0));
        assertEquals(0, ct.countTo(ENDPOINT, 8080));
        assertEquals(List.of(1002), ct.snapshot().stream().map(ConnEntry::origSrcPort).toList());
    }

    @Test
    void snapshotListsEachEntryOnce() {
        for (int port = 1; port <= 100; port++) {
            dnatFlow(TCP, port);
        }
        List<ConnEntry> all = ct.snapshot();
        assertEquals(100, all.size());
        assertEquals(100, all.stream().map(ConnEntry::origSrcPort).distinct().count());
    }

    @Test
    void tableGrowsAndCleansItsTombstones() {
        Conntrack t = new Conntrack(100_000, Timeouts.defaults());
        // Churn: many short-lived connections through a table that never holds more than 1000.
        for (int round = 0; round < 20; round++) {
            long now = T0 + round * 100 * SECOND;
            for (int port = 0; port < 1000; port++) {
                assertNotNull(t.create(UDP, CLIENT, port, VIP, 53, ENDPOINT, 53, CLIENT, port, "", now));
            }
            assertEquals(1000, t.expire(now + 31 * SECOND));
        }
        assertEquals(0, t.size());
        assertEquals(20_000, t.expired());
        assertTrue(t.slotCount() <= 4096, "slots: " + t.slotCount());
    }

    @Test
    void tcpIsAssuredOnlyOnceItsHandshakeCompletes() {
        ConnEntry e = dnatFlow(TCP, 40000);
        ct.update(e, Direction.ORIGINAL, TcpPacket.SYN, 60, T0);
        assertFalse(e.assured(), "SYN_SENT");
        ct.update(e, Direction.REPLY, TcpPacket.SYN | TcpPacket.ACK, 60, T0);
        assertEquals(TcpState.SYN_RECV, e.tcpState());
        assertTrue(e.replied());
        assertFalse(e.assured(), "SYN_RECV is answered but still half-open");
        assertFalse(e.describe(T0).contains("ASSURED"), e.describe(T0));

        ct.update(e, Direction.ORIGINAL, TcpPacket.ACK, 52, T0);
        assertEquals(TcpState.ESTABLISHED, e.tcpState());
        assertTrue(e.assured());
        assertTrue(e.describe(T0).endsWith(" [ASSURED]"), e.describe(T0));

        ct.update(e, Direction.ORIGINAL, TcpPacket.FIN | TcpPacket.ACK, 52, T0);
        ct.update(e, Direction.REPLY, TcpPacket.RST, 40, T0);
        assertEquals(TcpState.CLOSE, e.tcpState());
        assertTrue(e.assured(), "stays assured while it closes, as Linux's bit does");
    }

    @Test
    void aPickedUpConnectionIsAssuredOnceAnswered() {
        ConnEntry e = dnatFlow(TCP, 40000);
        ct.update(e, Direction.ORIGINAL, TcpPacket.ACK, 52, T0);
        assertEquals(TcpState.ESTABLISHED, e.tcpState(), "picked up mid-stream (nf_conntrack_tcp_loose)");
        assertFalse(e.assured(), "nothing answered yet: it may be a stray ACK");
        ct.update(e, Direction.REPLY, TcpPacket.ACK, 52, T0);
        assertTrue(e.assured());
    }

    @Test
    void udpIsAssuredOnceAnsweredAndIcmpEchoNever() {
        ConnEntry udp = dnatFlow(UDP, 5353);
        ct.update(udp, Direction.ORIGINAL, 0, 60, T0);
        assertFalse(udp.assured());
        ct.update(udp, Direction.REPLY, 0, 60, T0);
        assertTrue(udp.assured());

        ConnEntry ping = ct.create(ICMP, CLIENT, 7, VIP, 7, ENDPOINT, 7, CLIENT, 7, "ping", T0);
        ct.update(ping, Direction.ORIGINAL, 0, 84, T0);
        ct.update(ping, Direction.REPLY, 0, 84, T0);
        assertTrue(ping.replied());
        assertFalse(ping.assured(), "as in Linux, an echo is never assured");
        assertFalse(ping.describe(T0).contains("ASSURED"), ping.describe(T0));
    }

    @Test
    void describeShowsTcpStateAndUnreplied() {
        ConnEntry e = dnatFlow(TCP, 40000);
        ct.update(e, Direction.ORIGINAL, 0x02, 60, T0);
        assertEquals("tcp 6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.20 sport=40000 dport=80 packets=1 bytes=60 "
                + "[UNREPLIED] src=10.244.2.3 dst=10.244.1.2 sport=8080 dport=40000 packets=0 bytes=0",
                e.describe(T0));
        assertEquals("tcp src=10.244.1.2 dst=10.96.0.20 sport=40000 dport=80 src=10.244.2.3 dst=10.244.1.2 "
                + "sport=8080 dport=40000 (default/web:http → 10.244.2.3:8080)", e.toString());
    }
}
