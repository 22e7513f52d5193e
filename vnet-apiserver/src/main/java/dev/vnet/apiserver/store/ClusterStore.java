package dev.vnet.apiserver.store;

import dev.vnet.apiserver.api.Kind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where cluster state lives: resources by kind and key ({@code namespace/name}), each write giving a new
 * store-wide revision, and watches that deliver every change after a revision in order.
 *
 * <p>Nodes watch the store and reconcile their data plane; the API writes desired state into it. The local
 * lab uses {@link MemoryStore}; a multi-machine lab puts the same interface over etcd ({@link EtcdStore}).
 * Both pass the same contract tests.
 *
 * <p>Leases work as etcd's do: a key written under a lease disappears (a DELETE event) when its lease is not
 * kept alive within its TTL. Nodes hold their subnet lease this way, as flannel does.
 */
public interface ClusterStore extends AutoCloseable {

    /**
     * PUT and DELETE are changes to one key. RELIST says the watch could not resume where it was (the revision
     * it needed was compacted away): events were lost, and the watcher must list the kind again.
     */
    enum EventType { PUT, DELETE, RELIST }

    /**
     * One change. For DELETE, {@code value} is the last value before deletion. For RELIST, key and value are
     * null and {@code revision} is the revision the watch continues after.
     */
    record Event(EventType type, String kind, String key, Object value, long revision) {}

    record Versioned<T>(T value, long revision) {}

    /** Thrown by a create of an existing key, or an update whose expected revision is stale. */
    final class ConflictException extends Exception {
        public ConflictException(String message) {
            super(message);
        }
    }

    /** Thrown by any call when the store cannot be reached in time; its message is one line for the user. */
    final class UnavailableException extends RuntimeException {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
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
     * own; the listener never runs while the store is locked. A watch survives a lost connection: it resumes
     * after the last revision it delivered, or sends RELIST when that revision has been compacted.
     */
    Watch watch(String kind, long fromRevision, Consumer<Event> listener);

    /** Grants a lease of {@code ttl} (whole seconds); returns its id. */
    long grantLease(Duration ttl);

    /** Renews a lease for another TTL; false when it has already expired (or never existed). */
    boolean keepAlive(long leaseId);

    /** Ends a lease now, deleting its keys. */
    void revokeLease(long leaseId);

    /** What is left of a lease's TTL, or empty once it has expired. */
    Optional<Duration> timeToLive(long leaseId);

    /** Writes a key (created or replaced) bound to a lease: it is deleted when the lease expires. */
    long putWithLease(String kind, String key, Object value, long leaseId);

    /**
     * Forgets the change history up to {@code revision}: a watch that starts from an older revision then gets
     * RELIST. The memory store also compacts itself, keeping a bounded history.
     */
    void compact(long revision);

    /** Where this store is, for messages: {@code memory} or the etcd endpoint. */
    String describe();

    @Override
    void close();

    // ---- the same, by the registry's kinds (the store's kind is the Kind's name, its values the Kind's type) ----

    default <T extends HasMetadata> Optional<Versioned<T>> get(Kind<T> kind, String key) {
        return get(kind.kind(), key, kind.type());
    }

    default <T extends HasMetadata> List<T> list(Kind<T> kind) {
        return list(kind.kind(), kind.type());
    }

    default long create(Kind<?> kind, String key, HasMetadata value) throws ConflictException {
        return create(kind.kind(), key, value);
    }

    default long update(Kind<?> kind, String key, HasMetadata value, long expectedRevision) throws ConflictException {
        return update(kind.kind(), key, value, expectedRevision);
    }

    default boolean delete(Kind<?> kind, String key) {
        return delete(kind.kind(), key);
    }

    default Watch watch(Kind<?> kind, long fromRevision, Consumer<Event> listener) {
        return watch(kind.kind(), fromRevision, listener);
    }

    /** What {@link #writeStatus} did. */
    enum StatusWrite { WRITTEN, UNCHANGED, NOT_FOUND }

    /**
     * A controller's write of one object's status, as to the API server's status subresource: the stored object
     * keeps its spec and metadata, its status becomes {@code status} (the kind's status model object, such as an
     * IngressStatus or GatewayStatus, or its JSON tree). A status equal to the stored one writes nothing, so a
     * controller that watches the kind does not wake itself. A write that races another is read again and
     * retried; after a few lost races the conflict is thrown, for the controller's next sync to retry.
     * {@code namespace} is ignored for a cluster-scoped kind.
     */
    default <T extends HasMetadata> StatusWrite writeStatus(Kind<T> kind, String namespace, String name, Object status)
            throws ConflictException {
        String key = kind.namespaced() ? key(namespace, name) : key("", name);
        for (int attempt = 1; ; attempt++) {
            Optional<Versioned<T>> now = get(kind, key);
            if (now.isEmpty()) {
                return StatusWrite.NOT_FOUND;
            }
            T updated = kind.withStatus(now.get().value(), status);
            if (updated.equals(now.get().value())) {
                return StatusWrite.UNCHANGED;
            }
            try {
                update(kind, key, updated, now.get().revision());
                return StatusWrite.WRITTEN;
            } catch (ConflictException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** The key of an object: namespace/name, or /name for a cluster-scoped one. */
    static String key(HasMetadata o) {
        return key(o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    static String key(String namespace, String name) {
        return (namespace == null ? "" : namespace) + "/" + name;
    }
}
