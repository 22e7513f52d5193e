package dev.vnet.nat.conntrack;

import static dev.vnet.nat.conntrack.ConntrackTest.ENDPOINT;
import static dev.vnet.nat.conntrack.ConntrackTest.ICMP;
import static dev.vnet.nat.conntrack.ConntrackTest.SECOND;
import static dev.vnet.nat.conntrack.ConntrackTest.T0;
import static dev.vnet.nat.conntrack.ConntrackTest.TCP;
import static dev.vnet.nat.conntrack.ConntrackTest.UDP;
import static dev.vnet.nat.conntrack.ConntrackTest.VIP;
import static dev.vnet.nat.conntrack.ConntrackTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.TcpPacket;
import dev.vnet.nat.AllocationMeter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A full table makes room as Linux's early_drop does: a new connection drops one entry that is not assured
 * (half-open, unanswered) near its own slot; assured connections are never dropped, and a table full of them
 * refuses the newcomer. A SNAT port is reclaimed the same way.
 */
class ConntrackPressureTest {

    static final int NEW_CLIENT = ip("192.168.56.1");
    static final int SNAT = ip("10.244.1.0");
    static final int NODE = ip("192.168.56.11");
    static final String LABEL = "default/web:http → 10.244.2.3:8080";

    /** How the connections that fill the table got where they are. */
    enum Filler {
        SYN_SENT(false), SYN_RECV(false), UDP_UNANSWERED(false), PING_ANSWERED(false),
        ESTABLISHED(true), CLOSING_AFTER_ESTABLISHED(true), UDP_ANSWERED(true);

        final boolean assured;

        Filler(boolean assured) {
            this.assured = assured;
        }

        /** Connection number {@code i}: client 11.0.0.0 + i, port 1000 (ICMP identifier 1000). */
        ConnEntry open(Conntrack ct, int i, long now) {
            int client = 0x0B00_0000 + i;
            int protocol = switch (this) {
                case UDP_UNANSWERED, UDP_ANSWERED -> UDP;
                case PING_ANSWERED -> ICMP;
                default -> TCP;
            };
            int port = protocol == ICMP ? 1000 : 80;
            int endpointPort = protocol == ICMP ? 1000 : 8080;
            ConnEntry e = ct.create(protocol, client, 1000, VIP, port, ENDPOINT, endpointPort, client, 1000, LABEL, now);
            switch (this) {
                case SYN_SENT -> ct.update(e, Direction.ORIGINAL, TcpPacket.SYN, 60, now);
                case SYN_RECV -> {
                    ct.update(e, Direction.ORIGINAL, TcpPacket.SYN, 60, now);
                    ct.update(e, Direction.REPLY, TcpPacket.SYN | TcpPacket.ACK, 60, now);
                }
                case ESTABLISHED, CLOSING_AFTER_ESTABLISHED -> {
                    ct.update(e, Direction.ORIGINAL, TcpPacket.SYN, 60, now);
                    ct.update(e, Direction.REPLY, TcpPacket.SYN | TcpPacket.ACK, 60, now);
                    ct.update(e, Direction.ORIGINAL, TcpPacket.ACK, 52, now);
                    if (this == CLOSING_AFTER_ESTABLISHED) {
                        ct.update(e, Direction.ORIGINAL, TcpPacket.FIN | TcpPacket.ACK, 52, now);
                    }
                }
                case UDP_UNANSWERED -> ct.update(e, Direction.ORIGINAL, 0, 60, now);
                case UDP_ANSWERED, PING_ANSWERED -> {
                    ct.update(e, Direction.ORIGINAL, 0, 60, now);
                    ct.update(e, Direction.REPLY, 0, 60, now);
                }
            }
            assertEquals(assured, e.assured(), this + " assured");
            return e;
        }
    }

