package dev.vnet.node.store;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where cluster state lives: resources by kind and key ({@code namespace/name}), each write giving a new
 * store-wide revision, and watches that deliver every change after a revision in order.
 *
 * <p>Nodes watch the store and reconcile their data plane; the API writes desired state into it. The local
 * lab uses {@link MemoryStore}; a multi-machine lab puts the same interface over etcd.
 */
public interface ClusterStore extends AutoCloseable {

    enum EventType { PUT, DELETE }

    /** One change. For DELETE, {@code value} is the last value before deletion. */
    record Event(EventType type, String kind, String key, Object value, long revision) {}

    record Versioned<T>(T value, long revision) {}

    /** Thrown by a create of an existing key, or an update whose expected revision is stale. */
    final class ConflictException extends Exception {
        public ConflictException(String message) {
            super(message);
        }
    }

    interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    <T> Optional<Versioned<T>> get(String kind, String key, Class<T> type);

    <T> List<T> list(String kind, Class<T> type);

    /** Stores a new key; fails if it exists. Returns the new revision. */
    long create(String kind, String key, Object value) throws ConflictException;

    /** Replaces a key's value if its revision is still {@code expectedRevision} (or any, when -1). */
    long update(String kind, String key, Object value, long expectedRevision) throws ConflictException;

    /** Removes a key; returns false if it was not there. */
    boolean delete(String kind, String key);

    /** The revision of the latest write. */
    long revision();

    /**
     * Delivers every change to {@code kind} after {@code fromRevision}, in order, on a thread of the store's
     * own; the listener never runs while the store is locked.
     */
    Watch watch(String kind, long fromRevision, Consumer<Event> listener);

    @Override
    void close();

    static String key(String namespace, String name) {
        return (namespace == null ? "" : namespace) + "/" + name;
    }
}
