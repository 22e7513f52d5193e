package dev.vnet.apiserver.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.K8s;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop under every controller and sync: change tracking, coalesced syncs, retries. */
class ReconcilerTest {
    private final ClusterStore store = new MemoryStore();

    @AfterEach
    void close() {
        store.close();
    }

    private static Pod pod(String name, String label) {
        return K8s.pod(K8s.meta(name, "default", Map.of("v", label), null),
                K8s.podSpec(null, null, null, null, List.of(K8s.container("c", "whoami", null, null, null, null))),
                null);
    }

    private static void await(BooleanSupplier what, String description) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!what.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + description);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void theFirstSyncRunsBeforeStartReturns() {
        AtomicInteger syncs = new AtomicInteger();
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), syncs::incrementAndGet)) {
            assertEquals(1, syncs.get());
            assertEquals(1, r.syncs());
        }
    }

    @Test
    void aChangeSyncsAndARewriteOfTheSameValueDoesNot() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        store.create(PodKind.KIND, "default/a", pod("a", "1"));
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), Duration.ZERO, Duration.ofSeconds(1),
                syncs::incrementAndGet)) {
            store.update(PodKind.KIND, "default/a", pod("a", "1"), -1); // the same value again
            await(() -> r.skipped() == 1, "the no-op write was seen and dropped");
            assertEquals(1, syncs.get());
            store.update(PodKind.KIND, "default/a", pod("a", "2"), -1);
            await(() -> syncs.get() == 2, "a real change synced");
            store.delete(PodKind.KIND, "default/a");
            await(() -> syncs.get() == 3, "a delete synced");
        }
    }

    @Test
    void aPausedLoopHoldsItsChangesAndAppliesThemOnceUnpaused() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), Duration.ZERO, Duration.ofSeconds(1),
                syncs::incrementAndGet)) {
            Reconciler.Applied first = r.applied();
            assertEquals(1, syncs.get());
            assertEquals(null, first.pendingSince(), "in step after the first sync");
            r.pauseWhen(paused::get);
            store.create(PodKind.KIND, "default/a", pod("a", "1"));
            await(() -> r.applied().pendingSince() != null, "the change is seen as pending");
            Thread.sleep(300); // more than one look of the paused loop
            assertEquals(1, syncs.get(), "a paused loop applies nothing");
            assertTrue(r.applied().paused());
            assertEquals(first.revision(), r.applied().revision());
            paused.set(false);
            await(() -> syncs.get() == 2, "the held change synced once unpaused");
            await(() -> r.applied().pendingSince() == null, "in step again");
            assertTrue(r.applied().revision() > first.revision(), "the revision applied moved on");
            assertFalse(r.applied().paused());
        }
    }

    @Test
    void changesDuringASyncAreCoalescedIntoOneMore() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        CountDownLatch inSync = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), Duration.ZERO, Duration.ofSeconds(1),
                () -> {
                    if (syncs.incrementAndGet() == 2) {
                        inSync.countDown();
                        await(release);
                    }
                })) {
            store.create(PodKind.KIND, "default/p0", pod("p0", "0"));
            assertTrue(inSync.await(10, TimeUnit.SECONDS));
            for (int i = 1; i <= 100; i++) {
                store.create(PodKind.KIND, "default/p" + i, pod("p" + i, "0"));
            }
            Thread.sleep(200); // every event has arrived while the second sync is still running
            release.countDown();
            await(() -> syncs.get() == 3, "one sync for the hundred changes");
            Thread.sleep(200);
            assertEquals(3, syncs.get());
        }
    }

    @Test
    void syncsAreAtMostOnePerMinimumInterval() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), Duration.ofMillis(300),
                Duration.ofSeconds(1), syncs::incrementAndGet)) {
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                store.create(PodKind.KIND, "default/p" + i, pod("p" + i, "0"));
                Thread.sleep(10);
            }
            await(() -> syncs.get() >= 2, "the changes synced");
            Thread.sleep(700);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            // The first sync ran at start; then at most one per 300 ms for the 200 ms of changes and after.
            assertTrue(syncs.get() <= 2 + elapsedMillis / 300, syncs.get() + " syncs in " + elapsedMillis + " ms");
        }
    }

    @Test
    void aFailedSyncIsRetriedUntilItWorks() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), Duration.ZERO, Duration.ofMillis(20),
                () -> {
                    if (attempts.incrementAndGet() < 4) {
                        throw new ClusterStore.UnavailableException("store down", null);
                    }
                })) {
            await(() -> attempts.get() == 4, "the sync retried after failures");
            Thread.sleep(200);
            assertEquals(4, attempts.get()); // and stops once it worked
        }
    }

    @Test
    void triggerSyncsWithoutAChange() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        try (Reconciler r = Reconciler.start("t", store, List.of(PodKind.KIND), syncs::incrementAndGet)) {
            r.trigger();
            await(() -> syncs.get() == 2, "a triggered sync");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
