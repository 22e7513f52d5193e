package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What {@code describe} may ask besides its object: related objects, and the data plane through the API. */
public interface DescribeContext {
    <U extends HasMetadata> Optional<U> get(Kind<U> kind, String namespace, String name);

    /** An API request (e.g. {@code service-dataplane}); empty when it failed. */
    Optional<JsonNode> call(ObjectNode request);
}
