package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ?watch=true}: the store's watch of a kind turned into the API's WatchEvents (ADDED, MODIFIED, DELETED, one
 * JSON object per line), filtered by namespace and selectors. The store's events say only "put" or "delete": the
 * watch remembers which objects it has shown, so a put of one it has not shown is ADDED, and an object that stops
 * matching the selectors is DELETED, as the API server's watch cache does it.
 *
 * <p>From {@code resourceVersion=N}, objects that exist unchanged since N count as shown; one created or changed
 * after N is shown ADDED then (its history before N is not known). Without a resourceVersion (or 0), every
 * current object comes first as ADDED. A revision the store has compacted ends the watch with an ERROR event of
 * 410 Gone, for the client to list again.
 */
final class Watches {
    /** Where events go: the response's body, one chunk each. */
    interface Sink {
        /** Writes one event; false once the client has gone. */
        boolean send(JsonNode event);

        /** Ends the response. */
        void end();

        /** Runs {@code r} when the client goes away (or the response ends). */
        void onClose(Runnable r);
    }

    /** Without timeoutSeconds a watch ends after this, as the API server ends them after a while. */
    static final long DEFAULT_TIMEOUT_SECONDS = 1800;
    static final long BOOKMARK_SECONDS = 60;

    private Watches() {
    }

    static <T extends HasMetadata> void start(ClusterStore store, Kind<T> kind, Target t, KubeRequest r,
                                              ScheduledExecutorService timer, Sink sink) throws KubeStatus {
        Predicate<JsonNode> selected = Selectors.parse(r.param("labelSelector"), r.param("fieldSelector"));
        String namespace = t.namespace();
        String onlyName = t.name();
        Predicate<JsonNode> match = o -> (namespace == null || namespace.equals(o.path("metadata").path("namespace")
                .asString(""))) && (onlyName == null || onlyName.equals(o.path("metadata").path("name").asString("")))
                && selected.test(o);
        boolean table = Tables.wanted(r.accept());
        String include = r.param("includeObject");
        long from;
        String rv = r.param("resourceVersion");
        try {
            from = rv.isEmpty() ? 0 : Long.parseLong(rv);
        } catch (NumberFormatException e) {
            throw KubeStatus.badRequest("resourceVersion \"" + rv + "\" is not a number");
        }
        long timeout;
        try {
            timeout = r.param("timeoutSeconds").isEmpty() ? DEFAULT_TIMEOUT_SECONDS
                    : Long.parseLong(r.param("timeoutSeconds"));
        } catch (NumberFormatException e) {
            throw KubeStatus.badRequest("timeoutSeconds \"" + r.param("timeoutSeconds") + "\" is not a number");
        }

        Object lock = new Object();
        Set<String> shown = new HashSet<>();
        long[] last = new long[1];
        boolean[] done = new boolean[1];
        ClusterStore.Watch[] watch = new ClusterStore.Watch[1];
        ScheduledFuture<?>[] timers = new ScheduledFuture<?>[2];
        Runnable finish = () -> {
            synchronized (lock) {
                if (done[0]) {
                    return;
                }
                done[0] = true;
            }
            if (watch[0] != null) {
                watch[0].close();
            }
            for (ScheduledFuture<?> f : timers) {
                if (f != null) {
                    f.cancel(false);
                }
            }
            sink.end();
        };
        sink.onClose(finish);

        synchronized (lock) {
            RestObjects.Listing now = RestObjects.list(store, kind, namespace);
            long start = from;
            for (ObjectNode o : now.items()) {
                if (!match.test(o)) {
                    continue;
                }
                if (from == 0) {
                    shown.add(key(o));
                    sink.send(event("ADDED", kind, o, table, include, store));
                } else if (RestObjects.revision(o) <= from) {
                    shown.add(key(o));
                }
            }
            if (from == 0) {
                start = now.revision();
            }
            last[0] = start;
            long since = start;
            watch[0] = store.watch(kind, since, e -> {
                synchronized (lock) {
                    if (done[0]) {
                        return;
                    }
                    JsonNode out = switch (e.type()) {
                        case RELIST -> gone(since);
                        case DELETE -> {
                            ObjectNode o = RestObjects.render(kind, e.value(), e.revision());
                            yield shown.remove(e.key()) ? event("DELETED", kind, o, table, include, store) : null;
                        }
                        case PUT -> {
                            ObjectNode o = RestObjects.render(kind, e.value(), e.revision());
                            if (match.test(o)) {
                                yield event(shown.add(e.key()) ? "ADDED" : "MODIFIED", kind, o, table, include, store);
                            }
                            yield shown.remove(e.key()) ? event("DELETED", kind, o, table, include, store) : null;
                        }
                    };
                    last[0] = Math.max(last[0], e.revision());
                    if (out != null && !sink.send(out)) {
                        done[0] = true;
                    }
                    if (e.type() == ClusterStore.EventType.RELIST) {
                        timer.execute(finish);
                    }
                }
            });
        }
        timers[0] = timer.schedule(finish, timeout, TimeUnit.SECONDS);
        if (r.flag("allowWatchBookmarks")) {
            timers[1] = timer.scheduleAtFixedRate(() -> {
                synchronized (lock) {
                    if (!done[0]) {
                        ObjectNode b = Json.object().put("type", "BOOKMARK");
                        b.putObject("object").put("kind", kind.kind()).put("apiVersion", kind.apiVersion())
                                .putObject("metadata").put("resourceVersion", Long.toString(last[0]));
                        sink.send(b);
                    }
                }
            }, BOOKMARK_SECONDS, BOOKMARK_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static String key(JsonNode o) {
        return ClusterStore.key(o.path("metadata").path("namespace").asString(null),
                o.path("metadata").path("name").asString(""));
    }

    private static ObjectNode event(String type, Kind<?> kind, ObjectNode object, boolean table, String include,
                                    ClusterStore store) {
        ObjectNode e = Json.object().put("type", type);
        e.set("object", table ? Tables.table(kind, List.of(object), object.path("metadata")
                .path("resourceVersion").asString(), include.isEmpty() ? "Object" : include, store) : object);
        return e;
    }

    private static ObjectNode gone(long from) {
        ObjectNode e = Json.object().put("type", "ERROR");
        e.set("object", new KubeStatus(410, "Expired", "too old resource version: " + from
                + ": the watch must list again").toJson());
        return e;
    }
}
