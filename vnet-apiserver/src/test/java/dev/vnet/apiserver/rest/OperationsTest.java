package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.Streaming;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** vnet's own operations as group vnet.dev/v1 of the Kubernetes API: discovery, calls, errors, streams, the token. */
class OperationsTest {
    @TempDir
    Path dir;
    KubeHarness k;
    ApiClient client;
    /** What the capture stream writes: 300 KiB, more than one chunk and more than a socket buffer. */
    static final byte[] STREAM = new byte[300 * 1024];

    static {
        for (int i = 0; i < STREAM.length; i++) {
            STREAM[i] = (byte) (i * 31);
        }
    }

    @BeforeEach
    void start() throws Exception {
        k = new KubeHarness(dir);
        Handlers h = new Handlers()
                .add(Operation.PING, req -> Handlers.ok())
                .add(Operation.STATS, req -> Handlers.ok().put("node", req.path("node").asString()))
                .add(Operation.CONNTRACK, req -> {
                    throw new ApiException("nodes \"" + req.path("node").asString() + "\" not found");
                });
        k.server.operations(h, new Streaming() {
            @Override
            public boolean handles(String op) {
                return op.equals(Operation.CAPTURE.wire());
            }

            @Override
            public void stream(JsonNode request, OutputStream out, CountDownLatch clientGone) throws IOException,
                    ApiException {
                if (request.path("pod").asString().equals("gone")) {
                    throw new ApiException("pods \"gone\" not found");
                }
                out.write(STREAM);
            }
        });
        client = ApiClient.https(URI.create(k.server.url()), k.credentials.caPem(), k.credentials.token());
    }

    @AfterEach
    void stop() {
        k.close();
    }

    @Test
    void discoveryListsTheOperationsBesideTheGroupsKinds() throws Exception {
        List<String> groups = new ArrayList<>();
        k.get("/apis").body().path("groups").forEach(g -> groups.add(g.path("name").asString()));
        assertTrue(groups.contains("vnet.dev"), groups.toString());
        JsonNode resources = k.get("/apis/vnet.dev/v1").body().path("resources");
        List<String> names = new ArrayList<>();
        resources.forEach(r -> names.add(r.path("name").asString()));
        assertTrue(names.containsAll(List.of("ping", "stats", "conntrack", "subnetleases")), names.toString());
        for (JsonNode r : resources) {
            if (r.path("name").asString().equals("stats")) {
                assertEquals("[\"create\"]", r.path("verbs").toString());
                assertEquals("Operation", r.path("kind").asString());
            }
        }
        // The group's kind is still a resource: the list answers, and is not taken for an operation.
        KubeHarness.Reply leases = k.get("/apis/vnet.dev/v1/subnetleases");
        assertEquals(200, leases.code(), String.valueOf(leases.body()));
        assertEquals("SubnetLeaseList", leases.body().path("kind").asString());
    }

    @Test
    void anOperationIsAPostOfItsRequestAndAnswersWithItsResult() throws Exception {
        KubeHarness.Reply r = k.post("/apis/vnet.dev/v1/stats", "{\"node\":\"node-2\"}");
        assertEquals(200, r.code());
        assertEquals("node-2", r.body().path("node").asString());
        assertEquals("node-2", client.call(Operation.STATS.request().put("node", "node-2")).path("node").asString());
        assertTrue(client.labRunning());
    }

    @Test
    void aFailedOperationIsAStatusWithItsOneLine() throws Exception {
        KubeHarness.Reply r = k.post("/apis/vnet.dev/v1/conntrack", "{\"node\":\"node-9\"}");
        assertEquals(404, r.code());
        assertEquals("Status", r.body().path("kind").asString());
        assertEquals("nodes \"node-9\" not found", r.body().path("message").asString());
        ApiException e = assertThrows(ApiException.class,
                () -> client.call(Operation.CONNTRACK.request().put("node", "node-9")));
        assertEquals("nodes \"node-9\" not found", e.getMessage());
        assertEquals(400, k.post("/apis/vnet.dev/v1/stats", "[1,2]").code(), "a request must be an object");
        assertEquals(400, k.post("/apis/vnet.dev/v1/stats", "{nope").code());
        assertEquals(405, k.get("/apis/vnet.dev/v1/stats").code(), "operations are created, not read");
    }

    @Test
    void withoutTheTokenNothingRuns() throws Exception {
        var noToken = HttpRequest.newBuilder(URI.create(k.server.url() + "/apis/vnet.dev/v1/stats"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
        assertEquals(403, k.http.send(noToken.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        ApiClient wrong = ApiClient.https(URI.create(k.server.url()), k.credentials.caPem(), "guess");
        ApiException e = assertThrows(ApiException.class, () -> wrong.call(Operation.STATS.request()));
        assertTrue(e.getMessage().startsWith("Unauthorized"), e.getMessage());
        assertFalse(wrong.labRunning());
    }

    @Test
    void aStreamArrivesWholeAndARefusalBeforeItIsTheError() throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        client.stream(Operation.CAPTURE.request().put("pod", "web-1"), got);
        assertArrayEquals(STREAM, got.toByteArray());
        ApiException e = assertThrows(ApiException.class,
                () -> client.stream(Operation.CAPTURE.request().put("pod", "gone"), new ByteArrayOutputStream()));
        assertEquals("pods \"gone\" not found", e.getMessage());
    }

    @Test
    void theResourceVerbsOfTheClientAreKubernetesOnes() throws Exception {
        k.post("/api/v1/namespaces/default/configmaps", "{}"); // not a kind of vnet's: refused, nothing stored
        JsonNode list = client.list(dev.vnet.apiserver.api.NamespaceKind.KIND, null, true, null);
        assertEquals("List", list.path("kind").asString());
        List<String> names = new ArrayList<>();
        list.path("items").forEach(i -> {
            names.add(i.path("metadata").path("name").asString());
            assertEquals("Namespace", i.path("kind").asString());
        });
        assertEquals(List.of("default", "kube-system"), names);
        ApiException missing = assertThrows(ApiException.class,
                () -> client.list(dev.vnet.apiserver.api.PodKind.KIND, "default", false, "nope"));
        assertEquals("pods \"nope\" not found", missing.getMessage());
        JsonNode deleted = client.deleteEach(List.of(new ApiClient.Named(dev.vnet.apiserver.api.PodKind.KIND,
                "default", "nope")), true);
        assertEquals(0, deleted.path("messages").size());
        assertEquals(0, deleted.path("errors").size(), Json.MAPPER.writeValueAsString(deleted));
    }
}
