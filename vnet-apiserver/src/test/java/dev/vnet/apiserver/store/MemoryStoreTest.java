package dev.vnet.apiserver.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.store.ClusterStore.ConflictException;
import dev.vnet.apiserver.store.ClusterStore.Event;
import dev.vnet.apiserver.store.ClusterStore.EventType;
import dev.vnet.apiserver.store.ClusterStore.Versioned;
import dev.vnet.apiserver.store.ClusterStore.Watch;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryStoreTest {

    private static final String POD = "Pod";
    private static final String NODE = "Node";
    /** How long a test waits for an event that should come. */
    private static final long WAIT_SECONDS = 5;
    /** How long a test waits for an event that should not come. */
    private static final long QUIET_MILLIS = 200;

    /** A stand-in resource: the store keeps any immutable record. */
    private record Thing(String value) {}

    private final MemoryStore store = new MemoryStore();

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** A listener that queues what it is given, for the test thread to take with a timeout. */
    private static final class Recorder {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        void accept(Event e) {
            events.add(e);
        }

        Event next() throws InterruptedException {
            Event e = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(e, "no event within " + WAIT_SECONDS + " s");
            return e;
        }

        void assertQuiet() throws InterruptedException {
            Event e = events.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
            assertNull(e, () -> "unexpected event " + e);
        }
    }

    private Watch watch(String kind, long fromRevision, Recorder recorder) {
        return store.watch(kind, fromRevision, recorder::accept);
    }

    // --- reads and writes ---

    @Test
    void anEmptyStoreIsAtRevisionZero() {
        assertEquals(0, store.revision());
    }

    @Test
    void createReturnsTheNextRevision() throws Exception {
        assertEquals(1, store.create(POD, "default/a", new Thing("a")));
        assertEquals(2, store.create(POD, "default/b", new Thing("b")));
        assertEquals(2, store.revision());
    }

    @Test
    void getReturnsTheValueWithTheRevisionThatWroteIt() throws Exception {
        store.create(POD, "default/a", new Thing("a"));
        store.create(POD, "default/b", new Thing("b"));

        assertEquals(Optional.of(new Versioned<>(new Thing("a"), 1)), store.get(POD, "default/a", Thing.class));
        assertEquals(Optional.of(new Versioned<>(new Thing("b"), 2)), store.get(POD, "default/b", Thing.class));
    }

    @Test
    void getOfAMissingKeyIsEmpty() throws Exception {
        store.create(POD, "default/a", new Thing("a"));

        assertEquals(Optional.empty(), store.get(POD, "default/missing", Thing.class));
        assertEquals(Optional.empty(), store.get(NODE, "default/a", Thing.class));
    }

    @Test
    void listReturnsOneKindInKeyOrder() throws Exception {
        store.create(POD, "default/c", new Thing("c"));
        store.create(NODE, "/node-1", new Thing("node"));
        store.create(POD, "default/a", new Thing("a"));
        store.create(POD, "default/b", new Thing("b"));

        assertEquals(List.of(new Thing("a"), new Thing("b"), new Thing("c")), store.list(POD, Thing.class));
        assertEquals(List.of(new Thing("node")), store.list(NODE, Thing.class));
    }

    @Test
    void listOfAnUnknownKindIsEmpty() {
        assertEquals(List.of(), store.list("Service", Thing.class));
    }

    @Test
    void createOfAnExistingKeyThrowsConflictAndWritesNothing() throws Exception {
        store.create(POD, "default/a", new Thing("first"));

        ConflictException e = assertThrows(ConflictException.class,
                () -> store.create(POD, "default/a", new Thing("second")));

        assertEquals("Pod default/a already exists", e.getMessage());
        assertEquals(1, store.revision());
        assertEquals(new Thing("first"), store.get(POD, "default/a", Thing.class).orElseThrow().value());
    }

    @Test
    void theSameKeyMayExistUnderTwoKinds() throws Exception {
        store.create(POD, "default/a", new Thing("pod"));

        assertEquals(2, store.create(NODE, "default/a", new Thing("node")));
    }

    @Test
    void updateReplacesTheValueAtTheNextRevision() throws Exception {
        long created = store.create(POD, "default/a", new Thing("v1"));

        long updated = store.update(POD, "default/a", new Thing("v2"), created);

        assertEquals(created + 1, updated);
        assertEquals(Optional.of(new Versioned<>(new Thing("v2"), updated)), store.get(POD, "default/a", Thing.class));
    }

    @Test
    void updateWithAStaleRevisionThrowsConflictAndWritesNothing() throws Exception {
        long first = store.create(POD, "default/a", new Thing("v1"));
        store.update(POD, "default/a", new Thing("v2"), first);

        ConflictException e = assertThrows(ConflictException.class,
                () -> store.update(POD, "default/a", new Thing("v3"), first));

        assertEquals("Pod default/a was changed by someone else (revision 2, expected 1)", e.getMessage());
        assertEquals(2, store.revision());
        assertEquals(new Thing("v2"), store.get(POD, "default/a", Thing.class).orElseThrow().value());
    }

    @Test
    void updateWithMinusOneIgnoresTheRevision() throws Exception {
        long first = store.create(POD, "default/a", new Thing("v1"));
        store.update(POD, "default/a", new Thing("v2"), first);

        assertEquals(3, store.update(POD, "default/a", new Thing("v3"), -1));
        assertEquals(new Thing("v3"), store.get(POD, "default/a", Thing.class).orElseThrow().value());
    }

    @Test
    void updateOfAMissingKeyThrowsConflict() {
        ConflictException e = assertThrows(ConflictException.class,
                () -> store.update(POD, "default/a", new Thing("v1"), -1));

        assertEquals("Pod default/a does not exist", e.getMessage());
        assertEquals(0, store.revision());
    }

    @Test
    void deleteRemovesTheKeyAtTheNextRevision() throws Exception {
        store.create(POD, "default/a", new Thing("a"));

        assertTrue(store.delete(POD, "default/a"));

        assertEquals(2, store.revision());
        assertEquals(Optional.empty(), store.get(POD, "default/a", Thing.class));
        assertEquals(List.of(), store.list(POD, Thing.class));
    }

    @Test
    void deleteOfAMissingKeyReturnsFalseAndWritesNothing() throws Exception {
        store.create(POD, "default/a", new Thing("a"));

        assertFalse(store.delete(POD, "default/b"));
        assertFalse(store.delete(NODE, "default/a"));
        assertEquals(1, store.revision());
    }

    @Test
    void aDeletedKeyCanBeCreatedAgain() throws Exception {
        store.create(POD, "default/a", new Thing("old"));
        store.delete(POD, "default/a");

        assertEquals(3, store.create(POD, "default/a", new Thing("new")));
    }

    @Test
    void revisionsAreStoreWideAndGrowByOnePerWrite() throws Exception {
        assertEquals(1, store.create(POD, "default/a", new Thing("a")));
        assertEquals(2, store.create(NODE, "/node-1", new Thing("n")));
        assertEquals(3, store.update(POD, "default/a", new Thing("a2"), 1));
        assertTrue(store.delete(NODE, "/node-1"));
        assertEquals(4, store.revision());
        assertEquals(5, store.create(NODE, "/node-2", new Thing("n2")));
    }

    // --- watches ---

    @Test
    void watchDeliversPutsAndDeletesInOrderWithTheirRevisions() throws Exception {
        Recorder r = new Recorder();
        watch(POD, store.revision(), r);

        store.create(POD, "default/a", new Thing("v1"));
        store.update(POD, "default/a", new Thing("v2"), -1);
        store.delete(POD, "default/a");

        assertEquals(new Event(EventType.PUT, POD, "default/a", new Thing("v1"), 1), r.next());
        assertEquals(new Event(EventType.PUT, POD, "default/a", new Thing("v2"), 2), r.next());
        assertEquals(new Event(EventType.DELETE, POD, "default/a", new Thing("v2"), 3), r.next());
    }

    @Test
    void aDeleteEventCarriesTheLastValue() throws Exception {
        store.create(POD, "default/a", new Thing("last"));
        Recorder r = new Recorder();
        watch(POD, store.revision(), r);

        store.delete(POD, "default/a");

        assertEquals(new Thing("last"), r.next().value());
    }

    @Test
    void watchDeliversOnlyItsKind() throws Exception {
        Recorder pods = new Recorder();
        watch(POD, store.revision(), pods);

        store.create(NODE, "/node-1", new Thing("node"));
        store.create(POD, "default/a", new Thing("pod"));

        // Events come in order, so a Node event would have been the first.
        Event first = pods.next();
        assertEquals(POD, first.kind());
        assertEquals(2, first.revision());
        pods.assertQuiet();
    }

    @Test
    void watchFromAnOlderRevisionReplaysTheChangesAfterIt() throws Exception {
        store.create(POD, "default/a", new Thing("a"));                // 1
        long from = store.create(POD, "default/b", new Thing("b"));    // 2
        store.update(POD, "default/a", new Thing("a2"), -1);           // 3
        store.create(NODE, "/node-1", new Thing("node"));              // 4
        store.delete(POD, "default/b");                                // 5
        Recorder r = new Recorder();

        watch(POD, from, r);

        assertEquals(new Event(EventType.PUT, POD, "default/a", new Thing("a2"), 3), r.next());
        assertEquals(new Event(EventType.DELETE, POD, "default/b", new Thing("b"), 5), r.next());
        r.assertQuiet();
    }

    @Test
    void watchFromZeroReplaysTheWholeHistoryOfItsKind() throws Exception {
        store.create(POD, "default/a", new Thing("a"));
        store.create(POD, "default/b", new Thing("b"));
        Recorder r = new Recorder();

        watch(POD, 0, r);

        assertEquals(1, r.next().revision());
        assertEquals(2, r.next().revision());
    }

    @Test
    void watchFromTheCurrentRevisionReplaysNothing() throws Exception {
        store.create(POD, "default/a", new Thing("a"));
        Recorder r = new Recorder();
        watch(POD, store.revision(), r);

        store.create(POD, "default/b", new Thing("b"));

        // The replay would come before the new write; the first event is the new write.
        assertEquals(2, r.next().revision());
    }

    @Test
    void aReplayIsFollowedByLiveChangesInOrder() throws Exception {
        store.create(POD, "default/a", new Thing("a"));
        Recorder r = new Recorder();
        watch(POD, 0, r);

        store.create(POD, "default/b", new Thing("b"));

        assertEquals("default/a", r.next().key());
        assertEquals("default/b", r.next().key());
    }

    @Test
    void aClosedWatchDeliversNothingMore() throws Exception {
        Recorder closed = new Recorder();
        Recorder open = new Recorder();
        Watch w = watch(POD, store.revision(), closed);
        watch(POD, store.revision(), open);
        store.create(POD, "default/a", new Thing("a"));
        assertEquals(1, closed.next().revision());
        assertEquals(1, open.next().revision());

        w.close();
        store.create(POD, "default/b", new Thing("b"));

        assertEquals(2, open.next().revision());
        closed.assertQuiet();
    }

    @Test
    void closingTheStoreClosesItsWatches() throws Exception {
        Recorder r = new Recorder();
        watch(POD, store.revision(), r);

        store.close();
        store.create(POD, "default/a", new Thing("a"));

        r.assertQuiet();
    }

    @Test
    void listenersRunOnAThreadOtherThanTheWriters() throws Exception {
        BlockingQueue<Thread> threads = new LinkedBlockingQueue<>();
        store.watch(POD, store.revision(), e -> threads.add(Thread.currentThread()));

        store.create(POD, "default/a", new Thing("a"));

        Thread listener = threads.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(listener, "no event within " + WAIT_SECONDS + " s");
        assertNotSame(Thread.currentThread(), listener);
    }

    @Test
    void aBusyListenerDoesNotHoldTheStoreLock() throws Exception {
        CountDownLatch listening = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.watch(POD, store.revision(), e -> {
            listening.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        });
        store.create(POD, "default/a", new Thing("a"));
        assertTrue(listening.await(WAIT_SECONDS, TimeUnit.SECONDS), "listener never ran");

        // The listener is still running: the store must stay usable meanwhile.
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
                store.create(POD, "default/b", new Thing("b"));
                assertEquals(2, store.list(POD, Thing.class).size());
            });
        } finally {
            release.countDown();
        }
    }

    @Test
    void aSlowListenerDoesNotDelayTheWriter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recorder r = new Recorder();
        store.watch(POD, store.revision(), e -> {
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            r.accept(e);
        });

        try {
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
                store.create(POD, "default/a", new Thing("a"));
                store.create(POD, "default/b", new Thing("b"));
            });
        } finally {
            release.countDown();
        }
        assertEquals(1, r.next().revision());
        assertEquals(2, r.next().revision());
    }

    @Test
    void eachWatchGetsEveryEvent() throws Exception {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        watch(POD, store.revision(), first);
        watch(POD, store.revision(), second);

        store.create(POD, "default/a", new Thing("a"));

        assertEquals(1, first.next().revision());
        assertEquals(1, second.next().revision());
    }

    // --- history, compaction and leases (the rest is in ClusterStoreContract) ---

    @Test
    void onlyTheLatestEventsAreKeptAndAnOlderWatchSaysRelist() throws Exception {
        try (MemoryStore small = new MemoryStore(3)) {
            for (String k : List.of("a", "b", "c", "d", "e")) {
                small.create(POD, "default/" + k, new Thing(k));   // revisions 1..5; 1 and 2 forgotten
            }
            Recorder tooOld = new Recorder();
            Recorder justInTime = new Recorder();

            small.watch(POD, 1, tooOld::accept);
            small.watch(POD, 2, justInTime::accept);

            assertEquals(new Event(EventType.RELIST, POD, null, null, 5), tooOld.next());
            assertEquals(List.of(3L, 4L, 5L),
                    List.of(justInTime.next().revision(), justInTime.next().revision(), justInTime.next().revision()));
            small.create(POD, "default/f", new Thing("f"));
            assertEquals(6, tooOld.next().revision());
            tooOld.assertQuiet();
        }
    }

    @Test
    void compactingPastTheLatestRevisionCompactsUpToIt() throws Exception {
        store.create(POD, "default/a", new Thing("a"));
        store.create(POD, "default/b", new Thing("b"));

        store.compact(100);
        Recorder r = new Recorder();
        watch(POD, 1, r);
        store.create(POD, "default/c", new Thing("c"));

        assertEquals(new Event(EventType.RELIST, POD, null, null, 2), r.next());
        assertEquals(3, r.next().revision());
    }

    @Test
    void aLeaseLastsWholeSecondsAndAtLeastOne() {
        long lease = store.grantLease(Duration.ofMillis(10));

        Duration left = store.timeToLive(lease).orElseThrow();

        assertTrue(left.compareTo(Duration.ofMillis(500)) > 0 && left.compareTo(Duration.ofSeconds(1)) <= 0,
                "ttl " + left);
    }
}
