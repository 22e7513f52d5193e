package dev.vnet.nat.conntrack;

import static dev.vnet.nat.conntrack.ConntrackTest.SECOND;
import static dev.vnet.nat.conntrack.ConntrackTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Several data-path threads creating and finding at once, while the table grows under them. */
class ConntrackConcurrencyTest {

    static final int UDP = 17;
    static final int WRITERS = 4;
    static final int PER_WRITER = 50_000;
    static final int READERS = 2;
    static final int VIP = 0x0A60_0014;
    static final int ENDPOINT = 0x0AF4_0203;

    /** Writer w's client number i: a distinct address and port per connection. */
    static int client(int w, int i) {
        return 0x0AF4_0000 | (w + 1) << 8 | (i >>> 14);
    }

    static int clientPort(int i) {
        return 1024 + (i & 0x3FFF);
    }

    @Test
    void concurrentCreatesAndFindsNeverMissAndAgreeOnTheSize() throws Exception {
        Conntrack ct = new Conntrack(1_000_000, ConntrackTest.longTimeouts());
        // Connections made before the race: readers must find every one of them, every time, while
        // writers grow (rebuild) the table under them.
        int preexisting = 1000;
        List<ConnEntry> old = new ArrayList<>();
        for (int i = 0; i < preexisting; i++) {
            old.add(ct.create(UDP, 0x0B00_0000 + i, 999, VIP, 53, ENDPOINT, 53, 0x0B00_0000 + i, 999, "", T0));
        }

        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            results.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < PER_WRITER; i++) {
                    int c = client(writer, i);
                    int port = clientPort(i);
                    long now = T0 + i;
                    ConnEntry e = ct.create(UDP, c, port, VIP, 53, ENDPOINT, 53, c, port, "w" + writer, now);
                    assertNotNull(e);
                    ct.update(e, Direction.ORIGINAL, 0, 60, now);
                    assertSame(e, ct.find(UDP, c, port, VIP, 53, now), "own connection, original");
                    assertSame(e, ct.find(UDP, ENDPOINT, 53, c, port, now), "own connection, reply");
                    // Someone else's, maybe not there yet: must not throw, and if found must be right.
                    int other = (writer + 1) % WRITERS;
                    ConnEntry theirs = ct.find(UDP, client(other, i), clientPort(i), VIP, 53, now);
                    if (theirs != null) {
                        assertEquals(client(other, i), theirs.origSrcIp());
                    }
                }
                return PER_WRITER;
            }));
        }
        for (int r = 0; r < READERS; r++) {
            results.add(pool.submit(() -> {
                start.await();
                int rounds = 0;
                while (writing.get() || rounds == 0) {
                    for (int i = 0; i < preexisting; i++) {
                        ConnEntry e = ct.find(UDP, 0x0B00_0000 + i, 999, VIP, 53, T0);
                        assertSame(old.get(i), e, "a connection that was always there");
                    }
                    rounds++;
                }
                return 0;
            }));
        }
        start.countDown();
        for (int w = 0; w < WRITERS; w++) {
            assertEquals(PER_WRITER, results.get(w).get(60, TimeUnit.SECONDS));
        }
        writing.set(false);
        for (Future<Integer> f : results) {
            f.get(60, TimeUnit.SECONDS); // rethrows any assertion a thread failed
        }
        pool.shutdown();

        int total = preexisting + WRITERS * PER_WRITER;
        assertEquals(total, ct.size());
        assertEquals(total, ct.inserted());
        assertEquals(total, ct.snapshot().size());
        assertEquals(total, ct.countTo(ENDPOINT, 53));
        for (int w = 0; w < WRITERS; w++) {
            for (int i = 0; i < PER_WRITER; i++) {
                assertNotNull(ct.find(UDP, ENDPOINT, 53, client(w, i), clientPort(i), T0 + SECOND));
            }
        }
    }

    @Test
    void aFloodOfHalfOpenConnectionsIntoAFullTableNeverDropsAnAssuredOne() throws Exception {
        int max = 20_000;
        int assuredCount = 10_000;
        Conntrack ct = new Conntrack(max, ConntrackTest.longTimeouts());
        List<ConnEntry> assured = new ArrayList<>();
        for (int i = 0; i < assuredCount; i++) {
            ConnEntry e = ct.create(UDP, 0x0B00_0000 + i, 999, VIP, 53, ENDPOINT, 53, 0x0B00_0000 + i, 999, "", T0);
            ct.update(e, Direction.REPLY, 0, 60, T0);
            assured.add(e);
        }
        for (int i = assuredCount; i < max; i++) {
            ct.create(UDP, 0x0B00_0000 + i, 999, VIP, 53, ENDPOINT, 53, 0x0B00_0000 + i, 999, "", T0);
        }

        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Future<Integer>> results = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            results.add(pool.submit(() -> {
                start.await();
                int admitted = 0;
                for (int i = 0; i < PER_WRITER; i++) {
                    int c = client(writer, i);
                    ConnEntry e = ct.create(UDP, c, clientPort(i), VIP, 53, ENDPOINT, 53, c, clientPort(i), "", T0);
                    if (e != null) {
                        admitted++;
                    }
                }
                return admitted;
            }));
        }
        for (int r = 0; r < READERS; r++) {
            results.add(pool.submit(() -> {
                start.await();
                int rounds = 0;
                while (writing.get() || rounds == 0) {
                    for (int i = 0; i < assuredCount; i++) {
                        assertSame(assured.get(i), ct.find(UDP, ENDPOINT, 53, 0x0B00_0000 + i, 999, T0),
                                "an assured connection, found while the flood goes on");
                    }
                    rounds++;
                }
                return 0;
            }));
        }
        start.countDown();
        long admitted = 0;
        for (int w = 0; w < WRITERS; w++) {
            admitted += results.get(w).get(60, TimeUnit.SECONDS);
        }
        writing.set(false);
        for (Future<Integer> f : results) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertEquals(max, ct.size());
        assertEquals(max + admitted, ct.inserted());
        assertEquals(admitted, ct.earlyDropped(), "every newcomer dropped one half-open connection");
        assertEquals(WRITERS * PER_WRITER - admitted, ct.droppedFull());
        assertTrue(admitted > WRITERS * PER_WRITER * 9L / 10, "admitted " + admitted);
        for (ConnEntry e : assured) {
            assertTrue(e.liveAt(T0));
        }
        assertEquals(max, ct.snapshot().size());
    }

    @Test
    void concurrentCreatesOfOneConnectionAgreeOnOneEntry() throws Exception {
        Conntrack ct = new Conntrack();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int round = 0; round < 200; round++) {
            int port = 2000 + round;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ConnEntry>> racers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int endpoint = ENDPOINT + t; // each thread's balancer chose differently
                racers.add(pool.submit(() -> {
                    start.await();
                    return ct.create(UDP, 0x0AF4_0102, port, VIP, 53, endpoint, 53, 0x0AF4_0102, port, "", T0);
                }));
            }
            start.countDown();
            ConnEntry winner = racers.get(0).get();
            for (Future<ConnEntry> f : racers) {
                assertSame(winner, f.get(), "every racer gets the one entry that won");
            }
        }
        pool.shutdown();
        assertEquals(200, ct.size());
    }
}
