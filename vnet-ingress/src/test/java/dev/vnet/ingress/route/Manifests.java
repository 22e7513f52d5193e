package dev.vnet.ingress.route;

import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Cluster objects in tests are written as the YAML a learner would apply; "---" separates documents. */
final class Manifests {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private static final Map<String, Class<?>> KINDS = Map.of("Ingress", Ingress.class, "IngressClass",
            IngressClass.class, "Service", Service.class, "EndpointSlice", EndpointSlice.class, "Secret", Secret.class,
            "Gateway", Gateway.class, "GatewayClass", GatewayClass.class, "HTTPRoute", HTTPRoute.class);

    private Manifests() {}

    /** The objects of {@code yaml} in a view, with the controller at {@code addresses}. */
    static ClusterView view(String yaml, String... addresses) {
        List<Object> all = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (!doc.isBlank()) {
                JsonNode node = YAML.readTree(doc);
                Class<?> cls = KINDS.get(node.path("kind").asString());
                if (cls == null) {
                    throw new IllegalArgumentException("unknown kind in test manifest: " + doc);
                }
                all.add(YAML.treeToValue(node, cls));
            }
        }
        return new ClusterView(of(all, Ingress.class), of(all, IngressClass.class), of(all, Service.class),
                of(all, EndpointSlice.class), of(all, Secret.class), of(all, Gateway.class), of(all, GatewayClass.class),
                of(all, HTTPRoute.class), List.of(addresses));
    }

    static Compiled compile(String yaml, String... addresses) {
        return RouteCompiler.compile(view(yaml, addresses));
    }

    private static <T> List<T> of(List<Object> all, Class<T> cls) {
        return all.stream().filter(cls::isInstance).map(cls::cast).collect(Collectors.toList());
    }

    /**
     * A Service with one port and the EndpointSlice the endpoints controller would write: {@code port} as
     * "80" or "http:80", target port {@code target}, ready endpoints {@code ips} (a "!" prefix marks one unready).
     */
    static String service(String ns, String name, String port, int target, String... ips) {
        String portName = port.contains(":") ? port.substring(0, port.indexOf(':')) : "";
        String number = port.substring(port.indexOf(':') + 1);
        String nameLine = portName.isEmpty() ? "" : "name: " + portName + ", ";
        StringBuilder eps = new StringBuilder();
        for (String ip : ips) {
            boolean ready = !ip.startsWith("!");
            eps.append("\n- addresses: [").append(ip.replace("!", "")).append("]\n  conditions: {ready: ")
                    .append(ready).append("}");
        }
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  selector: {app: %1$s}
                  ports: [{%3$sport: %4$s, targetPort: %5$d, protocol: TCP}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: %1$s-abcde
                  namespace: %2$s
                  labels: {kubernetes.io/service-name: %1$s}
                addressType: IPv4
                ports: [{%3$sport: %5$d, protocol: TCP}]
                endpoints:%6$s---
                """.formatted(name, ns, nameLine, number, target, (eps.length() == 0 ? " []" : eps) + "\n");
    }

    /** A kubernetes.io/tls Secret holding {@code material}, the key as PKCS#8 ("BEGIN PRIVATE KEY"). */
    static String tlsSecret(String ns, String name, TlsMaterial material) {
        String key = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(material.key().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        return secret(ns, name, "kubernetes.io/tls", SelfSigned.certificatePem(material), key);
    }

    static String secret(String ns, String name, String type, String crt, String key) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %s, namespace: %s}
                type: %s
                data:
                  tls.crt: %s
                  tls.key: %s
                ---
                """.formatted(name, ns, type, b64(crt), b64(key));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    static TlsMaterial cert(String name) {
        return SelfSigned.create("test " + name, name, List.of(name), Duration.ofDays(1));
    }
}
