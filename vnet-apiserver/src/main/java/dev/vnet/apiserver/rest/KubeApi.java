package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Kubernetes REST API over vnet's store, kinds and admission, without the HTTP server around it: a request
 * in, a response (or a watch's stream) out. Routes discovery ({@code /version}, {@code /api}, {@code /apis}),
 * the OpenAPI documents, and resource URLs to the read verbs here and the write verbs of {@link Writes}.
 */
final class KubeApi {
    private final ClusterStore store;
    private final Discovery discovery;
    private final OpenApi openApi;
    private final Writes writes;

    KubeApi(ApiBackend backend, Kinds kinds) {
        this.store = backend.store();
        this.discovery = new Discovery(kinds);
        this.openApi = new OpenApi(kinds);
        this.writes = new Writes(store, new RestAdmissionContext(backend, kinds));
    }

    /** Serves vnet's operations as group vnet.dev/v1 in discovery. */
    void operations(java.util.Collection<String> names) {
        discovery.operations(names);
    }

    /** The resource a URL names, or null for any other path (discovery, OpenAPI, unknown). */
    Target target(String path) {
        String[] segs = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
        if (segs.length >= 3 && segs[0].equals("api") && segs[1].equals("v1")) {
            return Target.resolve(discovery, "v1", Arrays.copyOfRange(segs, 2, segs.length));
        }
        if (segs.length >= 4 && segs[0].equals("apis")) {
            return Target.resolve(discovery, segs[1] + "/" + segs[2], Arrays.copyOfRange(segs, 3, segs.length));
        }
        return null;
    }

    /** Whether the request is a watch, answered by {@link #watch} rather than {@link #handle}. */
    boolean isWatch(KubeRequest r) {
        return r.method().equals("GET") && r.flag("watch") && target(r.path()) != null;
    }

    void watch(KubeRequest r, ScheduledExecutorService timer, Watches.Sink sink) throws KubeStatus {
        Target t = target(r.path());
        if (t.subresource() != null) {
            throw KubeStatus.methodNotAllowed("a subresource cannot be watched");
        }
        Watches.start(store, t.kind(), t, r, timer, sink);
    }

    KubeResponse handle(KubeRequest r) {
        try {
            return route(r);
        } catch (KubeStatus s) {
            return KubeResponse.error(s);
        }
    }

    private KubeResponse route(KubeRequest r) throws KubeStatus {
        String path = r.path().length() > 1 && r.path().endsWith("/") ? r.path().substring(0, r.path().length() - 1)
                : r.path();
        boolean get = r.method().equals("GET");
        if (get) {
            switch (path) {
                case "/version" -> {
                    return KubeResponse.ok(discovery.version());
                }
                case "/api" -> {
                    return KubeResponse.ok(discovery.coreVersions());
                }
                case "/apis" -> {
                    return KubeResponse.ok(discovery.groups());
                }
                case "/api/v1" -> {
                    return KubeResponse.ok(discovery.resources("v1"));
                }
                case "/healthz", "/livez", "/readyz" -> {
                    return KubeResponse.raw(200, "ok".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            "text/plain");
                }
                default -> {
                }
            }
            if (path.equals("/openapi/v2") && r.accept().contains("protobuf")) {
                return KubeResponse.raw(200, OpenApi.v2Protobuf(), OpenApi.V2_PROTOBUF);
            }
            if (path.startsWith("/openapi/")) {
                JsonNode doc = openApi.document(path);
                if (doc == null) {
                    throw notFound();
                }
                return KubeResponse.ok(doc);
            }
            String[] segs = path.split("/");
            if (segs.length == 4 && segs[1].equals("apis") && discovery.serves(segs[2] + "/" + segs[3])) {
                return KubeResponse.ok(discovery.resources(segs[2] + "/" + segs[3]));
            }
            if (segs.length == 3 && segs[1].equals("apis")) {
                for (JsonNode g : discovery.groups().path("groups")) {
                    if (g.path("name").asString().equals(segs[2])) {
                        ObjectNode group = ((ObjectNode) g.deepCopy()).put("kind", "APIGroup").put("apiVersion", "v1");
                        return KubeResponse.ok(group);
                    }
                }
            }
        }
        Target t = target(path);
        if (t == null) {
            throw notFound();
        }
        return resource(t.kind(), t, r);
    }

    private <T extends HasMetadata> KubeResponse resource(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        String sub = t.subresource();
        if (sub != null && !sub.equals("status")) {
            throw notFound();
        }
        if (sub != null && !Discovery.hasStatus(kind)) {
            throw notFound();
        }
        if (kind.namespaced() && t.namespace() == null && t.name() != null) {
            throw notFound();
        }
        return switch (r.method()) {
            case "GET" -> t.name() == null ? list(kind, t, r) : get(kind, t, r);
            case "POST" -> {
                if (t.name() != null) {
                    throw KubeStatus.methodNotAllowed("POST is for a collection: create " + kind.plural()
                            + " at their list's URL");
                }
                yield writes.create(kind, t, r);
            }
            case "PUT" -> sub != null ? writes.updateStatus(kind, named(t), r) : writes.update(kind, named(t), r);
            case "PATCH" -> writes.patch(kind, named(t), r);
            case "DELETE" -> t.name() == null ? writes.deleteCollection(kind, t, r) : writes.delete(kind, t, r);
            default -> throw KubeStatus.methodNotAllowed("the method " + r.method() + " is not served here");
        };
    }

    private static Target named(Target t) throws KubeStatus {
        if (t.name() == null) {
            throw KubeStatus.methodNotAllowed("PUT and PATCH are for one object: name it in the URL");
        }
        return t;
    }

    private <T extends HasMetadata> KubeResponse get(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        ObjectNode o = RestObjects.get(store, kind, t.key()).orElseThrow(() -> KubeStatus.notFound(kind, t.name()));
        if (Tables.wanted(r.accept())) {
            return KubeResponse.ok(Tables.table(kind, List.of(o), o.path("metadata").path("resourceVersion")
                    .asString(), r.param("includeObject"), store));
        }
        return KubeResponse.ok(o);
    }

    private <T extends HasMetadata> KubeResponse list(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        Predicate<JsonNode> match = Selectors.parse(r.param("labelSelector"), r.param("fieldSelector"));
        RestObjects.Listing all = RestObjects.list(store, kind, t.namespace());
        List<JsonNode> items = new ArrayList<>();
        for (ObjectNode o : all.items()) {
            if (match.test(o)) {
                items.add(o);
            }
        }
        String revision = Long.toString(all.revision());
        if (Tables.wanted(r.accept())) {
            return KubeResponse.ok(Tables.table(kind, items, revision, r.param("includeObject"), store));
        }
        ObjectNode list = Json.object();
        list.put("apiVersion", kind.apiVersion()).put("kind", kind.kind() + "List");
        list.putObject("metadata").put("resourceVersion", revision);
        ArrayNode arr = list.putArray("items");
        items.forEach(arr::add);
        return KubeResponse.ok(list);
    }

    private static KubeStatus notFound() {
        return new KubeStatus(404, "NotFound", "the server could not find the requested resource");
    }
}
