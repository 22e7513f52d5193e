package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Column;
import dev.vnet.apiserver.api.DescribeContext;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PrintContext;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The built-in kinds' API over a fresh memory store, as a client sees it: apply, get (typed back from the wire
 * form), the printed columns at a fixed time, describe over the store, and delete.
 */
final class ApiHarness implements AutoCloseable {
    final MemoryStore store = new MemoryStore();
    final Handlers api = new Handlers();

    ApiHarness() {
        dev.vnet.apiserver.ClusterBootstrap.ensureNamespaces(store);
        ResourceApi.register(api, new ApiBackend() {
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
        }, Kinds.builtIn());
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

    /** One object as `get -o json` shows it. */
    JsonNode getJson(String kind, String namespace, String name) {
        JsonNode reply = api.apply(Operation.GET.request().put("kind", kind).put("namespace", namespace)
                .put("name", name));
        assertTrue(reply.path("ok").asBoolean(false), reply.toString());
        return reply.path("list").path("items").get(0);
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

    List<String> delete(String kind, String namespace, String name) {
        JsonNode reply = api.apply(Operation.DELETE.request().put("kind", kind).put("namespace", namespace)
                .set("names", Json.MAPPER.createArrayNode().add(name)));
        assertTrue(reply.path("ok").asBoolean(false), reply.toString());
        List<String> out = new ArrayList<>();
        reply.path("messages").forEach(m -> out.add(m.asString()));
        return out;
    }

    @Override
    public void close() {
        store.close();
    }
}
