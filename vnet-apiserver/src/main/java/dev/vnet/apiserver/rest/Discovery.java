package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.PodKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the API server says about itself, so kubectl can map a word (pods, svc, ing) to a URL: {@code /version},
 * the legacy group's versions ({@code /api}), the named groups ({@code /apis}) and each group version's resources
 * with their verbs, short names and categories. Built once from the kinds registry.
 *
 * <p>kubectl 1.32 first asks for aggregated discovery (one APIGroupDiscoveryList); an answer of plain
 * {@code application/json} is read as the legacy format, and kubectl then asks each group version in turn, which
 * is what this serves.
 */
final class Discovery {
    /** The Kubernetes version vnet's API answers as: the API it models, marked as vnet's. */
    static final String MAJOR = "1";
    static final String MINOR = "32";
    static final String GIT_VERSION = "v1.32.0-vnet";

    /** The kinds kubectl's {@code get all} lists, as the API server puts them in category "all". */
    private static final Set<String> CATEGORY_ALL = Set.of("Pod", "Service");
    private static final List<String> WRITE_VERBS = List.of("create", "delete", "deletecollection", "get", "list",
            "patch", "update", "watch");
    private static final List<String> READ_VERBS = List.of("get", "list", "watch");

    private final Kinds kinds;
    /** Group version ("v1", "networking.k8s.io/v1") to its kinds, in registry order. */
    private final Map<String, List<Kind<?>>> byGroupVersion = new LinkedHashMap<>();
    /** vnet's own operations ({@link Operations}), served as group vnet.dev/v1 once set. */
    private volatile List<String> operations = List.of();

    Discovery(Kinds kinds) {
        this.kinds = kinds;
        for (Kind<?> k : kinds.all()) {
            byGroupVersion.computeIfAbsent(k.apiVersion(), x -> new ArrayList<>()).add(k);
        }
    }

    Kinds kinds() {
        return kinds;
    }

    /** The kind served at {@code groupVersion} under {@code plural}, or null. */
    Kind<?> kind(String groupVersion, String plural) {
        for (Kind<?> k : byGroupVersion.getOrDefault(groupVersion, List.of())) {
            if (k.plural().equals(plural)) {
                return k;
            }
        }
        return null;
    }

    boolean serves(String groupVersion) {
        return byGroupVersion.containsKey(groupVersion)
                || (groupVersion.equals(Operations.GROUP_VERSION) && !operations.isEmpty());
    }

    void operations(java.util.Collection<String> names) {
        this.operations = List.copyOf(names);
    }

    ObjectNode version() {
        ObjectNode v = Json.object();
        v.put("major", MAJOR).put("minor", MINOR).put("gitVersion", GIT_VERSION)
                .put("gitCommit", "").put("gitTreeState", "clean").put("buildDate", "")
                .put("goVersion", "java" + Runtime.version().feature()).put("compiler", "vnet")
                .put("platform", System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch"));
        return v;
    }

    /** {@code /api}: the legacy group's one version. */
    ObjectNode coreVersions() {
        ObjectNode o = Json.object();
        o.put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        return o;
    }

    /** {@code /apis}: every named group with its versions. */
    ObjectNode groups() {
        ObjectNode o = Json.object();
        o.put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        Map<String, List<String>> versions = new LinkedHashMap<>();
        for (String gv : byGroupVersion.keySet()) {
            int slash = gv.indexOf('/');
            if (slash > 0) {
                versions.computeIfAbsent(gv.substring(0, slash), x -> new ArrayList<>()).add(gv.substring(slash + 1));
            }
        }
        if (!operations.isEmpty()) {
            int slash = Operations.GROUP_VERSION.indexOf('/');
            versions.putIfAbsent(Operations.GROUP_VERSION.substring(0, slash),
                    List.of(Operations.GROUP_VERSION.substring(slash + 1)));
        }
        versions.forEach((group, vs) -> {
            ObjectNode g = groups.addObject().put("name", group);
            ArrayNode arr = g.putArray("versions");
            vs.forEach(v -> arr.addObject().put("groupVersion", group + "/" + v).put("version", v));
            g.putObject("preferredVersion").put("groupVersion", group + "/" + vs.get(0)).put("version", vs.get(0));
        });
        return o;
    }

    /** {@code /api/v1} or {@code /apis/GROUP/VERSION}: the resources of one group version, with subresources. */
    ObjectNode resources(String groupVersion) {
        ObjectNode o = Json.object();
        o.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
        ArrayNode arr = o.putArray("resources");
        if (groupVersion.equals(Operations.GROUP_VERSION)) {
            // Created only, as TokenReview is: a request in, its answer out, nothing stored.
            for (String op : operations) {
                ObjectNode r = arr.addObject();
                r.put("name", op).put("singularName", "").put("namespaced", false).put("kind", "Operation");
                r.putArray("verbs").add("create");
            }
        }
        for (Kind<?> k : byGroupVersion.getOrDefault(groupVersion, List.of())) {
            ObjectNode r = arr.addObject();
            r.put("name", k.plural()).put("singularName", k.singular()).put("namespaced", k.namespaced())
                    .put("kind", k.kind());
            ArrayNode verbs = r.putArray("verbs");
            (k.managedBy() == null ? WRITE_VERBS : READ_VERBS).forEach(verbs::add);
            if (!k.shortNames().isEmpty()) {
                ArrayNode s = r.putArray("shortNames");
                k.shortNames().forEach(s::add);
            }
            if (CATEGORY_ALL.contains(k.kind())) {
                r.putArray("categories").add("all");
            }
            if (hasStatus(k)) {
                ObjectNode s = arr.addObject();
                s.put("name", k.plural() + "/status").put("singularName", "").put("namespaced", k.namespaced())
                        .put("kind", k.kind());
                s.putArray("verbs").add("get").add("patch").add("update");
            }
            if (k.equals(PodKind.KIND)) {
                for (String sub : List.of("log", "exec", "attach", "portforward")) {
                    ObjectNode s = arr.addObject();
                    s.put("name", "pods/" + sub).put("singularName", "").put("namespaced", true)
                            .put("kind", sub.equals("log") ? "Pod" : sub.equals("portforward")
                                    ? "PodPortForwardOptions" : sub.equals("exec") ? "PodExecOptions"
                                    : "PodAttachOptions");
                    ArrayNode v = s.putArray("verbs");
                    if (sub.equals("log")) {
                        v.add("get");
                    } else {
                        v.add("create").add("get");
                    }
                }
            }
        }
        return o;
    }

    /** Whether objects of {@code kind} have a status (so a {@code /status} subresource). */
    static boolean hasStatus(Kind<?> kind) {
        try {
            kind.type().getMethod("getStatus");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
