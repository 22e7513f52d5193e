package dev.vnet.apiserver.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.ResourceApi;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Pods as admission writes them: bound, Pending, with their network namespace's name; one name per namespace. */
class PodAdmissionTest {
    private final MemoryStore store = new MemoryStore();
    /** The netns names the machine was asked about (ApiBackend.admitPod), in order. */
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final Handlers api = new Handlers();

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
        public void admitPod(Pod pod) throws ApiException {
            String netns = pod.getMetadata().getAnnotations().get(PodKind.NETNS_ANNOTATION);
            asked.add(netns);
            if ("taken.prod".equals(netns)) {
                throw new ApiException("a network namespace named taken.prod already exists on this machine");
            }
        }

        @Override
        public Duration settleTimeout() {
            return Duration.ZERO;
        }
    };

    @BeforeEach
    void start() {
        ClusterBootstrap.ensureNamespaces(store);
        ResourceApi.register(api, backend);
        ok(apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JsonNode apply(String yaml) {
        return api.apply(Operation.APPLY.request().put("text", yaml).put("source", "test.yaml"));
    }

    private static JsonNode ok(JsonNode reply) {
        assertTrue(reply.path("ok").asBoolean(false), reply.toString());
        return reply;
    }

    private static String pod(String name, String namespace, String image) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                  annotations: {vnet.dev/netns: chosen-by-the-user}
                spec: {containers: [{name: c, image: %s}]}
                """.formatted(name, namespace, image);
    }

    private Pod stored(String key) {
        return store.get(PodKind.KIND, key).orElseThrow().value();
    }

    @Test
    void podsOfOneNameLiveInTwoNamespacesEachWithItsOwnNetns() {
        ok(apply(pod("web", "default", "whoami") + "---\n" + pod("web", "prod", "whoami")));
        assertEquals("web", PodKind.netns(stored("default/web")));
        assertEquals("web.prod", PodKind.netns(stored("prod/web")));
        assertEquals("web.prod", stored("prod/web").getMetadata().getAnnotations().get("vnet.dev/netns"),
                "the server's own annotation: the manifest's value is overwritten");
        assertEquals(List.of("web", "web.prod"), asked, "the machine is asked about the netns names, before storing");
        assertEquals("node-1", PodKind.nodeName(stored("prod/web")));
        assertEquals("Pending", PodKind.phase(stored("prod/web")));
    }

    @Test
    void theSamePodAgainIsUnchangedAndADifferentOneIsRefusedInItsNamespace() {
        ok(apply(pod("web", "default", "whoami") + "---\n" + pod("web", "prod", "whoami")));
        JsonNode again = ok(apply(pod("web", "prod", "whoami")));
        assertEquals("pod/web unchanged", again.path("messages").get(0).asString());
        JsonNode changed = apply(pod("web", "prod", "echo"));
        assertFalse(changed.path("ok").asBoolean(true));
        assertEquals("pod web already exists with a different spec: pods cannot be changed, delete it first "
                + "(`vnet delete pod web -n prod`)", changed.path("error").asString());
        assertEquals("whoami", stored("default/web").getSpec().getContainers().get(0).getImage());
    }

    @Test
    void aNetnsTakenOnTheMachineRefusesThePodByItsNewName() {
        JsonNode reply = apply(pod("taken", "default", "whoami") + "---\n" + pod("taken", "prod", "whoami"));
        assertFalse(reply.path("ok").asBoolean(true));
        assertEquals("a network namespace named taken.prod already exists on this machine",
                reply.path("error").asString());
        assertTrue(store.list(PodKind.KIND).isEmpty(), "nothing of the file is applied");
    }
}
