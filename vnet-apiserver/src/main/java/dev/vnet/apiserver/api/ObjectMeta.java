package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** Kubernetes object metadata: the part of every resource that names and labels it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ObjectMeta(
        String name,
        String namespace,
        Map<String, String> labels,
        Map<String, String> annotations,
        String uid,
        String creationTimestamp,
        String resourceVersion) {

    public ObjectMeta withDefaults(String defaultNamespace) {
        return new ObjectMeta(name, namespace == null || namespace.isEmpty() ? defaultNamespace : namespace,
                labels == null ? Map.of() : labels, annotations == null ? Map.of() : annotations,
                uid, creationTimestamp, resourceVersion);
    }

    public ObjectMeta withServerFields(String uid, String creationTimestamp, String resourceVersion) {
        return new ObjectMeta(name, namespace, labels, annotations, uid, creationTimestamp, resourceVersion);
    }
}
