package dev.vnet.node.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The embedded store of a one-machine lab: maps in memory, with revisions and watches that behave as an
 * etcd watch does (every change after a revision, in order). Values are immutable records.
 */
public final class MemoryStore implements ClusterStore {
    private record Item(Object value, long revision) {}

    private final Map<String, TreeMap<String, Item>> data = new HashMap<>();
    /** The change history, for watches that start at an older revision. */
    private final List<Event> history = new ArrayList<>();
    private final List<WatchImpl> watches = new ArrayList<>();
    private long revision;

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
            thread.execute(() -> listener.accept(e));
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
        return item == null ? Optional.empty() : Optional.of(new Versioned<>(type.cast(item.value), item.revision));
    }

    @Override
    public synchronized <T> List<T> list(String kind, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Item item : bucket(kind).values()) {
            out.add(type.cast(item.value));
        }
        return out;
    }

    @Override
    public synchronized long create(String kind, String key, Object value) throws ConflictException {
        if (bucket(kind).containsKey(key)) {
            throw new ConflictException(kind + " " + key + " already exists");
        }
        return write(kind, key, value);
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
        return write(kind, key, value);
    }

    @Override
    public synchronized boolean delete(String kind, String key) {
        Item gone = bucket(kind).remove(key);
        if (gone == null) {
            return false;
        }
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
        for (Event e : history) {
            if (e.revision() > fromRevision && e.kind().equals(kind)) {
                w.deliver(e);
            }
        }
        watches.add(w);
        return w;
    }

    @Override
    public void close() {
        List<WatchImpl> open;
        synchronized (this) {
            open = new ArrayList<>(watches);
        }
        open.forEach(WatchImpl::close);
    }

    private long write(String kind, String key, Object value) {
        long rev = ++revision;
        bucket(kind).put(key, new Item(value, rev));
        publish(new Event(EventType.PUT, kind, key, value, rev));
        return rev;
    }

    private void publish(Event e) {
        history.add(e);
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
