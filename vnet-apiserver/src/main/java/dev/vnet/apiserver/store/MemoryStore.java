package dev.vnet.apiserver.store;

import dev.vnet.apiserver.api.Json;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The embedded store of a one-machine lab: maps in memory, with revisions and watches that behave as an
 * etcd watch does (every change after a revision, in order). Values are held as copies (through JSON, as etcd holds them), so no caller can change a stored value by changing its own object.
 *
 * <p>Design notes, each as etcd does it:
 * <ul>
 *   <li>History is bounded: the latest {@value #HISTORY_LIMIT} events are kept, older ones are compacted away.
 *       A watch that starts before the compacted revision gets one RELIST event, then every later change.
 *   <li>Leases expire on a daemon thread that looks every {@value #EXPIRY_CHECK_MILLIS} ms. All keys of one
 *       lease are deleted at one revision, each with a DELETE event that carries its last value.
 *   <li>A write without a lease detaches the key from its lease, as an etcd put without a lease does.
 * </ul>
 * Every method holds the store's lock; listeners run on each watch's own thread, never under the lock.
 */
public final class MemoryStore implements ClusterStore {
    /** How many events the store keeps for watches that start at an older revision. */
    static final int HISTORY_LIMIT = 10_000;
    /** How often the expiry thread looks for leases past their TTL. */
    static final long EXPIRY_CHECK_MILLIS = 250;

    private record Item(Object value, long revision, long leaseId) {}

    private record KindKey(String kind, String key) {}

    private static final class Lease {
        final long ttlNanos;
        long deadlineNanos;
        final Set<KindKey> keys = new LinkedHashSet<>();

        Lease(long ttlNanos, long now) {
            this.ttlNanos = ttlNanos;
            this.deadlineNanos = now + ttlNanos;
        }
    }

    private final Map<String, TreeMap<String, Item>> data = new HashMap<>();
    /** The change history after {@link #compacted}, oldest first, for watches that start at an older revision. */
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final int historyLimit;
    private final List<WatchImpl> watches = new ArrayList<>();
    private final Map<Long, Lease> leases = new HashMap<>();
    private long revision;
    /** History up to and including this revision is gone. */
    private long compacted;
    private long nextLeaseId = 1;
    /** Started with the first lease. */
    private ScheduledExecutorService expiry;

    public MemoryStore() {
        this(HISTORY_LIMIT);
    }

    /** A store that keeps only the latest {@code historyLimit} events (tests use a small one). */
    MemoryStore(int historyLimit) {
        if (historyLimit < 1) {
            throw new IllegalArgumentException("history limit must be positive: " + historyLimit);
        }
        this.historyLimit = historyLimit;
    }

    private final class WatchImpl implements Watch {
        final String kind;
        final Consumer<Event> listener;
        final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "store-watch");
            t.setDaemon(true);
            return t;
        });

        WatchImpl(String kind, Consumer<Event> listener) {
            this.kind = kind;
            this.listener = listener;
        }

        void deliver(Event e) {
            // Each listener gets its own copy: the model types are mutable, and a listener may change what it got.
            Event own = new Event(e.type(), e.kind(), e.key(), Json.copy(e.value()), e.revision());
            thread.execute(() -> listener.accept(own));
        }

        @Override
        public void close() {
            synchronized (MemoryStore.this) {
                watches.remove(this);
            }
            thread.shutdown();
            if (Thread.currentThread().getName().equals("store-watch")) {
                return; // closed from its own listener: it cannot wait for itself
            }
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public synchronized <T> Optional<Versioned<T>> get(String kind, String key, Class<T> type) {
        Item item = bucket(kind).get(key);
        return item == null ? Optional.empty() : Optional.of(new Versioned<>(type.cast(Json.copy(item.value)), item.revision));
    }

    @Override
    public synchronized <T> List<T> list(String kind, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Item item : bucket(kind).values()) {
            out.add(type.cast(Json.copy(item.value)));
        }
        return out;
    }

    @Override
    public synchronized long create(String kind, String key, Object value) throws ConflictException {
        if (bucket(kind).containsKey(key)) {
            throw new ConflictException(kind + " " + key + " already exists");
        }
        return write(kind, key, value, 0);
    }

    @Override
    public synchronized long update(String kind, String key, Object value, long expectedRevision)
            throws ConflictException {
        Item current = bucket(kind).get(key);
        if (current == null) {
            throw new ConflictException(kind + " " + key + " does not exist");
        }
        if (expectedRevision >= 0 && current.revision != expectedRevision) {
            throw new ConflictException(kind + " " + key + " was changed by someone else (revision "
                    + current.revision + ", expected " + expectedRevision + ")");
        }
        return write(kind, key, value, 0);
    }

    @Override
    public synchronized boolean delete(String kind, String key) {
        Item gone = bucket(kind).remove(key);
        if (gone == null) {
            return false;
        }
        detach(kind, key, gone);
        publish(new Event(EventType.DELETE, kind, key, gone.value, ++revision));
        return true;
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized Watch watch(String kind, long fromRevision, Consumer<Event> listener) {
        WatchImpl w = new WatchImpl(kind, listener);
        long from = Math.max(0, fromRevision);
        if (from < compacted) {
            w.deliver(new Event(EventType.RELIST, kind, null, null, revision));
        } else {
            for (Event e : history) {
                if (e.revision() > from && e.kind().equals(kind)) {
                    w.deliver(e);
                }
            }
        }
        watches.add(w);
        return w;
    }

    @Override
    public synchronized long grantLease(Duration ttl) {
        long seconds = Math.max(1, ttl.toSeconds());
        long id = nextLeaseId++;
        leases.put(id, new Lease(TimeUnit.SECONDS.toNanos(seconds), System.nanoTime()));
        if (expiry == null) {
            expiry = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "store-lease-expiry");
                t.setDaemon(true);
                return t;
            });
            expiry.scheduleWithFixedDelay(this::expireLeases, EXPIRY_CHECK_MILLIS, EXPIRY_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        return id;
    }

    @Override
    public synchronized boolean keepAlive(long leaseId) {
        long now = System.nanoTime();
        Lease lease = live(leaseId, now);
        if (lease == null) {
            return false;
        }
        lease.deadlineNanos = now + lease.ttlNanos;
        return true;
    }

    @Override
    public synchronized void revokeLease(long leaseId) {
        Lease lease = leases.remove(leaseId);
        if (lease != null) {
            deleteKeysOf(lease);
        }
    }

    @Override
    public synchronized Optional<Duration> timeToLive(long leaseId) {
        long now = System.nanoTime();
        Lease lease = live(leaseId, now);
        return lease == null ? Optional.empty() : Optional.of(Duration.ofNanos(lease.deadlineNanos - now));
    }

    @Override
    public synchronized long putWithLease(String kind, String key, Object value, long leaseId) {
        if (live(leaseId, System.nanoTime()) == null) {
            throw new IllegalStateException("lease " + leaseId + " has expired or does not exist");
        }
        return write(kind, key, value, leaseId);
    }

    @Override
    public synchronized void compact(long upTo) {
        long target = Math.min(upTo, revision);
        while (!history.isEmpty() && history.peekFirst().revision() <= target) {
            history.pollFirst();
        }
        compacted = Math.max(compacted, target);
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {
        List<WatchImpl> open;
        synchronized (this) {
            open = new ArrayList<>(watches);
            if (expiry != null) {
                expiry.shutdownNow();
            }
        }
        open.forEach(WatchImpl::close);
    }

    /** Deletes the keys of every lease past its deadline (the expiry thread's task). */
    private synchronized void expireLeases() {
        long now = System.nanoTime();
        for (long id : new ArrayList<>(leases.keySet())) {
            live(id, now);
        }
    }

    /** The lease, or null when it does not exist; a lease past its deadline expires here. */
    private Lease live(long leaseId, long now) {
        Lease lease = leases.get(leaseId);
        if (lease == null) {
            return null;
        }
        if (now - lease.deadlineNanos >= 0) {
            leases.remove(leaseId);
            deleteKeysOf(lease);
            return null;
        }
        return lease;
    }

    /** Deletes a lease's keys at one new revision, as etcd does. */
    private void deleteKeysOf(Lease lease) {
        if (lease.keys.isEmpty()) {
            return;
        }
        long rev = ++revision;
        for (KindKey kk : lease.keys) {
            Item gone = bucket(kk.kind).remove(kk.key);
            if (gone != null) {
                publish(new Event(EventType.DELETE, kk.kind, kk.key, gone.value, rev));
            }
        }
        lease.keys.clear();
    }

    private long write(String kind, String key, Object given, long leaseId) {
        Object value = Json.copy(given); // held as written, whatever the caller does with its object later
        long rev = ++revision;
        Item old = bucket(kind).put(key, new Item(value, rev, leaseId));
        if (old != null && old.leaseId != leaseId) {
            detach(kind, key, old);
        }
        if (leaseId != 0) {
            leases.get(leaseId).keys.add(new KindKey(kind, key));
        }
        publish(new Event(EventType.PUT, kind, key, value, rev));
        return rev;
    }

    private void detach(String kind, String key, Item item) {
        Lease lease = item.leaseId == 0 ? null : leases.get(item.leaseId);
        if (lease != null) {
            lease.keys.remove(new KindKey(kind, key));
        }
    }

    private void publish(Event e) {
        history.addLast(e);
        while (history.size() > historyLimit) {
            compacted = Math.max(compacted, history.pollFirst().revision());
        }
        for (WatchImpl w : watches) {
            if (w.kind.equals(e.kind())) {
                w.deliver(e);
            }
        }
    }

    private TreeMap<String, Item> bucket(String kind) {
        return data.computeIfAbsent(kind, k -> new TreeMap<>());
    }
}
