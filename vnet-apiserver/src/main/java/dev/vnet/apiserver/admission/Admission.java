package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Objects;
import java.util.UUID;

/**
 * What writing one object of a kind does before it is stored, as the API server's admission plugins do
 * (mutating: fill what the server owns; validating: refuse what cannot be): Services get their addresses, pods a
 * node. A kind without a plugin of its own is stored as given, with the server's metadata.
 */
public interface Admission<T extends HasMetadata> {

    /**
     * The object to store for {@code want}, given the stored {@code existing} (null if new); or null when the
     * apply changes nothing. The result is a new object: {@code want} and {@code existing} are not changed.
     */
    T admit(T want, T existing, AdmissionContext ctx) throws ApiException;

    /** After the object was written: waits for what the apply promises (a pod decided) and returns a note, or "". */
    default String settled(T written, AdmissionContext ctx) {
        return "";
    }

    /**
     * Before the object is deleted: refuses a delete that may not happen (one line, as the API server's), or
     * deletes first what depends on it (a namespace's contents).
     */
    default void deleting(T existing, AdmissionContext ctx) throws ApiException {
    }

    /** After the object was deleted: waits until the nodes have let go of it. */
    default void deleted(String key, AdmissionContext ctx) {
    }

    /** The plain write: a new object gets a uid and a creation time, a changed one keeps them. */
    static <T extends HasMetadata> T generic(T want, T existing) {
        @SuppressWarnings("unchecked")
        T out = (T) dev.vnet.apiserver.api.Json.copy(want);
        if (existing == null) {
            out.getMetadata().setUid(UUID.randomUUID().toString());
            out.getMetadata().setCreationTimestamp(java.time.Instant.now().toString());
            return out;
        }
        out.getMetadata().setUid(existing.getMetadata().getUid());
        out.getMetadata().setCreationTimestamp(existing.getMetadata().getCreationTimestamp());
        out.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        return Objects.equals(out, existing) ? null : out;
    }
}
