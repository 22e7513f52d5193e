package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server against requests nobody should send: random paths and methods, malformed and oversized bodies,
 * bad and missing tokens. It answers each with a 4xx Status (never a 5xx, never a hang), stores nothing it
 * refused, and still serves a good request afterwards.
 */
class ApiFuzzTest {
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

    private static final String[] PATHS = {"/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods/x",
            "/api/v1/namespaces/default/services", "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
            "/api/v1/nodes", "/apis/vnet.dev/v1/faults", "/api/v1/namespaces/../pods", "/api/v1/namespaces/%00/pods",
            "/apis/nonsense/v9/things", "/api/v1/namespaces/default/pods/x/exec", "/api/v1/namespaces", "/openapi/v9",
            "/api/v1/namespaces/default/pods?labelSelector=a%3D%3D%3D", "/api/v1/pods?fieldSelector=spec.x%3D1",
            "/api/v1/namespaces/default/pods?watch=1&resourceVersion=-5&timeoutSeconds=1"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    private static final String[] BODIES = {"", "{", "[]", "null", "{\"kind\":\"Pod\"}", "{\"apiVersion\":\"v1\"," +
            "\"kind\":\"Pod\",\"metadata\":{\"name\":\"UPPER\"}}", "{\"metadata\":{\"name\":\"a\"},\"spec\":7}",
            "\u0000\u0001\u0002", "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"};

    @Test
    void malformedRequestsGetAStatusAndChangeNothing() throws Exception {
        Random r = new Random(42);
        long revision = k.store.revision();
        for (int i = 0; i < 400; i++) {
            String path = PATHS[r.nextInt(PATHS.length)];
            String method = METHODS[r.nextInt(METHODS.length)];
            String body = BODIES[r.nextInt(BODIES.length)];
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(k.server.url() + path)).timeout(Duration.ofSeconds(10))
                    .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            switch (r.nextInt(4)) {
                case 0 -> { } // no token
                case 1 -> b.header("Authorization", "Bearer guess");
                case 2 -> b.header("Authorization", "Basic " + "x".repeat(r.nextInt(200)));
                default -> b.header("Authorization", "Bearer " + k.credentials.token());
            }
            if (r.nextBoolean()) {
                b.header("Content-Type", r.nextBoolean() ? "application/json" : "application/merge-patch+json");
            }
            HttpResponse<String> res = k.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            // 501 is this harness's answer for pod streams (it serves none), a Status like the others.
            boolean refused = res.statusCode() < 500 || (res.statusCode() == 501 && res.body().contains("NotImplemented"));
            assertTrue(refused, method + " " + path + " with " + body.length() + " bytes: HTTP "
                    + res.statusCode() + " " + res.body());
        }
        assertEquals(revision, k.store.revision(), "nothing refused was stored");
        assertEquals(200, k.get("/api/v1/namespaces").code(), "still serving");
    }

    @Test
    void anOversizedBodyIsRefusedAndTheServerStaysUp() throws Exception {
        String huge = "{\"pad\":\"" + "x".repeat(9 * 1024 * 1024) + "\"}";
        HttpResponse<String> res;
        try {
            res = k.http.send(k.request("/api/v1/namespaces/default/pods").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(huge)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, res.statusCode(), res.body());
        } catch (java.io.IOException e) {
            // The server may close the connection while the client still sends: refused all the same.
        }
        assertEquals(200, k.get("/api/v1/namespaces").code(), "still serving");
    }
}
