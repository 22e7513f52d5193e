package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Fault;
import dev.vnet.apiserver.api.FaultKind;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/** `vnet fault add` against the cluster: where the fault is must exist, ids count up, the store keeps it whole. */
class FaultApiTest {
    private final ClusterStore store = new MemoryStore();

    @BeforeEach
    void cluster() throws Exception {
        for (String n : List.of("node-1", "node-2")) {
            store.create(NodeKind.KIND, "/" + n, new NodeBuilder().withNewMetadata().withName(n).endMetadata().build());
        }
        store.create(PodKind.KIND, "default/web-1", new PodBuilder().withNewMetadata().withName("web-1")
                .withNamespace("default").endMetadata().withNewSpec().withNodeName("node-2").endSpec().build());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private JsonNode add(String... args) throws ApiException {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (String s : args) {
            a.add(s);
        }
        return FaultApi.add(store, Json.object().set("args", a));
    }

    @Test
    void faultsAreStoredWithTheNextIdAndTheirDescription() throws Exception {
        JsonNode first = add("--node", "node-1", "--peer", "node-2", "--loss", "100%");
        assertEquals(1, first.path("id").asInt());
        assertEquals("loss 100% on node-1 → node-2", first.path("description").asString());
        assertEquals(2, add("--node", "node-2", "--pod", "web-1", "--delay", "100", "--jitter", "10").path("id").asInt());
        assertEquals(3, add("--node", "node-2", "--pause", "sync").path("id").asInt());
        Fault stored = store.get(FaultKind.KIND, "/1").orElseThrow().value();
        assertEquals("node-1", stored.spec().node());
        assertEquals("node-2", stored.spec().peer());
        assertEquals(FaultKind.spec(stored), dev.vnet.fault.FaultSpec.parse(stored.spec().args()));
        store.delete(FaultKind.KIND, "/2");
        assertEquals(4, add("--node", "node-1", "--mtu", "1400").path("id").asInt(), "ids are not reused while "
                + "a higher one exists");
    }

    @Test
    void whereTheFaultIsMustExistAndTheErrorSaysWhatToDo() {
        assertEquals("nodes \"node-9\" not found", assertThrows(ApiException.class,
                () -> add("--node", "node-9", "--loss", "5%")).getMessage());
        assertTrue(assertThrows(ApiException.class, () -> add("--node", "node-1", "--peer", "node-7", "--loss", "5%"))
                .getMessage().startsWith("nodes \"node-7\" not found"));
        assertEquals("pod web-1 runs on node-2, not node-1: give --node node-2", assertThrows(ApiException.class,
                () -> add("--node", "node-1", "--pod", "web-1", "--loss", "5%")).getMessage());
        assertEquals("pods \"nope\" not found", assertThrows(ApiException.class,
                () -> add("--node", "node-1", "--pod", "nope", "--loss", "5%")).getMessage());
        assertTrue(assertThrows(ApiException.class, () -> add("--node", "node-1", "--peer", "node-1", "--loss", "5%"))
                .getMessage().startsWith("--peer must be another node"));
        String bad = assertThrows(ApiException.class, () -> add("--node", "node-1", "--loss", "130%")).getMessage();
        assertTrue(bad.startsWith("--loss takes a percentage 0-100"), bad);
        assertTrue(store.list(FaultKind.KIND).isEmpty(), "nothing stored by a refused add");
    }

    @Test
    void aFaultWrittenByHandIsValidatedAsAddWouldParseIt() {
        Fault bad = Fault.of(5, new Fault.Spec("node-1", null, null, List.of("--node", "node-1", "--loss", "x"), ""));
        var e = assertThrows(dev.vnet.apiserver.api.InvalidManifestException.class, () -> FaultKind.KIND.validate(bad));
        assertTrue(e.getMessage().startsWith("spec.args: --loss takes a percentage"), e.getMessage());
        Fault other = Fault.of(5, new Fault.Spec("node-2", null, null, List.of("--node", "node-1", "--loss", "5%"), ""));
        assertThrows(dev.vnet.apiserver.api.InvalidManifestException.class, () -> FaultKind.KIND.validate(other));
    }
}
