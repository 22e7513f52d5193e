package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Kind;

/**
 * What a resource URL names: a kind, the namespace (null when the path has none: a cluster-scoped kind, or a list
 * across namespaces), the object's name (null for the collection) and a subresource ({@code status},
 * {@code log}...; null for the object itself).
 */
record Target(Kind<?> kind, String namespace, String name, String subresource) {

    /**
     * Resolves the path under a group version ({@code namespaces/default/pods/web/status}, {@code nodes}); null
     * when it names nothing served there.
     */
    static Target resolve(Discovery discovery, String groupVersion, String[] segs) {
        if (segs.length >= 3 && segs[0].equals("namespaces")) {
            Kind<?> k = discovery.kind(groupVersion, segs[2]);
            if (k != null && k.namespaced() && segs.length <= 5) {
                return new Target(k, segs[1], segs.length > 3 ? segs[3] : null, segs.length > 4 ? segs[4] : null);
            }
        }
        if (segs.length == 0 || segs.length > 3) {
            return null;
        }
        Kind<?> k = discovery.kind(groupVersion, segs[0]);
        if (k == null || (k.namespaced() && segs.length > 1)) {
            return null;
        }
        return new Target(k, null, segs.length > 1 ? segs[1] : null, segs.length > 2 ? segs[2] : null);
    }

    /** The store key of the named object. */
    String key() {
        return kind.namespaced() ? namespace + "/" + name : "/" + name;
    }
}
