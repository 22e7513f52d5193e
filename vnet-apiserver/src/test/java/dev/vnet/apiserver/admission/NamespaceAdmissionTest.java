package dev.vnet.apiserver.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.ResourceApi;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Namespaces through the API's verbs, as kubectl sees them: the two a cluster starts with, the automatic name
 * label, applies into a namespace that does not exist, and a delete that takes the namespace's contents with it
 * and returns once the nodes have let go of its pods.
 */
class NamespaceAdmissionTest {
    private final MemoryStore store = new MemoryStore();
    /** Pods a node of this (pretend) process runs: started when bound, let go 150 ms after their delete. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    /** What the test does while a delete waits for a pod (called on the delete's thread), or null. */
    private volatile Runnable whileWaiting;
    private ClusterStore.Watch kubelet;

    private final ApiBackend backend = new ApiBackend() {
        @Override
        public ClusterStore store() {
            return store;
        }

        @Override
        public ServiceAllocator allocator() {
            return ServiceAllocator.forNetwork(ClusterNetwork.defaults());
        }

        @Override
        public List<String> nodeNames() {
            return List.of("node-1");
        }

        @Override
        public boolean runsPod(String key) {
            Runnable r = whileWaiting;
            whileWaiting = null;
            if (r != null) {
                r.run();
            }
            return running.contains(key);
        }

        @Override
        public Duration settleTimeout() {
            return Duration.ofSeconds(10);
        }
    };

    private final Handlers api = new Handlers();
    @TempDir
    Path dir;
    private KubeApiServer server;
    /** The CLI's way in: gets and deletes are the Kubernetes verbs of the API server that serves {@link #api}. */
    private ApiClient client;

    @BeforeEach
    void start() throws Exception {
        ClusterBootstrap.ensureNamespaces(store);
        ResourceApi.register(api, backend);
        KubeCredentials c = KubeCredentials.loadOrCreate(dir.resolve("kube"));
        server = KubeApiServer.start(backend, Kinds.builtIn(), c, 0);
        server.operations(api, null);
        client = ApiClient.https(URI.create(server.url()), c.caPem(), c.token());
        // A node, as kubelet: runs a pod once it is bound, and lets go of a deleted one a moment later.
        kubelet = store.watch(PodKind.KIND, store.revision(), e -> {
            if (e.type() == ClusterStore.EventType.PUT && "Pending".equals(PodKind.phase((Pod) e.value()))) {
                running.add(e.key());
                store.get(PodKind.KIND, e.key()).ifPresent(v -> {
                    try {
                        store.update(PodKind.KIND, e.key(), new PodBuilder(v.value()).editStatus().withPhase("Running")
                                .endStatus().build(), v.revision());
                    } catch (ClusterStore.ConflictException ignored) {
                        // The next event retries.
                    }
                });
            } else if (e.type() == ClusterStore.EventType.DELETE) {
                Thread letGo = new Thread(() -> {
                    sleep(150);
                    running.remove(e.key());
                });
                letGo.setDaemon(true);
                letGo.start();
            }
        });
    }

    @AfterEach
    void close() {
        server.close();
        kubelet.close();
        store.close();
    }

    private JsonNode apply(String yaml) {
        return api.apply(Operation.APPLY.request().put("text", yaml).put("source", "test.yaml"));
    }

    /** `vnet delete ns NAME...` as the CLI sends it: {"ok":true,"messages":[...],"errors":[...]}, or the error. */
    private JsonNode deleteNamespaces(String... names) {
        List<ApiClient.Named> targets = new ArrayList<>();
        for (String n : names) {
            targets.add(new ApiClient.Named(NamespaceKind.KIND, null, n));
        }
        try {
            return client.deleteEach(targets, false);
        } catch (ApiException e) {
            return Handlers.error(e.getMessage());
        }
    }

