package dev.vnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.bridge.Fdb.Entry;
import dev.vnet.bridge.Fdb.Learned;
import dev.vnet.core.addr.MacAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FdbTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long AGEING = Fdb.DEFAULT_AGEING_NANOS;
    /** An arbitrary start: System.nanoTime has no fixed origin, so tests should not start at 0. */
    private static final long T0 = 7_000 * SECOND;

    private static final long MAC_A = Frames.POD_A_MAC;
    private static final long MAC_B = Frames.POD_B_MAC;
    private static final long MAC_C = Frames.POD_C_MAC;

    private final BridgePort port1 = new BridgePort(1, "p1", (frame, length, now) -> true);
    private final BridgePort port2 = new BridgePort(2, "p2", (frame, length, now) -> true);
    private final Fdb fdb = new Fdb();

    @Test
    void defaultAgeingIsTheLinuxBridgeDefaultOf300Seconds() {
        assertEquals(300 * SECOND, fdb.ageingNanos());
        assertEquals(5 * SECOND, new Fdb(5 * SECOND).ageingNanos());
    }

    @Test
    void unknownMacLooksUpAsNull() {
        assertNull(fdb.lookup(MAC_A, T0));
        assertEquals(0, fdb.size());
    }

    @Test
    void learnedMacLooksUpToItsPort() {
        assertEquals(Learned.NEW, fdb.learn(MAC_A, port1, T0));
        assertEquals(Learned.NEW, fdb.learn(MAC_B, port2, T0));

        assertSame(port1, fdb.lookup(MAC_A, T0));
        assertSame(port2, fdb.lookup(MAC_B, T0));
        assertNull(fdb.lookup(MAC_C, T0));
        assertEquals(2, fdb.size());
    }

    @Test
    void relearningOnTheSamePortRefreshesAndKeepsThePort() {
        fdb.learn(MAC_A, port1, T0);

        assertEquals(Learned.REFRESHED, fdb.learn(MAC_A, port1, T0 + 200 * SECOND));

        assertSame(port1, fdb.lookup(MAC_A, T0 + 200 * SECOND));
        assertEquals(T0 + 200 * SECOND, fdb.entries().get(0).lastSeenNanos());
        assertEquals(1, fdb.size());
    }

    @Test
    void refreshingRestartsTheAgeingClock() {
        fdb.learn(MAC_A, port1, T0);
        fdb.learn(MAC_A, port1, T0 + 200 * SECOND);

        // 450 s after first seen but only 250 s after the refresh.
        assertSame(port1, fdb.lookup(MAC_A, T0 + 450 * SECOND));
        assertEquals(0, fdb.expire(T0 + 450 * SECOND));
    }

    @Test
    void learningOnAnotherPortMovesTheMac() {
        fdb.learn(MAC_A, port1, T0);

        assertEquals(Learned.MOVED, fdb.learn(MAC_A, port2, T0 + SECOND));

        assertSame(port2, fdb.lookup(MAC_A, T0 + SECOND));
        assertEquals(1, fdb.size());
        assertEquals(Learned.REFRESHED, fdb.learn(MAC_A, port2, T0 + 2 * SECOND));
    }

    /** nanoTime may start anywhere, even near overflow; ageing compares differences so it must not care. */
    @ParameterizedTest(name = "learned at {0}")
    @ValueSource(longs = {0L, 7_000_000_000_000L, -5_000_000_000_000_000_000L, Long.MAX_VALUE - 100_000_000_000L})
    void entryIsUnknownOneNanosecondAfterTheAgeingTimeEvenBeforeExpire(long learnedAt) {
        fdb.learn(MAC_A, port1, learnedAt);

        assertSame(port1, fdb.lookup(MAC_A, learnedAt + AGEING), "still known at exactly 300 s");
        assertNull(fdb.lookup(MAC_A, learnedAt + AGEING + 1), "unknown at 300 s + 1 ns");
        assertEquals(1, fdb.size(), "but still in the table until expire()");
    }

    @Test
    void expireRemovesOnlyAgedEntriesAndCountsThem() {
        fdb.learn(MAC_A, port1, T0);
        fdb.learn(MAC_B, port2, T0);
        fdb.learn(MAC_C, port1, T0 + 100 * SECOND);

        assertEquals(0, fdb.expire(T0 + AGEING), "nothing is older than 300 s yet");
        assertEquals(2, fdb.expire(T0 + AGEING + 1));

        assertEquals(1, fdb.size());
        assertEquals(List.of(MAC_C), fdb.entries().stream().map(Entry::mac).toList());
        assertSame(port1, fdb.lookup(MAC_C, T0 + AGEING + 1));
        assertEquals(0, fdb.expire(T0 + AGEING + 1), "a second expire finds nothing");
    }

    @Test
    void expiredMacIsLearnedAgainAsNew() {
        fdb.learn(MAC_A, port1, T0);
        fdb.expire(T0 + AGEING + 1);

        assertEquals(Learned.NEW, fdb.learn(MAC_A, port2, T0 + AGEING + 2));
        assertSame(port2, fdb.lookup(MAC_A, T0 + AGEING + 2));
    }

    @Test
    void customAgeingTimeApplies() {
        Fdb fast = new Fdb(10 * SECOND);
        fast.learn(MAC_A, port1, T0);

        assertSame(port1, fast.lookup(MAC_A, T0 + 10 * SECOND));
        assertNull(fast.lookup(MAC_A, T0 + 10 * SECOND + 1));
        assertEquals(1, fast.expire(T0 + 10 * SECOND + 1));
    }

    @Test
    void staticEntryNeverAges() {
        fdb.addStatic(Frames.GATEWAY_MAC, port1);
        long muchLater = T0 + 1_000_000 * AGEING;

        assertSame(port1, fdb.lookup(Frames.GATEWAY_MAC, muchLater));
        assertSame(port1, fdb.lookup(Frames.GATEWAY_MAC, Long.MIN_VALUE));
        assertEquals(0, fdb.expire(muchLater));
        assertEquals(1, fdb.size());
    }

    @Test
    void staticEntryIsNotMovedByTraffic() {
        fdb.addStatic(Frames.GATEWAY_MAC, port1);

        assertEquals(Learned.REFRESHED, fdb.learn(Frames.GATEWAY_MAC, port2, T0));

        assertSame(port1, fdb.lookup(Frames.GATEWAY_MAC, T0));
        Entry entry = fdb.entries().get(0);
        assertTrue(entry.isStatic());
        assertSame(port1, entry.port());
    }

    @Test
    void staticEntryReplacesALearnedOne() {
        fdb.learn(Frames.GATEWAY_MAC, port2, T0);

        fdb.addStatic(Frames.GATEWAY_MAC, port1);

        assertSame(port1, fdb.lookup(Frames.GATEWAY_MAC, T0 + 2 * AGEING));
        assertEquals(1, fdb.size());
    }

    @Test
    void removePortForgetsEveryEntryOnThatPortAndNoOther() {
        fdb.learn(MAC_A, port1, T0);
        fdb.learn(MAC_B, port2, T0);
        fdb.learn(MAC_C, port1, T0);
        fdb.addStatic(Frames.GATEWAY_MAC, port1);

        assertEquals(3, fdb.removePort(port1), "learned and static entries alike");

        assertNull(fdb.lookup(MAC_A, T0));
        assertNull(fdb.lookup(MAC_C, T0));
        assertNull(fdb.lookup(Frames.GATEWAY_MAC, T0));
        assertSame(port2, fdb.lookup(MAC_B, T0));
        assertEquals(1, fdb.size());
        assertEquals(0, fdb.removePort(port1));
    }

    @Test
    void growsPastItsInitialTableSize() {
        BridgePort[] ports = {port1, port2, new BridgePort(3, "p3", (frame, length, now) -> true)};
        Map<Long, BridgePort> expected = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            // Locally administered unicast MACs 02:00:00:00:xx:xx, close together to crowd the hash.
            long mac = 0x02_00_00_00_00_00L | i;
            BridgePort port = ports[i % ports.length];
            assertEquals(Learned.NEW, fdb.learn(mac, port, T0 + i));
            expected.put(mac, port);
        }

        assertEquals(1_000, fdb.size());
        assertEquals(1_000, fdb.entries().size());
        expected.forEach((mac, port) -> assertSame(port, fdb.lookup(mac, T0 + 1_000), MacAddress.toString(mac)));
        assertNull(fdb.lookup(0x02_00_00_00_10_00L, T0 + 1_000));
    }

    @Test
    void growsAndStillExpiresAndRemovesCorrectly() {
        for (int i = 0; i < 1_000; i++) {
            fdb.learn(0x02_00_00_00_00_00L | i, i % 2 == 0 ? port1 : port2, i < 500 ? T0 : T0 + 100 * SECOND);
        }

        assertEquals(500, fdb.expire(T0 + AGEING + 1));
        assertEquals(250, fdb.removePort(port1));

        assertEquals(250, fdb.size());
        for (int i = 500; i < 1_000; i++) {
            long mac = 0x02_00_00_00_00_00L | i;
            assertEquals(i % 2 == 0 ? null : port2, fdb.lookup(mac, T0 + AGEING + 1), MacAddress.toString(mac));
        }
    }

    @Test
    void entriesIsASnapshotThatLaterChangesDoNotTouch() {
        fdb.learn(MAC_A, port1, T0);
        fdb.addStatic(Frames.GATEWAY_MAC, port2);

        List<Entry> snapshot = fdb.entries();
        fdb.learn(MAC_B, port2, T0 + SECOND);
        fdb.removePort(port1);

        assertEquals(2, snapshot.size());
        Map<Long, Entry> byMac = new HashMap<>();
        snapshot.forEach(e -> byMac.put(e.mac(), e));
        Entry learned = byMac.get(MAC_A);
        assertSame(port1, learned.port());
        assertFalse(learned.isStatic());
        assertEquals(T0, learned.lastSeenNanos());
        Entry pinned = byMac.get(Frames.GATEWAY_MAC);
        assertSame(port2, pinned.port());
        assertTrue(pinned.isStatic());
        assertEquals(2, fdb.entries().size(), "the live table moved on: B and the gateway");
    }
}
