package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Ingress and Gateway API kinds in the registry, and the Ingress checks the API server makes. */
class IngressKindTest {
    private static Ingress ingress(String spec) throws InvalidManifestException {
        return (Ingress) Manifests.parse("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\n"
                + "spec:\n" + spec.indent(2), "ing.yaml").get(0).object();
    }

    private static String refusal(String spec) throws InvalidManifestException {
        Ingress i = ingress(spec);
        return assertThrows(InvalidManifestException.class, () -> IngressKind.KIND.validate(i)).getMessage();
    }

    @Test
    void theKindsAreNamedAndScopedAsTheApiServerServesThem() {
        record Want(String word, String kind, String apiVersion, boolean namespaced) {}
        for (Want w : List.of(new Want("ing", "Ingress", "networking.k8s.io/v1", true),
                new Want("ingressclasses", "IngressClass", "networking.k8s.io/v1", false),
                new Want("secret", "Secret", "v1", true),
                new Want("gc", "GatewayClass", "gateway.networking.k8s.io/v1", false),
                new Want("gtw", "Gateway", "gateway.networking.k8s.io/v1", true),
                new Want("httproutes.gateway.networking.k8s.io", "HTTPRoute", "gateway.networking.k8s.io/v1", true))) {
            Kind<?> k = Kinds.builtIn().find(w.word()).orElseThrow(() -> new AssertionError(w.word()));
            assertEquals(w.kind(), k.kind());
            assertEquals(w.apiVersion(), k.apiVersion());
            assertEquals(w.namespaced(), k.namespaced(), w.kind());
        }
        assertEquals("httproute", HTTPRouteKind.KIND.singular());
        List<String> words = Kinds.builtIn().words();
        assertTrue(words.containsAll(List.of("ingresses", "ing", "secrets", "gateways", "httproutes")), words.toString());
    }

    @Test
    void onlyTheControllerWrittenKindsKeepTheirStatus() {
        List<Kind<? extends HasMetadata>> withStatus = List.of(IngressKind.KIND, GatewayClassKind.KIND,
                GatewayKind.KIND, HTTPRouteKind.KIND);
        for (Kind<?> k : Kinds.builtIn().all()) {
            assertEquals(withStatus.contains(k), k.statusWrittenBy() != null, k.kind());
        }
    }

    @Test
    void hostsAreShortenedAsKubectlDoes() throws Exception {
        Ingress many = ingress("""
                rules: [{host: a.example.com}, {host: b.example.com}, {}, {host: c.example.com}, {host: d.example.com}]
                """);
        assertEquals("a.example.com,b.example.com,c.example.com + 2 more...", IngressKind.hosts(many));
    }

    @Test
    void wildcardHostsAndImplementationSpecificPathsAreAccepted() throws Exception {
        IngressKind.KIND.validate(ingress("""
                rules:
                - host: "*.example.com"
                  http: {paths: [{pathType: ImplementationSpecific, backend: {service: {name: web, port: {name: http}}}}]}
                - http: {paths: [{path: /static, pathType: Prefix, backend: {resource: {apiGroup: k8s.example.com, kind: Bucket, name: assets}}}]}
                """));
    }

    @Test
    void eachRuleOfTheApiServerNamesItsField() throws Exception {
        assertEquals("Ingress web: spec: Invalid value: either `defaultBackend` or `rules` must be specified",
                refusal("ingressClassName: vnet"));
        assertTrue(refusal("rules: [{host: \"*\"}]").startsWith("Ingress web: spec.rules[0].host: Invalid value: \"*\""));
        assertTrue(refusal("rules: [{host: a.*.example.com}]").contains("spec.rules[0].host"));
        assertEquals("Ingress web: spec.rules[0].http.paths: Required value: at least one path",
                refusal("rules: [{http: {paths: []}}]"));
        assertTrue(refusal("rules: [{http: {paths: [{path: /a, pathType: Regex, backend: {service: {name: w, port: {number: 80}}}}]}}]")
                .endsWith("spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: "
                        + "\"Exact\", \"ImplementationSpecific\", \"Prefix\""));
        assertTrue(refusal("rules: [{http: {paths: [{path: /a/../b, pathType: Prefix, backend: {service: {name: w, port: {number: 80}}}}]}}]")
                .endsWith("spec.rules[0].http.paths[0].path: Invalid value: \"/a/../b\": must not contain '/../'"));
        assertTrue(refusal("defaultBackend: {service: {name: w, port: {number: 80}}, resource: {kind: Bucket, name: b}}")
                .endsWith("spec.defaultBackend: Invalid value: cannot set both service and resource backends: give one"));
        assertTrue(refusal("defaultBackend: {service: {name: w}}")
                .endsWith("spec.defaultBackend.service.port: Required value: port name or number is required"));
        assertTrue(refusal("defaultBackend: {service: {name: w, port: {number: 70000}}}")
                .endsWith("spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535"));
        assertTrue(refusal("defaultBackend: {service: {name: 1web, port: {number: 80}}}")
                .contains("spec.defaultBackend.service.name: \"1web\" is not a DNS-1035 label"));
        assertTrue(refusal("defaultBackend: {resource: {kind: Bucket}}").endsWith("spec.defaultBackend.resource.name: Required value"));
        assertTrue(refusal("defaultBackend: {service: {name: w, port: {number: 80}}}\ntls: [{hosts: [10.0.0.1]}]")
                .contains("spec.tls[0].hosts[0]: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address"));
    }

    @Test
    void theAddressIsEveryIpOrHostnameSorted() throws Exception {
        Ingress i = ingress("defaultBackend: {service: {name: w, port: {number: 80}}}");
        i = IngressKind.KIND.withStatus(i, Json.MAPPER.readTree(
                "{\"loadBalancer\": {\"ingress\": [{\"ip\": \"192.168.56.201\"}, {\"hostname\": \"lb.example.com\"},"
                        + " {\"ip\": \"192.168.56.200\"}]}}"));
        assertEquals("192.168.56.200,192.168.56.201,lb.example.com", IngressKind.address(i));
        assertFalse(IngressKind.KIND.status(i).isMissingNode());
        assertTrue(IngressKind.KIND.status(IngressKind.KIND.withStatus(i, null)).isMissingNode());
    }
}
