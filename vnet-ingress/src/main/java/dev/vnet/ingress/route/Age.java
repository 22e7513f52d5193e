package dev.vnet.ingress.route;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;

/** The tie-break both APIs use: the oldest object first (creationTimestamp), then by namespace/name. */
final class Age {
    private Age() {}

    static final Comparator<HasMetadata> OLDEST_FIRST = Comparator.<HasMetadata, Instant>comparing(Age::created)
            .thenComparing(o -> String.valueOf(o.getMetadata().getNamespace()))
            .thenComparing(o -> o.getMetadata().getName());

    /** An object without a (readable) creationTimestamp counts as the newest. */
    static Instant created(HasMetadata o) {
        String ts = o.getMetadata().getCreationTimestamp();
        if (ts == null) {
            return Instant.MAX;
        }
        try {
            return Instant.parse(ts);
        } catch (DateTimeParseException e) {
            return Instant.MAX;
        }
    }

    static String name(HasMetadata o) {
        return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }
}
