package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.store.ClusterStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The one loop every controller and node sync runs on: watch some kinds of the store, and on a real change run a
 * full, idempotent {@code sync} — the only writer of whatever it maintains — as kube-proxy's proxier does:
 * <ul>
 *   <li><b>Change tracking.</b> It remembers the last value it saw per key; an event that leaves a key as it was
 *       (a write of the same value, a status write coming back) triggers nothing.</li>
 *   <li><b>Bounded frequency.</b> Changes are coalesced: a sync runs at once if none ran in the last
 *       {@code minInterval}, else once when that has passed, however many changes came meanwhile
 *       (kube-proxy's {@code minSyncPeriod} and BoundedFrequencyRunner).</li>
 *   <li><b>Full resync on error.</b> A sync that throws (the store unreachable) is retried after
 *       {@code retryInterval}, doubling up to 30 s; a watch that lost events (RELIST) counts as a change.</li>
 * </ul>
 * Syncs run on the reconciler's own thread, one at a time; watch listeners never wait for them. The first sync
 * runs before {@link #start} returns, so a component is in step with the store once it is constructed.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reconciler.class.getName());
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMillis(50);
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    private static final long MAX_RETRY_NANOS = 30_000_000_000L;

    private final String name;
    private final Runnable sync;
    private final long minIntervalNanos;
    private final long retryNanos;
    private final ScheduledExecutorService thread;
    private final List<ClusterStore.Watch> watches = new ArrayList<>();
    /** The last value seen per kind/key; guarded by this. */
    private final Map<String, Object> seen = new HashMap<>();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    // Guarded by this.
    private boolean dirty;
    private boolean scheduled;
    private long lastRunNanos = Long.MIN_VALUE / 2;
    private long backoffNanos;
    private volatile boolean closed;
    /** While true, changes wait: a paused loop (a stopped kube-proxy) leaves what it programmed as it was. */
    private volatile java.util.function.BooleanSupplier paused = () -> false;
    private volatile ClusterStore store;
    /** The store's revision when the last sync began, and when it ended (0 and null before the first). */
    private volatile long appliedRevision;
    private volatile java.time.Instant appliedAt;
    /** When the oldest change not yet synced came; null when in step. Guarded by this. */
    private java.time.Instant pendingSince;

    private Reconciler(String name, Runnable sync, Duration minInterval, Duration retry) {
        this.name = name;
        this.sync = sync;
        this.minIntervalNanos = minInterval.toNanos();
        this.retryNanos = retry.toNanos();
        this.backoffNanos = retryNanos;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sync-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Watches {@code kinds}, syncs once now, then after every real change (at most every 50 ms). */
    public static Reconciler start(String name, ClusterStore store, List<? extends Kind<?>> kinds, Runnable sync) {
        return start(name, store, kinds, DEFAULT_MIN_INTERVAL, DEFAULT_RETRY, sync);
    }

    public static Reconciler start(String name, ClusterStore store, List<? extends Kind<?>> kinds, Duration minInterval,
                                   Duration retry, Runnable sync) {
        Reconciler r = new Reconciler(name, sync, minInterval, retry);
        r.store = store;
        long from = store.revision(); // before the first list: a change in between is then delivered too
        try {
            for (Kind<?> k : kinds) {
                for (Object o : store.list(k.kind(), k.type())) {
                    r.seen.put(k.kind() + "|" + ClusterStore.key((io.fabric8.kubernetes.api.model.HasMetadata) o), o);
                }
            }
        } catch (ClusterStore.UnavailableException e) {
            LOG.warning(name + ": store unreachable at start, the first sync retries: " + e.getMessage());
        }
        for (Kind<?> k : kinds) {
            r.watches.add(store.watch(k, from, r::onEvent));
        }
        r.runNow();
        return r;
    }

    /** Asks for a sync, as a change would (for causes outside the store: a timer, a device coming back). */
    public void trigger() {
        changed();
    }

    /** Holds every change back while {@code when} says so; once it no longer does, the changes sync. */
    public void pauseWhen(java.util.function.BooleanSupplier when) {
        this.paused = when;
    }

    /** What the last sync applied: the store's revision when it began, and when it ended. */
    public record Applied(String loop, long revision, java.time.Instant at, java.time.Instant pendingSince,
                          boolean paused) {}

    public synchronized Applied applied() {
        return new Applied(name, appliedRevision, appliedAt, pendingSince, paused.getAsBoolean());
    }

    /** How many syncs ran, the first included. */
    public long syncs() {
        return syncs.get();
    }

    /** How many events changed nothing and were dropped. */
    public long skipped() {
        return skipped.get();
    }

    private void onEvent(ClusterStore.Event e) {
        if (e.type() != ClusterStore.EventType.RELIST) {
            String id = e.kind() + "|" + e.key();
            synchronized (this) {
                boolean same = e.type() == ClusterStore.EventType.PUT ? Objects.equals(seen.put(id, e.value()), e.value())
                        : seen.remove(id) == null;
                if (same) {
                    skipped.incrementAndGet();
                    return;
                }
            }
        }
        changed();
    }

    private synchronized void changed() {
        dirty = true;
        if (pendingSince == null) {
            pendingSince = java.time.Instant.now();
        }
        if (!scheduled && !closed) {
            long wait = Math.max(0, lastRunNanos + minIntervalNanos - System.nanoTime());
            schedule(wait);
        }
    }

    private void schedule(long delayNanos) {
        scheduled = true;
        thread.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void runNow() {
        synchronized (this) {
            dirty = true;
            scheduled = true;
        }
        try {
            thread.submit(this::run).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(name + ": first sync failed", e.getCause());
        }
    }

    private void run() {
        synchronized (this) {
            scheduled = false;
            if (!dirty || closed) {
                return;
            }
            if (paused.getAsBoolean()) {
                schedule(TimeUnit.MILLISECONDS.toNanos(200)); // still dirty: looked at again until unpaused
                return;
            }
            dirty = false;
            lastRunNanos = System.nanoTime();
        }
        try {
            ClusterStore s = store;
            long revision = s == null ? 0 : s.revision();
            sync.run();
            syncs.incrementAndGet();
            synchronized (this) {
                backoffNanos = retryNanos;
                appliedRevision = revision;
                appliedAt = java.time.Instant.now();
                if (!dirty) {
                    pendingSince = null;
                }
            }
        } catch (RuntimeException e) {
            syncs.incrementAndGet();
            synchronized (this) {
                LOG.warning(name + ": sync failed, retrying in " + TimeUnit.NANOSECONDS.toMillis(backoffNanos)
                        + " ms: " + e.getMessage());
                dirty = true;
                if (!closed) {
                    schedule(backoffNanos);
                }
                backoffNanos = Math.min(MAX_RETRY_NANOS, backoffNanos * 2);
            }
            return;
        }
        synchronized (this) {
            if (dirty && !scheduled && !closed) {
                schedule(Math.max(0, lastRunNanos + minIntervalNanos - System.nanoTime()));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watches.forEach(ClusterStore.Watch::close);
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
