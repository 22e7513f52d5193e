package dev.vnet.nat.conntrack;

import static dev.vnet.nat.conntrack.ConntrackTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The memory goal: a million tracked connections in at most 256 MB of heap. Measured with
 * {@link Runtime} around a forced collection, so the number is what the table really retains.
 */
class ConntrackMemoryTest {

    static final int CONNECTIONS = 1_000_000;
    static final long BUDGET_BYTES = 256L * 1024 * 1024;

    @Test
    void aMillionConnectionsFitIn256Megabytes() {
        long before = usedHeapAfterGc();
        Conntrack ct = new Conntrack(CONNECTIONS, Timeouts.defaults());
        String label = "default/web:http → 10.244.2.3:8080"; // shared, as the Service table shares it
        long start = System.nanoTime(); // only to report the time taken; the table sees T0
        for (int i = 0; i < CONNECTIONS; i++) {
            int client = 0x0AF4_0000 | (i >>> 15);       // 10.244.x.y, 32768 ports each
            int port = 32768 + (i & 0x7FFF);
            int endpoint = 0x0AF4_0200 | (i % 50);       // 50 endpoints
            assertNotNull(ct.create(6, client, port, 0x0A60_0014, 80, endpoint, 8080, 0x0AF4_0101, port + i % 7,
                    label, T0));
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        long after = usedHeapAfterGc();
        assertEquals(CONNECTIONS, ct.size());
        assertNotNull(ct.find(6, 0x0AF4_0000, 32768, 0x0A60_0014, 80, T0));

        long used = after - before;
        long perEntry = used / CONNECTIONS;
        System.out.printf("conntrack: %d connections in %d MB (%d bytes each, %d slots), built in %d ms%n",
                CONNECTIONS, used >> 20, perEntry, ct.slotCount(), elapsedMillis);
        assertTrue(used <= BUDGET_BYTES, "used " + (used >> 20) + " MB, " + perEntry + " bytes per connection");
        // Keep the table reachable until measured.
        assertEquals(CONNECTIONS, ct.snapshot().size());
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        // A few rounds: the first may leave garbage that a finaliser or reference queue still holds.
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
