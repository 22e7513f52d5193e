package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.IngressClassKind;
import dev.vnet.apiserver.api.IngressKind;
import dev.vnet.apiserver.api.K8s;
import dev.vnet.apiserver.api.SecretKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatus;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatusBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Ingresses, IngressClasses and Secrets through the API: apply, get, describe, delete, and status kept. */
class ResourceApiIngressTest {
    private final ApiHarness h = new ApiHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static final String SERVICE = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
            """;

    private static final String INGRESS = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web}
            spec:
              ingressClassName: vnet
              tls: [{hosts: [web.example.com], secretName: web-tls}]
              rules:
              - host: web.example.com
                http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
                  - {path: /api, pathType: Exact, backend: {service: {name: api, port: {name: http}}}}
            """;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The key as PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), as openssl genpkey writes it. */
    static String pkcs8(TlsMaterial m) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(m.key().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    private static IngressStatus lb(String ip) {
        return new IngressStatusBuilder().withNewLoadBalancer().addNewIngress().withIp(ip).endIngress()
                .endLoadBalancer().build();
    }

    @Test
    void anIngressIsAppliedListedDescribedAndDeleted() throws Exception {
        h.apply(SERVICE);
        h.store.create(EndpointsKind.KIND, "default/web", K8s.endpoints(K8s.meta("web", "default"), List.of(K8s.subset(
                List.of(K8s.address("10.244.1.3", null, "node-1", "default", "web-1"),
                        K8s.address("10.244.1.4", null, "node-1", "default", "web-2")), null,
                List.of(K8s.endpointPort("http", 8080, "TCP"))))));

        assertEquals(List.of("ingress/web created"), h.apply(INGRESS));

        List<List<String>> table = h.table(IngressKind.KIND, "default", "web", false);
        assertEquals(List.of("NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"), table.get(0));
        assertEquals(List.of("web", "vnet", "web.example.com", "", "80, 443", "0s"), table.get(1));
        assertEquals(List.of("""
                Name:                    web
                Labels:                  <none>
                Namespace:               default
                Address:                 
                Ingress Class:           vnet
                Default backend:         <default>
                TLS:
                  web-tls terminates web.example.com
                Rules:
                  Host             Path  Backends
                  ----             ----  --------
                  web.example.com
                                   /      web:80 (10.244.1.3:8080,10.244.1.4:8080)
                                   /api   api:http (<error: services "api" not found>)
                Annotations:             <none>
                Events:                  <none>""".split("\n")), h.describe(IngressKind.KIND, "default", "web"));

        assertEquals(List.of("ingress \"web\" deleted"), h.delete("ing", "default", "web"));
        assertTrue(h.store.list(IngressKind.KIND).isEmpty());
    }

    @Test
    void anIngressWithoutRulesPrintsItsDefaultBackendAsKubectlDoes() {
        h.apply(SERVICE);
        h.apply("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: all}
                spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
                """);
        assertEquals(List.of("all", "<none>", "*", "", "80", "0s"), h.table(IngressKind.KIND, "default", "all", false).get(1));
        List<String> lines = h.describe(IngressKind.KIND, "default", "all");
        assertTrue(lines.contains("Default backend:         web:80 (<none>)"), lines.toString());
        assertTrue(lines.contains("  *     *     web:80 (<none>)"), lines.toString());
    }

    @Test
    void theControllersStatusIsKeptWhenTheUserAppliesAgain() throws Exception {
        h.apply(INGRESS);
        assertEquals(ClusterStore.StatusWrite.WRITTEN,
                h.store.writeStatus(IngressKind.KIND, "default", "web", lb("192.168.56.200")));
        assertEquals("192.168.56.200", h.table(IngressKind.KIND, "default", "web", false).get(1).get(3));
        long generation = h.get(IngressKind.KIND, "default", "web").getMetadata().getGeneration();

        // The same manifest: nothing to write, and the status stays.
        assertEquals(List.of("ingress/web unchanged"), h.apply(INGRESS));
        // A manifest that claims a status of its own, with a changed spec: the spec changes, the status does not.
        assertEquals(List.of("ingress/web configured"), h.apply(INGRESS.replace("ingressClassName: vnet",
                "ingressClassName: other") + "status: {loadBalancer: {ingress: [{ip: 10.0.0.9}]}}\n"));
        Ingress now = h.get(IngressKind.KIND, "default", "web");
        assertEquals("other", IngressKind.className(now));
        assertEquals("192.168.56.200", IngressKind.address(now));
        assertEquals(generation + 1, now.getMetadata().getGeneration());

        assertEquals(ClusterStore.StatusWrite.UNCHANGED,
                h.store.writeStatus(IngressKind.KIND, "default", "web", lb("192.168.56.200")));
        assertEquals(ClusterStore.StatusWrite.NOT_FOUND,
                h.store.writeStatus(IngressKind.KIND, "default", "nope", lb("192.168.56.200")));
        assertEquals(ClusterStore.StatusWrite.WRITTEN, h.store.writeStatus(IngressKind.KIND, "default", "web", null));
        assertEquals("", IngressKind.address(h.get(IngressKind.KIND, "default", "web")));
    }

    @Test
    void aNewIngressStartsWithoutStatusWhateverItsManifestSays() {
        h.apply(INGRESS + "status: {loadBalancer: {ingress: [{ip: 10.0.0.9}]}}\n");
        Ingress i = h.get(IngressKind.KIND, "default", "web");
        assertNull(i.getStatus());
        assertEquals(1L, i.getMetadata().getGeneration());
    }

    @Test
    void validationErrorsNameTheFieldPath() {
        String noType = h.applyError(INGRESS.replace("{path: /api, pathType: Exact,", "{path: /api,"));
        assertTrue(noType.endsWith("Ingress web: spec.rules[0].http.paths[1].pathType: Required value: one of Exact, "
                + "Prefix or ImplementationSpecific"), noType);
        String relative = h.applyError(INGRESS.replace("path: /api", "path: api"));
        assertTrue(relative.endsWith("Ingress web: spec.rules[0].http.paths[1].path: Invalid value: \"api\": must be "
                + "an absolute path (start with /)"), relative);
        String both = h.applyError(INGRESS.replace("port: {name: http}", "port: {name: http, number: 80}"));
        assertTrue(both.contains("spec.rules[0].http.paths[1].backend.service.port: Invalid value: cannot set both "
                + "port name & port number"), both);
        String ip = h.applyError(INGRESS.replace("- host: web.example.com", "- host: 10.0.0.1"));
        assertTrue(ip.endsWith("spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"), ip);
        String secret = h.applyError(INGRESS.replace("secretName: web-tls", "secretName: Web_TLS"));
        assertTrue(secret.contains("spec.tls[0].secretName: \"Web_TLS\" is not a DNS-1123 subdomain"), secret);
        assertTrue(h.store.list(IngressKind.KIND).isEmpty());
    }

    @Test
    void anIngressClassIsClusterScoped() {
        assertEquals(List.of("ingressclass/vnet created"), h.apply("""
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: vnet
                  namespace: team
                  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
                spec: {controller: vnet.dev/ingress-controller}
                """));
        assertEquals(List.of(List.of("NAME", "CONTROLLER", "PARAMETERS", "AGE"),
                List.of("vnet", "vnet.dev/ingress-controller", "<none>", "0s")),
                h.table(IngressClassKind.KIND, "", "vnet", false));
        assertTrue(IngressClassKind.isDefault(h.get(IngressClassKind.KIND, "", "vnet")));
        assertTrue(h.store.get(IngressClassKind.KIND, "/vnet").isPresent());
        assertTrue(h.describe(IngressClassKind.KIND, "", "vnet").contains("Controller:              vnet.dev/ingress-controller"));
        String bad = h.applyError("""
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: {name: bad}
                spec: {controller: nginx}
                """);
        assertTrue(bad.endsWith("IngressClass bad: spec.controller: Invalid value: \"nginx\": must be a domain-prefixed "
                + "path (such as \"acme.io/foo\")"), bad);
        assertEquals(List.of("ingressclass \"vnet\" deleted"), h.delete("ingressclasses", "default", "vnet"));
    }

    @Test
    void stringDataIsMergedIntoDataAsBase64AndNeverStored() {
        assertEquals(List.of("secret/app created"), h.apply("""
                apiVersion: v1
                kind: Secret
                metadata: {name: app}
                data: {user: %s, password: %s}
                stringData: {password: s3cret, mode: debug}
                """.formatted(b64("admin"), b64("old"))));
        Secret s = h.get(SecretKind.KIND, "default", "app");
        assertEquals("Opaque", s.getType());
        assertEquals(b64("admin"), s.getData().get("user"));
        assertEquals(b64("s3cret"), s.getData().get("password"), "stringData wins over data");
        assertEquals(b64("debug"), s.getData().get("mode"));
        assertTrue(s.getStringData() == null || s.getStringData().isEmpty());
        JsonNode json = h.getJson("secrets", "default", "app");
        assertEquals(b64("s3cret"), json.path("data").path("password").asString());
        assertTrue(json.path("stringData").isMissingNode(), json.toString());

        assertEquals(List.of(List.of("NAME", "TYPE", "DATA", "AGE"), List.of("app", "Opaque", "3", "0s")),
                h.table(SecretKind.KIND, "default", "app", false));
        List<String> lines = h.describe(SecretKind.KIND, "default", "app");
        assertEquals(List.of("", "Type:  Opaque", "", "Data", "====", "mode:      5 bytes", "password:  6 bytes",
                "user:      5 bytes"), lines.subList(4, lines.size()));
        assertFalse(String.join("\n", lines).contains("s3cret"));
        // Applied again, the same Secret (its stringData now merged) changes nothing.
        assertEquals(List.of("secret/app unchanged"), h.apply("""
                apiVersion: v1
                kind: Secret
                metadata: {name: app}
                data: {user: %s, password: %s, mode: %s}
                """.formatted(b64("admin"), b64("s3cret"), b64("debug"))));
    }

    @Test
    void dataMustBeBase64() {
        String bad = h.applyError("apiVersion: v1\nkind: Secret\nmetadata: {name: app}\ndata: {user: 'not base64!'}\n");
        assertTrue(bad.contains("Secret app: data[user]: Invalid value: not valid base64"), bad);
        String key = h.applyError("apiVersion: v1\nkind: Secret\nmetadata: {name: app}\nstringData: {'a b': x}\n");
        assertTrue(key.contains("Secret app: stringData[a b]: Invalid value: \"a b\""), key);
    }

    @Test
    void aTlsSecretIsCheckedAndDescribedBySize() {
        TlsMaterial m = SelfSigned.create("test", "web.example.com", List.of("web.example.com"), Duration.ofDays(1));
        String crt = SelfSigned.certificatePem(m);
        String key = pkcs8(m);
        String tls = """
                apiVersion: v1
                kind: Secret
                metadata: {name: web-tls}
                type: kubernetes.io/tls
                data: {tls.crt: %s, tls.key: %s}
                """;
        assertEquals(List.of("secret/web-tls created"), h.apply(tls.formatted(b64(crt), b64(key))));
        assertEquals(List.of("web-tls", "kubernetes.io/tls", "2", "0s"), h.table(SecretKind.KIND, "default", "web-tls", false).get(1));
        List<String> lines = h.describe(SecretKind.KIND, "default", "web-tls");
        assertTrue(lines.contains("tls.crt:  " + crt.length() + " bytes"), lines.toString());
        assertTrue(lines.contains("tls.key:  " + key.length() + " bytes"), lines.toString());

        TlsMaterial other = SelfSigned.create("test", "other", List.of(), Duration.ofDays(1));
        String wrongKey = h.applyError(tls.formatted(b64(crt), b64(pkcs8(other))).replace("web-tls", "b"));
        assertTrue(wrongKey.contains("Secret b: data[tls.key]: the private key does not belong"), wrongKey);
        String garbage = h.applyError(tls.formatted(b64(crt), b64("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .replace("web-tls", "b"));
        assertTrue(garbage.contains("Secret b: data[tls.key]: "), garbage);
        String noCert = h.applyError("""
                apiVersion: v1
                kind: Secret
                metadata: {name: b}
                type: kubernetes.io/tls
                stringData: {tls.key: x}
                """);
        assertTrue(noCert.contains("Secret b: data[tls.crt]: missing"), noCert);
        // The type of a stored Secret cannot change.
        String retyped = h.applyError("apiVersion: v1\nkind: Secret\nmetadata: {name: web-tls}\nstringData: {a: b}\n");
        assertTrue(retyped.contains("Secret web-tls: type: Invalid value: \"Opaque\": field is immutable"), retyped);
        assertEquals(List.of("secret \"web-tls\" deleted"), h.delete("secret", "default", "web-tls"));
    }

    @Test
    void anImmutableSecretKeepsItsData() {
        h.apply("apiVersion: v1\nkind: Secret\nmetadata: {name: app}\nimmutable: true\nstringData: {a: one}\n");
        String changed = h.applyError("apiVersion: v1\nkind: Secret\nmetadata: {name: app}\nimmutable: true\n"
                + "stringData: {a: two}\n");
        assertTrue(changed.contains("Secret app: data: Forbidden: field is immutable when `immutable` is set"), changed);
    }

    @Test
    void deletingANamespaceDeletesItsIngressesAndSecrets() {
        h.apply("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: team}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: app, namespace: team}
                stringData: {a: b}
                ---
                """ + INGRESS.replace("metadata: {name: web}", "metadata: {name: web, namespace: team}"));
        assertEquals(1, h.store.list(IngressKind.KIND).size());
        h.delete("ns", "", "team");
        assertTrue(h.store.list(IngressKind.KIND).isEmpty());
        assertTrue(h.store.list(SecretKind.KIND).isEmpty());
    }
}