    static List<ConnEntry> fill(Conntrack ct, int count, Filler filler, long now) {
        List<ConnEntry> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(filler.open(ct, i, now));
        }
        assertEquals(count, ct.size());
        return all;
    }

    static ConnEntry newcomer(Conntrack ct, long now) {
        return ct.create(TCP, NEW_CLIENT, 50000, VIP, 80, ENDPOINT, 8080, NEW_CLIENT, 50000, LABEL, now);
    }

    @ParameterizedTest
    @EnumSource(value = Filler.class, names = {"SYN_SENT", "SYN_RECV", "UDP_UNANSWERED", "PING_ANSWERED"})
    void aTableFullOfUnassuredEntriesLetsANewConnectionInByDroppingExactlyOne(Filler filler) {
        Conntrack ct = new Conntrack(1000, Timeouts.defaults());
        List<ConnEntry> old = fill(ct, 1000, filler, T0);
        long later = T0 + SECOND; // nothing has expired

        ConnEntry fresh = newcomer(ct, later);

        assertNotNull(fresh, "a new connection gets in");
        assertSame(fresh, ct.find(TCP, NEW_CLIENT, 50000, VIP, 80, later));
        assertEquals(1000, ct.size());
        assertEquals(1, ct.earlyDropped());
        assertEquals(0, ct.droppedFull());
        assertEquals(0, ct.expired());
        List<ConnEntry> gone = old.stream().filter(e -> !e.liveAt(later)).toList();
        assertEquals(1, gone.size(), "exactly one entry dropped early");
        ConnEntry victim = gone.get(0);
        assertNull(ct.find(victim.protocol(), victim.origSrcIp(), victim.origSrcPort(), victim.origDstIp(),
                victim.origDstPort(), later), "its original tuple went");
        assertNull(ct.find(victim.protocol(), victim.replySrcIp(), victim.replySrcPort(), victim.replyDstIp(),
                victim.replyDstPort(), later), "and its reply tuple");
        assertEquals(1000, ct.snapshot().size());
    }

    @ParameterizedTest
    @EnumSource(value = Filler.class, names = {"ESTABLISHED", "CLOSING_AFTER_ESTABLISHED", "UDP_ANSWERED"})
    void aTableFullOfAssuredEntriesRefusesANewConnectionAndKeepsThemAll(Filler filler) {
        Conntrack ct = new Conntrack(1000, Timeouts.defaults());
        List<ConnEntry> old = fill(ct, 1000, filler, T0);
        long later = T0 + SECOND;

        assertNull(newcomer(ct, later));

        assertEquals(1, ct.droppedFull());
        assertEquals(0, ct.earlyDropped());
        assertEquals(1000, ct.size());
        assertTrue(old.stream().allMatch(e -> e.liveAt(later)), "no assured entry was dropped");
        assertNull(ct.find(TCP, NEW_CLIENT, 50000, VIP, 80, later));
    }

    @Test
    void theEntryDroppedIsTheUnassuredOneNearestItsExpiry() {
        // Eight entries sit in 64 slots, all inside the early-drop window.
        Conntrack ct = new Conntrack(8, Timeouts.defaults());
        List<ConnEntry> established = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            established.add(Filler.ESTABLISHED.open(ct, i, T0));
        }
        ConnEntry synSent = Filler.SYN_SENT.open(ct, 6, T0);   // expires in 120 s
        ConnEntry synRecv = Filler.SYN_RECV.open(ct, 7, T0);   // expires in 60 s
        long later = T0 + SECOND;

        assertNotNull(newcomer(ct, later));

        assertFalse(synRecv.liveAt(later), "the half-open connection nearest its expiry went");
        assertTrue(synSent.liveAt(later));
        assertTrue(established.stream().allMatch(e -> e.liveAt(later)));
        assertEquals(1, ct.earlyDropped());
    }

    @Test
    void expiredEntriesNearTheNewTupleGoBeforeAnyLiveOne() {
        Conntrack ct = new Conntrack(8, Timeouts.defaults());
        for (int i = 0; i < 4; i++) {
            Filler.ESTABLISHED.open(ct, i, T0);
        }
        List<ConnEntry> halfOpen = new ArrayList<>();
        for (int i = 4; i < 8; i++) {
            halfOpen.add(Filler.SYN_SENT.open(ct, i, T0 + 30 * SECOND));
        }
        Filler.UDP_UNANSWERED.open(ct, 8, T0); // full: this one dropped one half-open connection early
        assertEquals(1, ct.earlyDropped());
        long later = T0 + 31 * SECOND;        // the UDP entry's 30 s are over; the half-open ones have 119 s

        assertNotNull(newcomer(ct, later));

        assertEquals(1, ct.expired(), "the expired UDP entry made the room");
        assertEquals(1, ct.earlyDropped(), "no live entry was dropped for it");
        assertEquals(3, halfOpen.stream().filter(e -> e.liveAt(later)).count());
        assertEquals(8, ct.size());
    }

    @Test
    void aReplyTupleHeldByAnUnassuredConnectionIsReclaimedWhenAsked() {
        Conntrack ct = new Conntrack();
        // A SYN from outside to a NodePort, SNATed to port 40000 toward the endpoint, never answered.
        ConnEntry halfOpen = ct.create(TCP, ip("203.0.113.7"), 50000, NODE, 30080, ENDPOINT, 8080, SNAT, 40000,
                LABEL, T0);
        ct.update(halfOpen, Direction.ORIGINAL, TcpPacket.SYN, 60, T0);

        assertNull(ct.create(TCP, NEW_CLIENT, 50000, NODE, 30080, ENDPOINT, 8080, SNAT, 40000, LABEL, T0),
                "without asking, a held reply tuple is a clash");
        assertEquals(1, ct.clashed());
        assertTrue(halfOpen.liveAt(T0));

        ConnEntry real = ct.create(TCP, NEW_CLIENT, 50000, NODE, 30080, ENDPOINT, 8080, SNAT, 40000, LABEL, T0, true);

        assertNotNull(real);
        assertFalse(halfOpen.liveAt(T0));
        assertSame(real, ct.find(TCP, ENDPOINT, 8080, SNAT, 40000, T0), "the reply tuple is the new flow's");
        assertNull(ct.find(TCP, ip("203.0.113.7"), 50000, NODE, 30080, T0));
        assertEquals(1, ct.reclaimed());
        assertEquals(0, ct.earlyDropped());
        assertEquals(1, ct.size());
        assertEquals(1, ct.countTo(ENDPOINT, 8080));
    }

    @Test
    void aReplyTupleHeldByAnAssuredConnectionIsNeverReclaimed() {
        Conntrack ct = new Conntrack();
        ConnEntry established = ct.create(TCP, ip("203.0.113.7"), 50000, NODE, 30080, ENDPOINT, 8080, SNAT, 40000,
                LABEL, T0);
        ct.update(established, Direction.ORIGINAL, TcpPacket.SYN, 60, T0);
        ct.update(established, Direction.REPLY, TcpPacket.SYN | TcpPacket.ACK, 60, T0);
        ct.update(established, Direction.ORIGINAL, TcpPacket.ACK, 52, T0);

        assertNull(ct.create(TCP, NEW_CLIENT, 50000, NODE, 30080, ENDPOINT, 8080, SNAT, 40000, LABEL, T0, true));

        assertTrue(established.liveAt(T0));
        assertEquals(1, ct.clashed());
        assertEquals(0, ct.reclaimed());
    }

    @Test
    void earlyDropAllocatesNothingBeyondTheNewEntry() {
        // Both tables hold 100,000 entries in 524,288 slots and take 25,000 more entries without a rebuild,
        // so what a create allocates is its entry alone, plus whatever making room costs.
        Conntrack full = new Conntrack(100_000, ConntrackTest.longTimeouts());
        fill(full, 100_000, Filler.SYN_SENT, T0);
        Conntrack roomy = new Conntrack(200_000, ConntrackTest.longTimeouts());
        fill(roomy, 100_000, Filler.SYN_SENT, T0);
        int fullSlots = full.slotCount();
        int roomySlots = roomy.slotCount();

        long pressed = AllocationMeter.bytesAllocated(5_000, 20_000, new Creates(full));
        long unpressed = AllocationMeter.bytesAllocated(5_000, 20_000, new Creates(roomy));

        assertEquals(fullSlots, full.slotCount(), "the premise: no rebuild while measuring");
        assertEquals(roomySlots, roomy.slotCount(), "the premise: no rebuild while measuring");
        assertEquals(25_000, full.earlyDropped());
        assertEquals(100_000, full.size());
        assertEquals(125_000, roomy.size());
        assertTrue(unpressed > 0, "a new entry allocates");
        assertTrue(pressed <= unpressed + 1024, "early drop allocated " + (pressed - unpressed) + " bytes over "
                + "20,000 creates (" + unpressed / 20_000 + " bytes per entry)");
    }

    /** Creates a new connection from a new client on each run. */
    private static final class Creates implements Runnable {
        private final Conntrack ct;
        private int next;

        Creates(Conntrack ct) {
            this.ct = ct;
        }

        @Override
        public void run() {
            int client = 0x0C00_0000 + next++;
            assertNotNull(ct.create(TCP, client, 1000, VIP, 80, ENDPOINT, 8080, client, 1000, LABEL, T0 + SECOND));
        }
    }
}
