package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.PodKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import dev.vnet.apiserver.api.Json;

/** The Kubernetes API over HTTPS against a memory store, as kubectl talks to it: one request per case. */
class KubeApiServerTest {
    private static final String PODS = "/api/v1/namespaces/default/pods";
    private static final String SVCS = "/api/v1/namespaces/default/services";
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

    @TempDir
    Path dir;
    KubeHarness k;

    @BeforeEach
    void start() throws Exception {
        k = new KubeHarness(dir);
    }

    @AfterEach
    void stop() {
        k.close();
    }

    static String pod(String name, String app) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\""
                + app + "\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"whoami\","
                + "\"ports\":[{\"containerPort\":80}]}]}}";
    }

    static final String SERVICE = "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},"
            + "\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,\"targetPort\":8080}]}}";

    @Test
    void discoveryNamesTheKindsWithTheirVerbsAndTheVersion() throws Exception {
        JsonNode v = k.get("/version").body();
        assertEquals("v1.32.0-vnet", v.path("gitVersion").asString());
        assertEquals("32", v.path("minor").asString());
        assertEquals("v1", k.get("/api").body().path("versions").get(0).asString());
        JsonNode core = k.get("/api/v1").body();
        assertEquals("APIResourceList", core.path("kind").asString());
        JsonNode pods = find(core.path("resources"), "pods");
        assertEquals("Pod", pods.path("kind").asString());
        assertTrue(pods.path("namespaced").asBoolean());
        assertEquals("po", pods.path("shortNames").get(0).asString());
        assertEquals("all", pods.path("categories").get(0).asString());
        assertTrue(pods.path("verbs").toString().contains("watch"));
        assertTrue(find(core.path("resources"), "pods/status").path("verbs").toString().contains("patch"));
        assertEquals("[\"get\",\"list\",\"watch\"]", find(core.path("resources"), "endpoints").path("verbs").toString(),
                "the endpoints controller writes Endpoints: clients only read them");
        JsonNode groups = k.get("/apis").body();
        assertTrue(groups.toString().contains("\"networking.k8s.io/v1\""));
        JsonNode net = k.get("/apis/networking.k8s.io/v1").body();
        assertEquals("Ingress", find(net.path("resources"), "ingresses").path("kind").asString());
        assertEquals(404, k.get("/apis/apps/v1").code());
        JsonNode openapi = k.get("/openapi/v3").body();
        assertTrue(openapi.path("paths").has("api/v1"));
        JsonNode v1 = k.get("/openapi/v3/api/v1").body();
        assertTrue(v1.path("components").path("schemas").toString().contains("x-kubernetes-group-version-kind"));
    }

    private static JsonNode find(JsonNode resources, String name) {
        for (JsonNode r : resources) {
            if (r.path("name").asString().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no resource " + name + " in " + resources);
    }

    @Test
    void aRequestWithoutTheTokenIsUnauthorized() throws Exception {
        HttpResponse<String> r = k.http.send(HttpRequest.newBuilder(java.net.URI.create(k.server.url() + PODS))
                .header("Authorization", "Bearer wrong").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        assertEquals("Unauthorized", Json.MAPPER.readTree(r.body()).path("reason").asString());
    }

    @Test
    void withoutATokenOnlyTheVersionAndHealthAreServed() throws Exception {
        HttpResponse<String> version = k.http.send(HttpRequest.newBuilder(java.net.URI.create(k.server.url()
                + "/version")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, version.statusCode(), version.body());
        assertEquals("v1.32.0-vnet", Json.MAPPER.readTree(version.body()).path("gitVersion").asString());
        HttpResponse<String> health = k.http.send(HttpRequest.newBuilder(java.net.URI.create(k.server.url()
                + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        HttpResponse<String> pods = k.http.send(HttpRequest.newBuilder(java.net.URI.create(k.server.url() + PODS))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, pods.statusCode());
        JsonNode status = Json.MAPPER.readTree(pods.body());
        assertEquals("Forbidden", status.path("reason").asString());
        assertTrue(status.path("message").asString().contains("system:anonymous"), pods.body());
    }

    @Test
    void createGetListUpdateAndDeleteGoThroughAdmission() throws Exception {
        KubeHarness.Reply created = k.post(PODS + "?fieldValidation=Strict", pod("web", "web"));
        assertEquals(201, created.code(), created.raw().body());
        assertEquals("node-1", created.body().path("spec").path("nodeName").asString(), "admission bound it");
        assertEquals("Pending", created.body().path("status").path("phase").asString());
        String rv = created.body().path("metadata").path("resourceVersion").asString();
        assertFalse(rv.isEmpty());
        assertEquals(409, k.post(PODS, pod("web", "web")).code());

        KubeHarness.Reply svc = k.post(SVCS, SERVICE);
        assertEquals(201, svc.code(), svc.raw().body());
        assertTrue(svc.body().path("spec").path("clusterIP").asString().startsWith("10.96."), "a ClusterIP allocated");

        JsonNode got = k.get(PODS + "/web").body();
        assertEquals(rv, got.path("metadata").path("resourceVersion").asString());
        JsonNode list = k.get(PODS).body();
        assertEquals("PodList", list.path("kind").asString());
        assertEquals(1, list.path("items").size());
        assertFalse(list.path("metadata").path("resourceVersion").asString().isEmpty());
        assertEquals(1, k.get("/api/v1/pods").body().path("items").size(), "every namespace");

        // PUT with a stale resourceVersion conflicts; with the current one it writes (labels may change).
        String changed = got.toString().replace("\"app\":\"web\"", "\"app\":\"web\",\"tier\":\"front\"");
        String stale = changed.replace("\"resourceVersion\":\"" + rv + "\"", "\"resourceVersion\":\"1\"");
        assertEquals(409, k.put(PODS + "/web", stale).code());
        KubeHarness.Reply updated = k.put(PODS + "/web", changed);
        assertEquals(200, updated.code(), updated.raw().body());
        assertEquals("front", updated.body().path("metadata").path("labels").path("tier").asString());
        assertEquals("Pending", updated.body().path("status").path("phase").asString(), "the stored status is kept");

        KubeHarness.Reply deleted = k.delete(PODS + "/web");
        assertEquals(200, deleted.code());
        assertEquals("web", deleted.body().path("metadata").path("name").asString());
        assertTrue(k.store.get(PodKind.KIND, "default/web").isEmpty());
        assertEquals(404, k.delete(PODS + "/web").code());
    }

    @Test
    void errorsAreStatusesKubectlCanRead() throws Exception {
        KubeHarness.Reply unknown = k.post(PODS + "?fieldValidation=Strict", pod("web", "web")
                .replace("\"image\":\"whoami\"", "\"image\":\"whoami\",\"imagee\":\"x\""));
        assertEquals(400, unknown.code());
        assertEquals("BadRequest", unknown.body().path("reason").asString());
        assertEquals("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field "
                + "\"spec.containers[0].imagee\"", unknown.body().path("message").asString());

        KubeHarness.Reply warned = k.post(PODS + "?fieldValidation=Warn", pod("web", "web")
                .replace("\"image\":\"whoami\"", "\"image\":\"whoami\",\"imagee\":\"x\""));
        assertEquals(201, warned.code(), warned.raw().body());
        assertTrue(warned.raw().headers().firstValue("Warning").orElse("").contains("spec.containers[0].imagee"));
        assertFalse(warned.body().toString().contains("imagee"), "the unknown field is dropped");

        KubeHarness.Reply noNs = k.post("/api/v1/namespaces/nope/pods", pod("p", "p"));
        assertEquals(404, noNs.code());
        assertTrue(noNs.body().path("message").asString().startsWith("namespaces \"nope\" not found"));

        KubeHarness.Reply notFound = k.get(PODS + "/ghost");
        assertEquals("pods \"ghost\" not found", notFound.body().path("message").asString());
        assertEquals("NotFound", notFound.body().path("reason").asString());
        assertEquals("pods", notFound.body().path("details").path("kind").asString());

        assertEquals(201, k.post(SVCS, SERVICE).code());
        KubeHarness.Reply immutable = k.patch(SVCS + "/web", "application/merge-patch+json",
                "{\"spec\":{\"clusterIP\":\"10.96.0.99\"}}");
        assertEquals(422, immutable.code());
        assertEquals("Invalid", immutable.body().path("reason").asString());
        JsonNode cause = immutable.body().path("details").path("causes").get(0);
        assertEquals("spec.clusterIP", cause.path("field").asString());
        assertTrue(cause.path("message").asString().startsWith("field is immutable"), cause.toString());

        KubeHarness.Reply managed = k.post("/api/v1/namespaces/default/endpoints",
                "{\"metadata\":{\"name\":\"web\"}}");
        assertEquals(405, managed.code());
        assertEquals(404, k.get("/api/v1/deployments").code());
        KubeHarness.Reply wrongKind = k.post(PODS, SERVICE);
        assertEquals(400, wrongKind.code());
    }

    @Test
    void patchesMergeAsKubectlMeansThem() throws Exception {
        assertEquals(201, k.post(PODS, pod("web", "web")).code());
        KubeHarness.Reply label = k.patch(PODS + "/web", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"tier\":\"front\",\"app\":null}}}");
        assertEquals(200, label.code(), label.raw().body());
        assertEquals("{\"tier\":\"front\"}", label.body().path("metadata").path("labels").toString());

        KubeHarness.Reply strategic = k.patch(PODS + "/web", "application/strategic-merge-patch+json",
                "{\"metadata\":{\"annotations\":{\"note\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                        + "\"image\":\"whoami\"}]}}");
        assertEquals(200, strategic.code(), strategic.raw().body());
        assertEquals("x", strategic.body().path("metadata").path("annotations").path("note").asString());
        assertEquals(80, strategic.body().path("spec").path("containers").get(0).path("ports").get(0)
                .path("containerPort").asInt(), "containers merged by name: the ports are kept");

        KubeHarness.Reply json = k.patch(PODS + "/web", "application/json-patch+json",
                "[{\"op\":\"add\",\"path\":\"/metadata/labels/env\",\"value\":\"prod\"}]");
        assertEquals(200, json.code(), json.raw().body());
        assertEquals("prod", json.body().path("metadata").path("labels").path("env").asString());

        KubeHarness.Reply ssa = k.patch(SVCS + "/web?fieldManager=kubectl", "application/apply-patch+yaml",
                "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n"
                        + "  ports: [{port: 80}]\n");
        assertEquals(201, ssa.code(), "server-side apply creates: " + ssa.raw().body());

        KubeHarness.Reply status = k.patch(PODS + "/web/status", "application/merge-patch+json",
                "{\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"c\",\"ready\":true,"
                        + "\"image\":\"whoami\",\"imageID\":\"\",\"restartCount\":0}]}}");
        assertEquals(200, status.code(), status.raw().body());
        JsonNode pod = k.get(PODS + "/web/status").body();
        assertEquals("Running", pod.path("status").path("phase").asString());
        assertTrue(pod.path("status").path("conditions").toString().contains("{\"type\":\"Ready\",\"status\":\"True\""),
                "a Running pod with ready containers is Ready: " + pod.path("status"));
        assertEquals(415, k.patch(PODS + "/web", "text/plain", "x").code());
    }

    @Test
    void selectorsFilterLists() throws Exception {
        k.post(PODS, pod("a", "web"));
        k.post(PODS, pod("b", "db"));
        assertEquals(List.of("a"), names(k.get(PODS + "?labelSelector=app%3Dweb").body()));
        assertEquals(List.of("b"), names(k.get(PODS + "?labelSelector=app+notin+(web)").body()));
        assertEquals(List.of("b"), names(k.get(PODS + "?fieldSelector=metadata.name%3Db").body()));
        assertEquals(List.of("a", "b"), names(k.get(PODS + "?fieldSelector=status.phase%3DPending").body()));
        String nodeOfA = k.get(PODS + "/a").body().path("spec").path("nodeName").asString();
        assertEquals(List.of("a"), names(k.get(PODS + "?fieldSelector=spec.nodeName%3D" + nodeOfA).body()));
        assertEquals(List.of("b"), names(k.get(PODS + "?fieldSelector=spec.nodeName%21%3D" + nodeOfA).body()),
                "the scheduler spread them over the two nodes");
        assertEquals(400, k.get(PODS + "?fieldSelector=nonsense").code());
    }

    private static List<String> names(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.path("items").forEach(i -> out.add(i.path("metadata").path("name").asString()));
        return out;
    }

    @Test
    void aTableHasTheKindsColumnsWithWideOnesAtPriorityOne() throws Exception {
        k.post(PODS, pod("web", "web"));
        JsonNode t = k.get(PODS, TABLE).body();
        assertEquals("Table", t.path("kind").asString());
        assertEquals("meta.k8s.io/v1", t.path("apiVersion").asString());
        JsonNode defs = t.path("columnDefinitions");
        assertEquals("Name", defs.get(0).path("name").asString());
        assertEquals("name", defs.get(0).path("format").asString());
        boolean wide = false;
        for (JsonNode d : defs) {
            wide |= d.path("priority").asInt() == 1;
        }
        assertTrue(wide, "pods have -o wide columns: " + defs);
        JsonNode row = t.path("rows").get(0);
        assertEquals("web", row.path("cells").get(0).asString());
        assertEquals("PartialObjectMetadata", row.path("object").path("kind").asString());
        JsonNode full = k.get(PODS + "?includeObject=Object", TABLE).body();
        assertEquals("Pod", full.path("rows").get(0).path("object").path("kind").asString());
        JsonNode none = k.get(PODS + "/web?includeObject=None", TABLE).body();
        assertFalse(none.path("rows").get(0).has("object"));
    }

    @Test
    void aWatchStreamsAddedModifiedAndDeletedFromARevision() throws Exception {
        k.post(PODS, pod("old", "web"));
        String rv = k.get(PODS).body().path("metadata").path("resourceVersion").asString();
        HttpResponse<java.io.InputStream> r = k.http.send(k.request(PODS + "?watch=1&resourceVersion=" + rv
                + "&labelSelector=app%3Dweb&timeoutSeconds=10").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        k.post(PODS, pod("new", "web"));
        k.post(PODS, pod("other", "db"));
        k.patch(PODS + "/new", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
        k.patch(PODS + "/old", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"app\":\"gone\"}}}");
        k.delete(PODS + "/new");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            JsonNode e = Json.MAPPER.readTree(in.readLine());
            events.add(e.path("type").asString() + " " + e.path("object").path("metadata").path("name").asString());
        }
        assertEquals(List.of("ADDED new", "MODIFIED new", "DELETED old", "DELETED new"), events,
                "the pod of another app is not shown; one that stops matching is DELETED");
        r.body().close();
    }

    @Test
    void aWatchWithoutRevisionStartsWithTheCurrentObjectsAndEndsAtItsTimeout() throws Exception {
        k.post(PODS, pod("web", "web"));
        HttpResponse<String> r = k.http.send(k.request(PODS + "?watch=true&timeoutSeconds=1").header("Accept", TABLE)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        String[] lines = r.body().split("\n");
        assertEquals(1, lines.length, r.body());
        JsonNode e = Json.MAPPER.readTree(lines[0]);
        assertEquals("ADDED", e.path("type").asString());
        assertEquals("Table", e.path("object").path("kind").asString(), "kubectl get -w asks for Tables");
    }

    @Test
    void podStreamsAreNotImplementedUntilGiven() throws Exception {
        k.post(PODS, pod("web", "web"));
        KubeHarness.Reply r = k.get(PODS + "/web/log");
        assertEquals(501, r.code());
        assertEquals("NotImplemented", r.body().path("reason").asString());
    }
}