    /** `vnet get ns [NAME]` as the CLI asks it: a List, or the error. */
    private JsonNode getNamespaces(String name) {
        try {
            return Handlers.ok().set("list", client.list(NamespaceKind.KIND, null, false, name));
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

    private static List<String> messages(JsonNode reply) {
        List<String> out = new ArrayList<>();
        reply.path("messages").forEach(m -> out.add(m.asString()));
        return out;
    }

    private Namespace namespace(String name) {
        return store.get(NamespaceKind.KIND, "/" + name).orElseThrow().value();
    }

    private static final String PROD = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: prod
              labels: {team: payments, kubernetes.io/metadata.name: something-else}
            """;

    private static String pod(String name, String namespace) {
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: %s, labels: {app: web}}
                spec: {containers: [{name: web, image: whoami}]}
                """.formatted(name, namespace);
    }

    private static String service(String name, String namespace) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %s, namespace: %s}
                spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
                """.formatted(name, namespace);
    }

    @Test
    void defaultAndKubeSystemExistFromTheStartAndCannotBeDeleted() {
        JsonNode items = ok(getNamespaces(null)).path("list").path("items");
        List<String> names = new ArrayList<>();
        items.forEach(i -> names.add(i.path("metadata").path("name").asString()));
        assertEquals(List.of("default", "kube-system"), names);
        for (JsonNode i : items) {
            Namespace ns = Json.convert(i, Namespace.class);
            assertEquals("Active", NamespaceKind.phase(ns));
            assertEquals(NamespaceKind.name(ns), NamespaceKind.labels(ns).get("kubernetes.io/metadata.name"));
            assertFalse(ns.getMetadata().getUid().isEmpty());
        }

        assertEquals("namespaces \"default\" is forbidden: this namespace may not be deleted",
                error(deleteNamespaces("default")));
        assertEquals("namespaces \"kube-system\" is forbidden: this namespace may not be deleted",
                error(deleteNamespaces("kube-system")));
        assertEquals("Active", NamespaceKind.phase(namespace("default")));
        assertTrue(store.get(NamespaceKind.KIND, "/kube-system").isPresent());
    }

    @Test
    void aNamespaceIsStoredActiveWithTheAutomaticNameLabel() {
        assertEquals(List.of("namespace/prod created"), messages(ok(apply(PROD))));
        Namespace prod = namespace("prod");
        assertEquals(Map.of("team", "payments", "kubernetes.io/metadata.name", "prod"), prod.getMetadata().getLabels(),
                "a user's value for the automatic label is overwritten");
        assertEquals("Active", NamespaceKind.phase(prod));
        assertEquals(prod.getMetadata().getLabels(), NamespaceAdmission.labels(store, "prod"));
        assertEquals(Map.of(), NamespaceAdmission.labels(store, "nope"));
        assertEquals(List.of("namespace/prod unchanged"), messages(ok(apply(PROD))));

        // get ns: kubectl's columns; describe: its fields.
        JsonNode got = ok(getNamespaces("prod")).path("list");
        Namespace back = Json.convert(got.path("items").get(0), Namespace.class);
        List<String> headers = NamespaceKind.KIND.columns().stream().map(c -> c.header()).toList();
        assertEquals(List.of("NAME", "STATUS", "AGE"), headers);
        var ctx = new dev.vnet.apiserver.api.PrintContext() {
            @Override
            public Instant now() {
                return Instant.parse(back.getMetadata().getCreationTimestamp()).plusSeconds(42);
            }

            @Override
            public <U extends io.fabric8.kubernetes.api.model.HasMetadata> List<U> related(
                    dev.vnet.apiserver.api.Kind<U> kind) {
                return List.of();
            }
        };
        assertEquals(List.of("prod", "Active", "42s"),
                NamespaceKind.KIND.columns().stream().map(c -> c.cell().apply(back, ctx)).toList());
    }

    @Test
    void applyIntoAMissingNamespaceIsRefusedAndNothingIsApplied() {
        String message = error(apply(service("web", "default") + "---\n" + pod("web", "prod")));
        assertTrue(message.startsWith("namespaces \"prod\" not found"), message);
        assertTrue(store.list(ServiceKind.KIND).isEmpty(), "nothing of the file is applied");
        assertTrue(store.list(PodKind.KIND).isEmpty());

        // kubectl applies in order: the Namespace must come before what is in it.
        message = error(apply(pod("web", "prod") + "---\n" + PROD));
        assertTrue(message.startsWith("namespaces \"prod\" not found"), message);
        assertTrue(store.get(NamespaceKind.KIND, "/prod").isEmpty());
    }

    @Test
    void aNamespaceAndItsPodInOneFile() {
        List<String> lines = messages(ok(apply(PROD + "---\n" + pod("web", "prod"))));
        assertEquals(List.of("namespace/prod created", "pod/web created"), lines);
        Pod web = store.get(PodKind.KIND, "prod/web").orElseThrow().value();
        assertEquals("web.prod", PodKind.netns(web));
        assertEquals("Running", PodKind.phase(web));
    }

    @Test
    void deletingANamespaceDeletesWhatIsInItAndReturnsOnceItsPodsAreGone() {
        ok(apply(PROD + "---\n" + pod("web", "prod") + "---\n" + pod("db", "prod") + "---\n" + service("web", "prod")
                + "---\n" + pod("web", "default") + "---\n" + service("web", "default")));
        assertEquals(Set.of("prod/web", "prod/db", "default/web"), Set.copyOf(running));
        List<String> duringDelete = new CopyOnWriteArrayList<>();
        whileWaiting = () -> {
            duringDelete.add(NamespaceKind.phase(namespace("prod")));
            duringDelete.add(apply(service("late", "prod")).path("error").asString());
        };

        assertEquals(List.of("namespace \"prod\" deleted"), messages(ok(deleteNamespaces("prod"))));

        assertEquals(List.of("Terminating",
                "unable to create new content in namespace prod because it is being terminated"), duringDelete);
        assertEquals(Set.of("default/web"), Set.copyOf(running), "the delete returns once the nodes let go");
        assertTrue(store.get(NamespaceKind.KIND, "/prod").isEmpty());
        assertEquals(List.of("default/web"), store.list(PodKind.KIND).stream().map(PodKind::key).toList());
        assertEquals(List.of("default/web"), store.list(ServiceKind.KIND).stream().map(ServiceKind::key).toList());
        assertEquals("namespaces \"prod\" not found", error(deleteNamespaces("prod")));

        // Gone for good: the same names can be used again.
        assertEquals(List.of("namespace/prod created", "pod/web created"),
                messages(ok(apply(PROD + "---\n" + pod("web", "prod")))));
    }

    @Test
    void deleteOfSeveralNamespacesDeletesThoseItMayAndNamesTheOthers() {
        ok(apply(PROD));
        JsonNode reply = ok(deleteNamespaces("default", "prod"));
        assertEquals(List.of("namespace \"prod\" deleted"), messages(reply));
        assertEquals("namespaces \"default\" is forbidden: this namespace may not be deleted",
                reply.path("errors").get(0).asString());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
