package dev.vnet.ingress.route;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Which object a status belongs to: its kind ("Ingress", "Gateway"...), namespace ("" when cluster-scoped) and name. */
public record ObjectKey(String kind, String namespace, String name) {
    public ObjectKey {
        namespace = namespace == null ? "" : namespace;
    }

    public static ObjectKey of(HasMetadata o) {
        return new ObjectKey(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
    }
}
