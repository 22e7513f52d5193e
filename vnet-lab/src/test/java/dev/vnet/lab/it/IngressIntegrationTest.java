package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * The ingress controller on two real nodes, driven by curl and wrk from the outside world: the controller pod
 * behind its LoadBalancer IP, Ingress fanout and virtual hosts, TLS by SNI with a Secret (curl --cacert), the
 * 308 to HTTPS, the default backend's 404, 503 without endpoints, the forwarded headers, the access log, an
 * Ingress's ADDRESS, and a Gateway API canary split by weight with its statuses.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngressIntegrationTest {
    private static TestLab lab;
    private static String lbIp;
    private static String foo;
    private static String bar;
    private static Path dir;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(2, true);
        foo = lab.pod("foo");
        bar = lab.pod("bar");
        dir = Files.createTempDirectory("vnet-ingress-it");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s, labels: {app: foo}}
                spec:
                  nodeName: node-1
                  containers: [{name: web, image: whoami, ports: [{name: http, containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %2$s, labels: {app: bar}}
                spec:
                  nodeName: node-2
                  containers: [{name: web, image: whoami, ports: [{name: http, containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: foo}
                spec:
                  selector: {app: foo}
                  ports: [{name: http, port: 80, targetPort: http}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: bar}
                spec:
                  selector: {app: bar}
                  ports: [{name: http, port: 80, targetPort: http}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: empty}
                spec:
                  selector: {app: nobody}
                  ports: [{name: http, port: 80, targetPort: 8080}]
                """.formatted(foo, bar));
        JsonNode svc = lab.call("get", "kind", "services", "namespace", "ingress", "name", "ingress-controller")
                .path("list").path("items").get(0);
        lbIp = svc.path("status").path("loadBalancer").path("ingress").path(0).path("ip").asString();
        assertTrue(lbIp.startsWith("192.168.56."), svc.toString());
        // The controller is a JVM of its own: wait until it answers (the default backend's 404).
        for (int i = 0; i < 60 && !curl("-o", "/dev/null", "-w", "%{http_code}", "http://" + lbIp + "/").out().equals("404"); i++) {
            Thread.sleep(500);
        }
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", "http://" + lbIp + "/").out(),
                "the controller never answered; its log: " + logs());
    }

    @AfterAll
    static void stopLab() throws Exception {
        if (lab != null) {
            lab.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static TestLab.Result curl(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("curl", "-s", "-m", "5"));
        argv.addAll(List.of(args));
        return TestLab.inNs(lab.config.outsideNs(), 15, argv.toArray(String[]::new));
    }

    private static String resolve(String host, int port) {
        return host + ":" + port + ":" + lbIp;
    }

    private static String logs() throws Exception {
        return lab.call("logs", "pod", lab.prefix + "ingress-controller", "namespace", "ingress").path("text").asString("");
    }

    /** Applies {@code yaml}, then waits (the controller reads the cluster once a second) until curl shows {@code want}. */
    private static void applyAndWait(String yaml, String want, String... curlArgs) throws Exception {
        lab.apply(yaml);
        String got = "";
        for (int i = 0; i < 40; i++) {
            got = curl(curlArgs).out();
            if (got.contains(want)) {
                return;
            }
            Thread.sleep(250);
        }
        fail("curl " + String.join(" ", curlArgs) + " never answered " + want + ": " + got);
    }

    @Test
    @Order(1)
    void fanoutByPathAndVirtualHostsByName() throws Exception {
        applyAndWait("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: fanout}
                spec:
                  rules:
                  - host: foo.bar.com
                    http:
                      paths:
                      - {path: /foo, pathType: Prefix, backend: {service: {name: foo, port: {number: 80}}}}
                      - {path: /bar, pathType: Prefix, backend: {service: {name: bar, port: {name: http}}}}
                      - {path: /exact, pathType: Exact, backend: {service: {name: bar, port: {number: 80}}}}
                      - {path: /empty, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
                  - host: bar.example.org
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: bar, port: {number: 80}}}}
                """, "Hostname: " + foo, "--resolve", resolve("foo.bar.com", 80), "http://foo.bar.com/foo");
        String r = resolve("foo.bar.com", 80);
        assertTrue(curl("--resolve", r, "http://foo.bar.com/foo/deeper").out().contains("Hostname: " + foo));
        assertTrue(curl("--resolve", r, "http://foo.bar.com/bar").out().contains("Hostname: " + bar));
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", "--resolve", r, "http://foo.bar.com/foobar").out());
        assertEquals("404", curl("-o", "/dev/null", "-w", "%{http_code}", "--resolve", r, "http://foo.bar.com/exact/").out());
        assertTrue(curl("--resolve", r, "http://foo.bar.com/exact").out().contains("Hostname: " + bar));
        assertEquals("503", curl("-o", "/dev/null", "-w", "%{http_code}", "--resolve", r, "http://foo.bar.com/empty").out());
        assertTrue(curl("--resolve", resolve("bar.example.org", 80), "http://bar.example.org/any").out()
                .contains("Hostname: " + bar));
        assertTrue(curl("-H", "Host: nobody.example", "http://" + lbIp + "/").out().contains("404"));

        // The backend sees the controller pod as its client, and the request's origin in the forwarded headers
        // (an incoming X-Forwarded-For is replaced, not trusted).
        String echoed = curl("--resolve", r, "-H", "X-Forwarded-For: 6.6.6.6", "http://foo.bar.com/foo").out();
        String controllerIp = lab.call("get", "kind", "pods", "namespace", "ingress").path("list").path("items").get(0)
                .path("status").path("podIP").asString();
        assertTrue(echoed.contains("RemoteAddr: " + controllerIp + ":"), echoed);
        assertTrue(echoed.toLowerCase().contains("x-forwarded-host: foo.bar.com"), echoed);
        assertTrue(echoed.toLowerCase().contains("x-forwarded-proto: http"), echoed);
        assertTrue(!echoed.contains("6.6.6.6") && echoed.toLowerCase().contains("x-real-ip: "), echoed);

        // One access-log line per request, ingress-nginx's format, in the controller pod's log.
        String log = logs();
        assertTrue(log.lines().anyMatch(l -> l.contains("\"GET /foo/deeper HTTP/1.1\" 200") && l.contains(":8080")), log);
        assertTrue(log.lines().anyMatch(l -> l.contains("\"GET /empty HTTP/1.1\" 503")), log);

        // kubectl's ADDRESS column: the controller's LoadBalancer IP, written by the control plane.
        String address = "";
        for (int i = 0; i < 20 && address.isEmpty(); i++) {
            address = lab.call("get", "kind", "ingresses", "name", "fanout").path("list").path("items").get(0)
                    .path("status").path("loadBalancer").path("ingress").path(0).path("ip").asString("");
            Thread.sleep(250);
        }
        assertEquals(lbIp, address);
    }

    @Test
    @Order(2)
    void tlsBySniWithASecretAndARedirectFromPlainHttp() throws Exception {
        TlsMaterial m = SelfSigned.create("test", "secure.example.com", List.of("secure.example.com"), Duration.ofDays(1));
        Path ca = dir.resolve("secure.crt");
        Files.writeString(ca, SelfSigned.certificatePem(m));
        Base64.Encoder b64 = Base64.getEncoder();
        applyAndWait("""
                apiVersion: v1
                kind: Secret
                metadata: {name: secure-tls}
                type: kubernetes.io/tls
                data:
                  tls.crt: %s
                  tls.key: %s
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: secure}
                spec:
                  tls:
                  - {hosts: [secure.example.com], secretName: secure-tls}
                  rules:
                  - host: secure.example.com
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: foo, port: {number: 80}}}}
                """.formatted(b64.encodeToString(SelfSigned.certificatePem(m).getBytes(StandardCharsets.US_ASCII)),
                b64.encodeToString(SelfSigned.keyPem(m).getBytes(StandardCharsets.US_ASCII))),
                "308 https://secure.example.com/x", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "--resolve", resolve("secure.example.com", 80), "http://secure.example.com/x");
        TestLab.Result https = curl("--cacert", ca.toString(), "--resolve", resolve("secure.example.com", 443),
                "https://secure.example.com/");
        assertTrue(https.out().contains("Hostname: " + foo), https.out());
        assertTrue(https.out().toLowerCase().contains("x-forwarded-proto: https"), https.out());
        String redirect = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--resolve",
                resolve("secure.example.com", 80), "http://secure.example.com/x?q=1").out();
        assertEquals("308 https://secure.example.com/x?q=1", redirect);
        // A name without a Secret gets the controller's self-signed default certificate, which curl refuses.
        TestLab.Result unknown = curl("--cacert", ca.toString(), "--resolve", resolve("other.example.com", 443),
                "https://other.example.com/");
        assertEquals(60, unknown.exit(), "curl: certificate not trusted: " + unknown.out());
        String fake = TestLab.inNs(lab.config.outsideNs(), 15, "bash", "-c", "openssl s_client -connect " + lbIp
                + ":443 -servername other.example.com </dev/null 2>/dev/null | openssl x509 -noout -subject").out();
        assertTrue(fake.contains("Kubernetes Ingress Controller Fake Certificate"), fake);
    }

    @Test
    @Order(3)
    void gatewayApiCanaryByWeightWithStatus() throws Exception {
        applyAndWait("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  gatewayClassName: vnet
                  listeners:
                  - {name: http, protocol: HTTP, port: 80, hostname: "*.canary.example"}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: canary}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [app.canary.example]
                  rules:
                  - matches: [{headers: [{name: X-Canary, value: always}]}]
                    backendRefs: [{name: bar, port: 80}]
                  - backendRefs:
                    - {name: foo, port: 80, weight: 80}
                    - {name: bar, port: 80, weight: 20}
                """, "Hostname: ", "--resolve", resolve("app.canary.example", 80), "http://app.canary.example/");
        int toFoo = 0;
        int toBar = 0;
        for (int i = 0; i < 50; i++) {
            String body = curl("--resolve", resolve("app.canary.example", 80), "http://app.canary.example/").out();
            toFoo += body.contains("Hostname: " + foo) ? 1 : 0;
            toBar += body.contains("Hostname: " + bar) ? 1 : 0;
        }
        assertEquals(50, toFoo + toBar);
        assertTrue(toFoo > toBar && toBar > 0, "80/20: foo " + toFoo + ", bar " + toBar);
        assertTrue(curl("-H", "X-Canary: always", "--resolve", resolve("app.canary.example", 80),
                "http://app.canary.example/").out().contains("Hostname: " + bar));

        JsonNode route = null;
        for (int i = 0; i < 20; i++) {
            route = lab.call("get", "kind", "httproutes", "name", "canary").path("list").path("items").get(0);
            if (route.path("status").path("parents").size() > 0) {
                break;
            }
            Thread.sleep(250);
        }
        String conditions = route.path("status").path("parents").path(0).path("conditions").toString();
        assertTrue(conditions.contains("\"type\":\"Accepted\",\"status\":\"True\"")
                || conditions.contains("\"status\":\"True\",\"type\":\"Accepted\"")
                || conditions.matches(".*Accepted.*"), conditions);
        JsonNode gw = lab.call("get", "kind", "gateways", "name", "gw").path("list").path("items").get(0);
        assertEquals(lbIp, gw.path("status").path("addresses").path(0).path("value").asString(), gw.toString());
    }

    @Test
    @Order(4)
    void wrkKeepsConnectionsAliveThroughTheController() throws Exception {
        TestLab.Result wrk = TestLab.inNs(lab.config.outsideNs(), 30, "wrk", "-t1", "-c4", "-d2s", "-H",
                "Host: foo.bar.com", "http://" + lbIp + "/foo");
        assertEquals(0, wrk.exit(), wrk.out());
        assertTrue(wrk.out().contains("Requests/sec:"), wrk.out());
        assertTrue(!wrk.out().contains("Non-2xx") && !wrk.out().contains("Socket errors"), wrk.out());
    }
}
