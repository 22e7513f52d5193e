package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Column;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The resource verbs, for any kind of the registry: what one registration gives a kind. */
class ResourceApiTest {
    private final MemoryStore store = new MemoryStore();
    private final ApiBackend backend = new ApiBackend() {
        @Override
        public ClusterStore store() {
            return store;
        }

        @Override
        public ServiceAllocator allocator() {
            return ServiceAllocator.forNetwork(dev.vnet.apiserver.ClusterNetwork.defaults());
        }

        @Override
        public List<String> nodeNames() {
            return List.of("node-1", "node-2");
        }

        @Override
        public java.time.Duration settleTimeout() {
            return java.time.Duration.ZERO; // no node runs the pods here: do not wait for them
        }
    };

    /** A kind vnet does not have, declared in one registration: ConfigMaps, with a column of their keys. */
    static final Kind<ConfigMap> CONFIG_MAPS = Kind.of(ConfigMap.class).shortNames("cm")
            .actsOn("data")
            .column(Column.of("NAME", c -> c.getMetadata().getName()))
            .column(Column.of("DATA", c -> Integer.toString(c.getData().size())))
            .build();

    /** A cluster starts with its namespaces, as ClusterBootstrap makes them. */
    @BeforeEach
    void bootstrap() {
        dev.vnet.apiserver.ClusterBootstrap.ensureNamespaces(store);
    }

