package dev.vnet.apiserver.store;

import dev.vnet.apiserver.store.ClusterStore.Event;
import dev.vnet.apiserver.store.ClusterStore.EventType;
import dev.vnet.apiserver.store.ClusterStore.UnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One watch of one kind on etcd: a jetcd watcher that is replaced whenever its stream breaks, so the listener
 * sees every change after the start revision exactly once, in order.
 *
 * <p>Design notes. jetcd retries a broken watch stream by itself, every 500 ms, but it resumes from a revision
 * it moves to the server's current one when the new stream is created (the header of the "created" response):
 * events between the two can be lost if the stream breaks again before they arrive. And when the revision it
 * needs has been compacted, it reports a {@link CompactedException} and closes the watcher for good. So this
 * class recovers by itself: it remembers the last revision it delivered, and on any stream error it closes the
 * jetcd watcher (before jetcd's own retry runs) and opens a new one from the next revision, after a pause that
 * doubles from {@value #RETRY_MIN_MILLIS} to {@value #RETRY_MAX_MILLIS} ms; events at or before the last
 * delivered revision are skipped. On compaction it delivers one RELIST at the current revision and watches on
 * from there; likewise when etcd's revision is below the last delivered one (its data went back in time, say
 * restored from a backup), which the header of the first response of each new stream shows. Events of one revision (a revoked lease's keys) arrive in one response and are delivered together.
 *
 * <p>Everything but {@link #closed} is touched only on the watch's own thread, named {@code store-watch}, which
 * also runs the listener; jetcd's callbacks only hand their response over to it.
 */
final class EtcdWatch implements ClusterStore.Watch {
    private static final Logger LOG = Logger.getLogger(EtcdWatch.class.getName());

    /** The first and the longest pause before a broken watch is opened again. */
    static final long RETRY_MIN_MILLIS = 200;
    static final long RETRY_MAX_MILLIS = 2_000;

    private final EtcdStore store;
    private final Watch client;
    private final String kind;
    private final Class<?> type;
    private final Consumer<Event> listener;
    private final Consumer<EtcdWatch> onClose;
    private final Duration closeTimeout;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "store-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    private long lastDelivered;
    /** Which jetcd watcher is the live one: callbacks of an older one are ignored. */
    private int generation;
    private Watch.Watcher watcher;
    private int failures;

    /**
     * A watch of {@code kind} after {@code fromRevision}; {@link #start} opens it. {@code onClose} runs once when
     * it is closed (the store forgets it).
     */
    EtcdWatch(EtcdStore store, Watch client, String kind, Class<?> type, long fromRevision,
              Consumer<Event> listener, Consumer<EtcdWatch> onClose, Duration closeTimeout) {
        this.store = store;
        this.client = client;
        this.kind = kind;
        this.type = type;
        this.listener = listener;
        this.onClose = onClose;
        this.closeTimeout = closeTimeout;
        this.lastDelivered = Math.max(0, fromRevision);
    }

    void start() {
        run(this::open);
    }

    /** Opens a jetcd watcher from the revision after the last delivered one. */
    private void open() {
        if (closed) {
            return;
        }
        int gen = ++generation;
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withPrevKV(true)
                .withRevision(lastDelivered + 1)
                .withCreateNotify(true) // its header says at once whether etcd went back in time
                .build();
        ByteSequence prefix = ByteSequence.from(EtcdStore.prefix(kind), StandardCharsets.UTF_8);
        try {
            watcher = client.watch(prefix, option, Watch.listener(
                    r -> run(gen, () -> onResponse(r)),
                    t -> run(gen, () -> onError(t))));
        } catch (RuntimeException e) {
            onError(e); // the client is closing
        }
    }

    private void onResponse(WatchResponse r) {
        failures = 0;
        if (r.getHeader().getRevision() < lastDelivered) {
            // etcd is behind what this watch delivered: its data went back in time (restored, or wiped)
            dropWatcher();
            relist("etcd is at revision " + r.getHeader().getRevision() + ": its data went back in time");
            return;
        }
        long before = lastDelivered;
        for (WatchEvent e : r.getEvents()) {
            KeyValue kv = e.getKeyValue();
            long rev = kv.getModRevision();
            if (rev <= before) {
                continue; // delivered before the stream broke
            }
            String key = EtcdStore.storeKey(kind, kv.getKey().toString(StandardCharsets.UTF_8));
            Event event = null;
            try {
                event = switch (e.getEventType()) {
                    case PUT -> new Event(EventType.PUT, kind, key, store.decode(kind, key, kv.getValue(), type), rev);
                    case DELETE -> new Event(EventType.DELETE, kind, key, previous(key, e.getPrevKV()), rev);
                    default -> null;
                };
            } catch (IllegalStateException bad) {
                LOG.warning("watch of " + kind + " skips revision " + rev + ": " + bad.getMessage());
            }
            if (event != null) {
                deliver(event);
            }
            lastDelivered = Math.max(lastDelivered, rev);
        }
    }

    private Object previous(String key, KeyValue prev) {
        return prev == null || prev.getValue().isEmpty() ? null : store.decode(kind, key, prev.getValue(), type);
    }

    private void onError(Throwable t) {
        dropWatcher();
        if (closed) {
            return;
        }
        if (t instanceof CompactedException || isFutureRevision(t)) {
            relist(EtcdStore.oneLine(t.getMessage()));
            return;
        }
        failures++;
        long delay = Math.min(RETRY_MAX_MILLIS, RETRY_MIN_MILLIS << Math.min(failures - 1, 10));
        LOG.log(failures == 1 ? Level.INFO : Level.FINE, () -> "watch of " + kind + " on " + store.describe()
                + " broke (" + EtcdStore.oneLine(t.getMessage()) + "): resuming after revision " + lastDelivered
                + " in " + delay + " ms");
        schedule(this::open, delay);
    }

    /**
     * Whether etcd refuses the revision to resume from as ahead of it. (etcd 3.4 accepts a future start revision
     * and waits for it; {@link #onResponse} catches that case from the response header.)
     */
    private static boolean isFutureRevision(Throwable t) {
        return t instanceof EtcdException e && e.getErrorCode() == ErrorCode.OUT_OF_RANGE
                || String.valueOf(t.getMessage()).contains("future revision");
    }

    /**
     * The revision the watch needed is gone (compacted, or etcd went back in time): say so, then go on from
     * the current revision.
     */
    private void relist(String why) {
        long now;
        try {
            now = store.revision();
        } catch (UnavailableException e) {
            schedule(() -> relist(why), RETRY_MAX_MILLIS);
            return;
        }
        LOG.info(() -> "watch of " + kind + " on " + store.describe() + " lost history after revision "
                + lastDelivered + " (" + why + "): relisting at revision " + now);
        lastDelivered = now;
        deliver(new Event(EventType.RELIST, kind, null, null, now));
        open();
    }

    private void deliver(Event e) {
        if (closed) {
            return;
        }
        try {
            listener.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "watch listener of " + kind + " failed on revision " + e.revision(), ex);
        }
    }

    private void dropWatcher() {
        generation++;
        if (watcher != null) {
            Watch.Watcher w = watcher;
            watcher = null;
            try {
                w.close();
            } catch (RuntimeException ignored) {
                // the client is closing
            }
        }
    }

    private void run(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closing) {
            // closed
        }
    }

    /** Runs a callback of the watcher of generation {@code gen}, unless another has replaced it. */
    private void run(int gen, Runnable task) {
        run(() -> {
            if (!closed && gen == generation) {
                task.run();
            }
        });
    }

    private void schedule(Runnable task, long delayMillis) {
        try {
            thread.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClose.accept(this);
        if (Thread.currentThread().getName().equals("store-watch")) {
            dropWatcher(); // closed from a listener: it cannot wait for itself
            thread.shutdownNow();
            return;
        }
        run(this::dropWatcher);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
