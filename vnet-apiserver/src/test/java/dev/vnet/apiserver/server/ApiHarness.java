package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Column;
import dev.vnet.apiserver.api.DescribeContext;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PrintContext;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The built-in kinds' API over a fresh memory store, as a client sees it: apply, get (typed back from the wire
 * form), the printed columns at a fixed time, describe over the store, and delete. Reads and deletes go as the
 * CLI's do, with the Kubernetes verbs to an API server on 127.0.0.1 whose credentials live in a directory of
 * its own (removed on close).
 */
final class ApiHarness implements AutoCloseable {
    final MemoryStore store = new MemoryStore();
    final Handlers api = new Handlers();
    private final Path dir;
    private final KubeApiServer server;
    final ApiClient client;

    ApiHarness() {
        dev.vnet.apiserver.ClusterBootstrap.ensureNamespaces(store);
        ApiBackend backend = new ApiBackend() {
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
                return List.of("node-1");
            }

            @Override
            public java.time.Duration settleTimeout() {
                return java.time.Duration.ZERO;
            }
        };
        ResourceApi.register(api, backend, Kinds.builtIn());
        try {
            dir = Files.createTempDirectory("vnet-api-harness");
            KubeCredentials credentials = KubeCredentials.loadOrCreate(dir.resolve("kube"));
            server = KubeApiServer.start(backend, Kinds.builtIn(), credentials, 0);
            server.operations(api, null);
            client = ApiClient.https(URI.create(server.url()), credentials.caPem(), credentials.token());
        } catch (IOException | ApiException e) {
            throw new IllegalStateException("cannot start the test's API server: " + e.getMessage(), e);
        }
    }

    /** Describe's view of the cluster: the store. */
    final DescribeContext describeContext = new DescribeContext() {
        @Override
        public <U extends HasMetadata> Optional<U> get(Kind<U> kind, String namespace, String name) {
            String key = kind.namespaced() ? ClusterStore.key(namespace, name) : ClusterStore.key("", name);
            return store.get(kind, key).map(ClusterStore.Versioned::value);
        }

        @Override
        public Optional<JsonNode> call(ObjectNode request) {
            return Optional.empty();
        }
    };

    private final PrintContext printContext = new PrintContext() {
        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public <U extends HasMetadata> List<U> related(Kind<U> kind) {
            return store.list(kind);
        }
    };

    /** The apply's messages; fails the test if the apply fails. */
    List<String> apply(String yaml) {
        JsonNode reply = api.apply(Operation.APPLY.request().put("text", yaml).put("source", "test.yaml"));
        assertTrue(reply.path("ok").asBoolean(false), reply.toString());
        List<String> out = new ArrayList<>();
        reply.path("messages").forEach(m -> out.add(m.asString()));
        return out;
    }

    /** The error of an apply that must fail. */
    String applyError(String yaml) {
        JsonNode reply = api.apply(Operation.APPLY.request().put("text", yaml).put("source", "test.yaml"));
        assertFalse(reply.path("ok").asBoolean(true), reply.toString());
        return reply.path("error").asString("");
    }

    /** One object as `get -o json` shows it (KIND is any word for a kind, as the CLI takes it). */
    JsonNode getJson(String kind, String namespace, String name) {
        try {
            JsonNode list = client.list(Kinds.builtIn().named(kind), namespace, false, name);
            assertEquals(1, list.path("items").size(), list.toString());
            return list.path("items").get(0);
        } catch (ApiException e) {
            return fail("get " + kind + " " + name + ": " + e.getMessage());
        }
    }

    /** One object, typed from its wire form as the CLI reads it. */
    <T extends HasMetadata> T get(Kind<T> kind, String namespace, String name) {
        return Json.convert(getJson(kind.plural(), namespace, name), kind.type());
    }

    /** The header and the row of one object, with the wide columns too if {@code wide}. */
    <T extends HasMetadata> List<List<String>> table(Kind<T> kind, String namespace, String name, boolean wide) {
        T o = get(kind, namespace, name);
        List<Column<T>> cols = kind.columns().stream().filter(c -> wide || !c.wide()).toList();
        return List.of(cols.stream().map(Column::header).toList(),
                cols.stream().map(c -> c.cell().apply(o, printContext)).toList());
    }

    <T extends HasMetadata> List<String> describe(Kind<T> kind, String namespace, String name) {
        // Trailing blanks (a label with an empty value) are not part of what a reader sees.
        return kind.describe(get(kind, namespace, name), describeContext).lines().stream().map(String::stripTrailing)
                .toList();
    }

    /** `vnet delete KIND NAME`'s messages; fails the test if the delete fails. */
    List<String> delete(String kind, String namespace, String name) {
        JsonNode reply;
        try {
            reply = client.deleteEach(List.of(new ApiClient.Named(Kinds.builtIn().named(kind), namespace, name)),
                    false);
        } catch (ApiException e) {
            return fail("delete " + kind + " " + name + ": " + e.getMessage());
        }
        assertTrue(reply.path("ok").asBoolean(false), reply.toString());
        assertTrue(reply.path("errors").isEmpty(), reply.toString());
        List<String> out = new ArrayList<>();
        reply.path("messages").forEach(m -> out.add(m.asString()));
        return out;
    }

    @Override
    public void close() {
        server.close();
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory: what is left goes with the rest.
        }
    }
}