    @TempDir
    Path dir;
    private KubeApiServer server;
    /** The CLI's way in: reads and deletes are the Kubernetes verbs of the API server that serves {@link #api}. */
    private ApiClient client;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        store.close();
    }

    /** vnet's operations for {@code kinds}, served with those kinds' Kubernetes verbs on 127.0.0.1. */
    private Handlers api(Kinds kinds) {
        Handlers h = new Handlers();
        ResourceApi.register(h, backend, kinds);
        try {
            KubeCredentials c = KubeCredentials.loadOrCreate(dir.resolve("kube"));
            server = KubeApiServer.start(backend, kinds, c, 0);
            server.operations(h, null);
            client = ApiClient.https(URI.create(server.url()), c.caPem(), c.token());
        } catch (IOException | ApiException e) {
            throw new IllegalStateException("cannot start the test's API server: " + e.getMessage(), e);
        }
        return h;
    }

    /** `vnet get KIND [NAME]` as the CLI asks it: the word named in {@code kinds}, then {"ok":true,"list":...}. */
    private JsonNode get(Kinds kinds, String word, String name) {
        try {
            return Handlers.ok().set("list", client.list(kinds.named(word), "default", false, name));
        } catch (ApiException e) {
            return Handlers.error(e.getMessage());
        }
    }

    /** `vnet delete KIND NAME` as the CLI sends it: {"ok":true,"messages":[...]} or the error. */
    private JsonNode delete(Kinds kinds, String word, String name) {
        try {
            return client.deleteEach(List.of(new ApiClient.Named(kinds.named(word), "default", name)), false);
        } catch (ApiException e) {
            return Handlers.error(e.getMessage());
        }
    }

    private static JsonNode ok(JsonNode reply) {
        assertTrue(reply.path("ok").asBoolean(false), reply.toString());
        return reply;
    }

    private static String error(JsonNode reply) {
        assertFalse(reply.path("ok").asBoolean(true), reply.toString());
        return reply.path("error").asString("");
    }

    private static JsonNode apply(Handlers api, String yaml) {
        return api.apply(Operation.APPLY.request().put("text", yaml).put("source", "test.yaml"));
    }

    @Test
    void aKindRegisteredOnceIsAppliedListedStoredAndDeleted() {
        Kinds kinds = Kinds.builtIn().copy().register(CONFIG_MAPS);
        Handlers api = api(kinds);
        String yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: '1', b: '2'}\n";

        assertEquals("configmap/settings created", ok(apply(api, yaml)).path("messages").get(0).asString());
        assertEquals("configmap/settings unchanged", ok(apply(api, yaml)).path("messages").get(0).asString());
        Optional<ClusterStore.Versioned<ConfigMap>> stored = store.get(CONFIG_MAPS, "default/settings");
        assertEquals(Map.of("a", "1", "b", "2"), stored.orElseThrow().value().getData());
        assertFalse(stored.get().value().getMetadata().getUid().isEmpty());

        JsonNode list = ok(get(kinds, "cm", null)).path("list");
        assertEquals("settings", list.path("items").get(0).path("metadata").path("name").asString());
        ConfigMap back = Json.convert(list.path("items").get(0), ConfigMap.class);
        List<String> row = CONFIG_MAPS.columns().stream().map(c -> c.cell().apply(back, null)).toList();
        assertEquals(List.of("settings", "2"), row);

        JsonNode deleted = ok(delete(kinds, "configmaps", "settings"));
        assertEquals("configmap \"settings\" deleted", deleted.path("messages").get(0).asString());
        assertTrue(store.list(CONFIG_MAPS).isEmpty());
    }

    @Test
    void aWatchGetsEveryCurrentObjectThenEachChangeAndEndsWhenTheServerGoes() throws Exception {
        Kinds kinds = Kinds.builtIn().copy().register(CONFIG_MAPS);
        Handlers api = api(kinds);
        ok(apply(api, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\ndata: {a: '1'}\n"));
        java.util.concurrent.BlockingQueue<JsonNode> events = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread watcher = new Thread(() -> {
            try {
                client.watch(CONFIG_MAPS, opened::countDown, events::add);
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        watcher.start();
        assertTrue(opened.await(10, java.util.concurrent.TimeUnit.SECONDS), "the server took the watch");
        JsonNode added = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("ADDED", added.path("type").asString(), added.toString());
        assertEquals("first", added.path("object").path("metadata").path("name").asString());

        ok(apply(api, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\ndata: {a: '2'}\n"));
        JsonNode modified = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("MODIFIED", modified.path("type").asString(), String.valueOf(modified));
        assertEquals("2", modified.path("object").path("data").path("a").asString());
        ok(delete(kinds, "cm", "first"));
        JsonNode deleted = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("DELETED", deleted.path("type").asString(), String.valueOf(deleted));

        server.close(); // the stream ends: watch returns (or says the API went away), for the caller to watch again
        watcher.join(10_000);
        assertFalse(watcher.isAlive(), "the watch returned when its server went");
        assertTrue(failed.get() == null || failed.get() instanceof ApiException, String.valueOf(failed.get()));
        server = null;
    }

    @Test
    void aWatchOfAnUnknownKindIsRefusedInOneLine() {
        api(Kinds.builtIn());
        ApiException e = assertThrows(ApiException.class, () -> client.watch(CONFIG_MAPS, ev -> { }));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void withoutTheRegistrationTheKindIsUnknown() {
        Handlers api = api(Kinds.builtIn());
        String message = error(apply(api, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"));
        assertTrue(message.contains("unknown kind \"ConfigMap\""), message);
        assertTrue(error(get(Kinds.builtIn(), "cm", null))
                .startsWith("the server doesn't have a resource type \"cm\""));
        // Nor does the server serve it to a client that knows the kind (kubectl): no such resource.
        String served = assertThrows(ApiException.class,
                () -> client.rest("GET", ApiClient.collection(CONFIG_MAPS, "default"), null)).getMessage();
        assertEquals("the server could not find the requested resource", served);
    }

    @Test
    void fieldsVnetDoesNotActOnAreAcceptedAndNamedOnce() {
        Handlers api = api(Kinds.builtIn());
        JsonNode reply = ok(apply(api, """
                apiVersion: v1
                kind: Pod
                metadata: {name: web-1}
                spec:
                  tolerations: [{key: a, operator: Exists}]
                  containers:
                  - {name: a, image: whoami, resources: {limits: {cpu: 100m}}, livenessProbe: {tcpSocket: {port: 8080}}}
                  - {name: b, image: echo, resources: {requests: {memory: 10Mi}}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web-2}
                spec:
                  containers: [{name: a, image: whoami, resources: {limits: {cpu: 1}}}]
                """));
        List<String> warnings = new java.util.ArrayList<>();
        reply.path("warnings").forEach(w -> warnings.add(w.asString()));
        assertEquals(List.of(
                "spec.containers[].livenessProbe is accepted but not acted on by vnet (Pod web-1)",
                "spec.containers[].resources is accepted but not acted on by vnet (Pod web-1, Pod web-2)",
                "spec.tolerations is accepted but not acted on by vnet (Pod web-1)"), warnings);
        assertEquals("node-1", store.get(dev.vnet.apiserver.api.PodKind.KIND, "default/web-1").orElseThrow().value()
                .getSpec().getNodeName());
    }

    @Test
    void aFieldKubernetesDoesNotKnowIsAnErrorAndNothingIsApplied() {
        Handlers api = api(Kinds.builtIn());
        String message = error(apply(api, """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec: {ports: [{port: 80}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: web-1}
                spec: {containers: [{name: a, image: whoami, imagePolicy: Always}]}
                """));
        assertEquals("test.yaml document 2 (Pod web-1): unknown field \"spec.containers[0].imagePolicy\"", message);
        assertTrue(store.list(dev.vnet.apiserver.api.ServiceKind.KIND).isEmpty());
    }

    @Test
    void kindsThatVnetWritesAreNotAppliedNorDeletedByHand() {
        Handlers api = api(Kinds.builtIn());
        String applied = error(apply(api, "apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\n"));
        assertTrue(applied.contains("endpoints are not applied: they are written by the endpoints controller"), applied);
        String deleted = error(delete(Kinds.builtIn(), "ep", "web"));
        assertTrue(deleted.startsWith("endpoints are not deleted by hand"), deleted);
    }

    @Test
    void aPodIsScheduledAndAServiceGetsItsAddresses() {
        Handlers api = api(Kinds.builtIn());
        ok(apply(api, """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
                """));
        var svc = store.get(dev.vnet.apiserver.api.ServiceKind.KIND, "default/web").orElseThrow().value();
        assertEquals("10.96.0.2", svc.getSpec().getClusterIP());
        assertEquals(30000, svc.getSpec().getPorts().get(0).getNodePort());
        assertTrue(Instant.parse(svc.getMetadata().getCreationTimestamp()).isBefore(Instant.now().plusSeconds(1)));
    }

    @Test
    void getOfANameThatDoesNotExistSaysSoAsKubectl() {
        Handlers api = api(Kinds.builtIn());
        assertEquals("pods \"nope\" not found", error(get(Kinds.builtIn(), "po", "nope")));
        assertEquals("endpointslices.discovery.k8s.io \"x\" not found", error(get(Kinds.builtIn(), "endpointslices",
                "x")));
    }

    @Test
    void everyOperationOfTheApiIsOneOfTheTable() {
        Handlers api = api(Kinds.builtIn());
        for (String op : api.ops()) {
            assertTrue(Operation.of(op) != null, op);
        }
        assertTrue(error(api.apply(Json.object().put("op", "nonsense"))).startsWith("unknown request"));
        Pod ignored = null;
    }
}
