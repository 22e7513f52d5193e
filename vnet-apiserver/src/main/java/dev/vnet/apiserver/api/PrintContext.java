package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.List;

/** What a printer column may look at besides its object: the time, and objects of other kinds. */
public interface PrintContext {
    Instant now();

    /** Every object of {@code kind} in the cluster (fetched once per table, when a column first asks). */
    <U extends HasMetadata> List<U> related(Kind<U> kind);
}
