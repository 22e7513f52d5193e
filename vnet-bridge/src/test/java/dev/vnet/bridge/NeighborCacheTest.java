package dev.vnet.bridge;

import static dev.vnet.bridge.Frames.POD_A_IP;
import static dev.vnet.bridge.Frames.POD_A_MAC;
import static dev.vnet.bridge.Frames.POD_B_IP;
import static dev.vnet.bridge.Frames.POD_B_MAC;
import static dev.vnet.bridge.Frames.ip;
import static dev.vnet.bridge.Frames.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NeighborCacheTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long LIFETIME = NeighborCache.ENTRY_LIFETIME_NANOS;
    private static final long T0 = 9_000 * SECOND;
    /** What lookup answers for an unknown or stale address. */
    private static final long UNKNOWN = -1;

    private final NeighborCache cache = new NeighborCache();

    @Test
    void lifetimeIsSixtySeconds() {
        assertEquals(60 * SECOND, LIFETIME);
    }

    @Test
    void unknownAddressLooksUpAsMinusOne() {
        assertEquals(UNKNOWN, cache.lookup(POD_A_IP, T0));
    }

    @Test
    void updatedAddressLooksUpToItsMac() {
        cache.update(POD_A_IP, POD_A_MAC, T0);
        cache.update(POD_B_IP, POD_B_MAC, T0);

        assertEquals(POD_A_MAC, cache.lookup(POD_A_IP, T0));
        assertEquals(POD_B_MAC, cache.lookup(POD_B_IP, T0 + SECOND));
    }

    @Test
    void updateReplacesTheMac() {
        cache.update(POD_A_IP, POD_A_MAC, T0);
        long newMac = mac("0a:58:0a:f4:01:99");

        cache.update(POD_A_IP, newMac, T0 + SECOND);

        assertEquals(newMac, cache.lookup(POD_A_IP, T0 + SECOND));
        assertEquals(Map.of(POD_A_IP, newMac), cache.snapshot());
    }

    @Test
    void entryIsStaleOneNanosecondAfterSixtySeconds() {
        cache.update(POD_A_IP, POD_A_MAC, T0);

        assertEquals(POD_A_MAC, cache.lookup(POD_A_IP, T0 + LIFETIME));
        assertEquals(UNKNOWN, cache.lookup(POD_A_IP, T0 + LIFETIME + 1));
        assertEquals(1, cache.snapshot().size(), "stale, but kept until expire()");
    }

    @Test
    void updateConfirmsTheEntryForAnotherSixtySeconds() {
        cache.update(POD_A_IP, POD_A_MAC, T0);
        cache.update(POD_A_IP, POD_A_MAC, T0 + 50 * SECOND);

        assertEquals(POD_A_MAC, cache.lookup(POD_A_IP, T0 + 100 * SECOND));
    }

    @Test
    void expireRemovesStaleEntriesAndCountsThem() {
        cache.update(POD_A_IP, POD_A_MAC, T0);
        cache.update(POD_B_IP, POD_B_MAC, T0 + 30 * SECOND);

        assertEquals(0, cache.expire(T0 + LIFETIME));
        assertEquals(1, cache.expire(T0 + LIFETIME + 1));

        assertEquals(Map.of(POD_B_IP, POD_B_MAC), cache.snapshot());
        assertEquals(1, cache.expire(T0 + 30 * SECOND + LIFETIME + 1));
        assertEquals(Map.of(), cache.snapshot());
    }

    @Test
    void removeForgetsOneAddress() {
        cache.update(POD_A_IP, POD_A_MAC, T0);
        cache.update(POD_B_IP, POD_B_MAC, T0);

        cache.remove(POD_A_IP);

        assertEquals(UNKNOWN, cache.lookup(POD_A_IP, T0));
        assertEquals(POD_B_MAC, cache.lookup(POD_B_IP, T0));
    }

    @Test
    void snapshotIsOrderedByAddressAsUnsignedNumbers() {
        // 192.168.0.1 is a negative int; it must still sort after 10.x.
        cache.update(ip("192.168.0.1"), 3, T0);
        cache.update(ip("10.244.1.9"), 2, T0);
        cache.update(ip("10.244.1.2"), 1, T0);

        assertEquals(List.of(ip("10.244.1.2"), ip("10.244.1.9"), ip("192.168.0.1")),
                List.copyOf(cache.snapshot().keySet()));
    }
}
