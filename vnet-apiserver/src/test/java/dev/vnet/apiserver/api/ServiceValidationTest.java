package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vnet.apiserver.api.InvalidManifestException;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.SessionAffinityConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The API server's checks on a Service: each refusal is one line naming the field. */
class ServiceValidationTest {

    // --- a valid Service, and edits of it ---

    static ServicePort port(String name, String protocol, Integer port, Object targetPort, Integer nodePort) {
        return K8s.servicePort(name, protocol, port, targetPort == null ? null : K8s.target(targetPort),
                nodePort);
    }

    /** default/web: ClusterIP, selector app=web, one port 80 → 8080. */
    static Service web() {
        return K8s.service(K8s.meta("web", "default"),
                K8s.serviceSpec(null, Map.of("app", "web"), List.of(port("http", null, 80, 8080, null)), null), null);
    }

    /** A Spec field by field, to edit one at a time. */
    static final class SpecEdit {
        String type;
        List<ServicePort> ports;
        String clusterIP;
        String sessionAffinity;
        SessionAffinityConfig sessionAffinityConfig;
        String externalTrafficPolicy;
        String internalTrafficPolicy;
        String externalName;

        SpecEdit(ServiceSpec s) {
            type = s.getType();
            ports = s.getPorts();
            clusterIP = s.getClusterIP();
            sessionAffinity = s.getSessionAffinity();
            sessionAffinityConfig = s.getSessionAffinityConfig();
            externalTrafficPolicy = s.getExternalTrafficPolicy();
            internalTrafficPolicy = s.getInternalTrafficPolicy();
            externalName = s.getExternalName();
        }
    }

    static Service edit(java.util.function.Consumer<SpecEdit> change) {
        Service s = web();
        SpecEdit e = new SpecEdit(s.getSpec());
        change.accept(e);
        ServiceSpec spec = K8s.serviceSpec(e.type, s.getSpec().getSelector(), e.ports, e.clusterIP);
        spec.setSessionAffinity(e.sessionAffinity);
        spec.setSessionAffinityConfig(e.sessionAffinityConfig);
        spec.setExternalTrafficPolicy(e.externalTrafficPolicy);
        spec.setInternalTrafficPolicy(e.internalTrafficPolicy);
        spec.setExternalName(e.externalName);
        return K8s.withSpec(s, spec);
    }

    static Service ports(ServicePort... ports) {
        return edit(e -> e.ports = Arrays.asList(ports));
    }

    static Service meta(UnaryOperator<ObjectMeta> change) {
        Service s = web();
        s.setMetadata(change.apply(s.getMetadata()));
        return s;
    }

    static Service named(String name) {
        return meta(m -> K8s.meta(name, m.getNamespace()));
    }

    static Service annotated(String algorithm) {
        return meta(m -> K8s.meta(m.getName(), m.getNamespace(), null,
                Map.of(ServiceKind.LB_ALGORITHM_ANNOTATION, algorithm)));
    }

    static SessionAffinityConfig timeout(Integer seconds) {
        return K8s.clientIp(seconds);
    }

    // --- refusals ---

    static Stream<Arguments> refusals() {
        List<Arguments> rows = new ArrayList<>(List.of(
                row("name must be a DNS-1035 label: not starting with a digit", named("1web"),
                        "Service 1web: metadata.name: \"1web\" is not a DNS-1035 label: it must start with a "
                                + "lower-case letter"),
                row("name in upper case", named("Web"),
                        "Service Web: metadata.name: \"Web\" is not a DNS-1035 label: lower-case letters, digits "
                                + "and '-', starting and ending with a letter or digit"),
                row("name ending with '-'", named("web-"),
                        "Service web-: metadata.name: \"web-\" is not a DNS-1035 label: lower-case letters, digits "
                                + "and '-', starting and ending with a letter or digit"),
                row("empty name", named(""), "Service: metadata.name: must not be empty"),
                row("no name", named(null), "Service: metadata.name: must not be empty"),
                row("name of 64 characters", named("w".repeat(64)),
                        "Service " + "w".repeat(64) + ": metadata.name: must be no more than 63 characters"),
                row("name with a newline", named("web\nx"),
                        "Service web?x: metadata.name: \"web\nx\" is not a DNS-1035 label: lower-case letters, "
                                + "digits and '-', starting and ending with a letter or digit"),
                row("no metadata", meta(m -> null), "Service: metadata.name is required"),
                row("bad namespace", meta(m -> K8s.meta("web", "Prod")),
                        "Service web: metadata.namespace: \"Prod\" is not a DNS-1123 label: lower-case letters, "
                                + "digits and '-', starting and ending with a letter or digit"),
                row("no spec", K8s.withSpec(web(), null), "Service web: spec is required"),
                row("bad type", edit(e -> e.type = "Ingress"),
                        "Service web: spec.type: \"Ingress\" is not supported: ClusterIP, NodePort, LoadBalancer or "
                                + "ExternalName"),
                row("type in the wrong case", edit(e -> e.type = "nodeport"),
                        "Service web: spec.type: \"nodeport\" is not supported: ClusterIP, NodePort, LoadBalancer "
                                + "or ExternalName"),
                row("ExternalName without externalName", edit(e -> e.type = ServiceKind.EXTERNAL_NAME),
                        "Service web: spec.externalName: required for type ExternalName"),
                row("ExternalName that is not a DNS name", edit(e -> {
                    e.type = ServiceKind.EXTERNAL_NAME;
                    e.externalName = "db_1.example.com";
                }), "Service web: spec.externalName: \"db_1.example.com\" is not a DNS name"),
                row("ExternalName with a ClusterIP", edit(e -> {
                    e.type = ServiceKind.EXTERNAL_NAME;
                    e.externalName = "db.example.com";
                    e.clusterIP = "10.96.0.5";
                }), "Service web: spec.clusterIP: must be empty for type ExternalName"),
                row("externalName on a ClusterIP Service", edit(e -> e.externalName = "db.example.com"),
                        "Service web: spec.externalName: only for type ExternalName"),
                row("clusterIP that is not an address", edit(e -> e.clusterIP = "10.96.0.300"),
                        "Service web: spec.clusterIP: \"10.96.0.300\" is not an IPv4 address (or None for a "
                                + "headless Service)"),
                row("headless NodePort", edit(e -> {
                    e.type = ServiceKind.NODE_PORT;
                    e.clusterIP = "None";
                }), "Service web: spec.clusterIP: None (headless) is not allowed for type NodePort"),
                row("headless LoadBalancer", edit(e -> {
                    e.type = ServiceKind.LOAD_BALANCER;
                    e.clusterIP = "None";
                }), "Service web: spec.clusterIP: None (headless) is not allowed for type LoadBalancer"),
                row("ports missing", edit(e -> e.ports = null),
                        "Service web: spec.ports: at least one port is required"),
                row("ports empty", ports(), "Service web: spec.ports: at least one port is required"),
                row("port 0", ports(port(null, null, 0, null, null)),
                        "Service web: spec.ports[0].port: must be between 1 and 65535"),
                row("port 70000", ports(port(null, null, 70000, null, null)),
                        "Service web: spec.ports[0].port: must be between 1 and 65535"),
                row("port missing", ports(port(null, null, null, null, null)),
                        "Service web: spec.ports[0].port: must be between 1 and 65535"),
                row("SCTP", ports(port(null, "SCTP", 80, null, null)),
                        "Service web: spec.ports[0].protocol: \"SCTP\" is not supported: TCP or UDP"),
                row("protocol in lower case", ports(port(null, "tcp", 80, null, null)),
                        "Service web: spec.ports[0].protocol: \"tcp\" is not supported: TCP or UDP"),
                row("duplicate port", ports(port("a", "TCP", 80, null, null), port("b", null, 80, null, null)),
                        "Service web: spec.ports[1]: duplicate port 80/TCP"),
                row("two ports without names",
                        ports(port(null, null, 80, null, null), port(null, null, 81, null, null)),
                        "Service web: spec.ports[0].name: required when a Service has more than one port"),
                row("second of two ports without a name", ports(port("a", null, 80, null, null),
                        port(null, null, 81, null, null)),
                        "Service web: spec.ports[1].name: required when a Service has more than one port"),
                row("duplicate port name",
                        ports(port("http", null, 80, null, null), port("http", null, 81, null, null)),
                        "Service web: spec.ports[1].name: duplicate port name \"http\""),
                row("port name in upper case", ports(port("HTTP", null, 80, null, null)),
                        "Service web: spec.ports[0].name: \"HTTP\" is not a DNS-1123 label: lower-case letters, "
                                + "digits and '-', starting and ending with a letter or digit"),
                row("targetPort name with '_'", ports(port(null, null, 80, "web_http", null)),
                        "Service web: spec.ports[0].targetPort: \"web_http\" is neither a number nor a port name"),
                row("targetPort name of 16 characters", ports(port(null, null, 80, "http-alternative", null)),
                        "Service web: spec.ports[0].targetPort: \"http-alternative\" is neither a number nor a port "
                                + "name"),
                row("targetPort 0", ports(port(null, null, 80, 0, null)),
                        "Service web: spec.ports[0].targetPort: must be between 1 and 65535"),
                row("targetPort 65536", ports(port(null, null, 80, 65536, null)),
                        "Service web: spec.ports[0].targetPort: must be between 1 and 65535"),
                row("nodePort on a ClusterIP Service", ports(port(null, null, 80, null, 30080)),
                        "Service web: spec.ports[0].nodePort: only for type NodePort or LoadBalancer"),
                row("nodePort on an ExternalName Service", edit(e -> {
                    e.type = ServiceKind.EXTERNAL_NAME;
                    e.externalName = "db.example.com";
                    e.ports = List.of(port(null, null, 80, null, 30080));
                }), "Service web: spec.ports[0].nodePort: only for type NodePort or LoadBalancer"),
                row("bad sessionAffinity", edit(e -> e.sessionAffinity = "Cookie"),
                        "Service web: spec.sessionAffinity: must be None or ClientIP"),
                row("sessionAffinityConfig without ClientIP", edit(e -> e.sessionAffinityConfig = timeout(60)),
                        "Service web: spec.sessionAffinityConfig: only with sessionAffinity ClientIP"),
                row("timeoutSeconds 0", edit(e -> {
                    e.sessionAffinity = "ClientIP";
                    e.sessionAffinityConfig = timeout(0);
                }), "Service web: spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be between 1 and 86400"),
                row("timeoutSeconds 86401", edit(e -> {
                    e.sessionAffinity = "ClientIP";
                    e.sessionAffinityConfig = timeout(86401);
                }), "Service web: spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be between 1 and 86400"),
                row("bad externalTrafficPolicy", edit(e -> {
                    e.type = ServiceKind.NODE_PORT;
                    e.externalTrafficPolicy = "Everywhere";
                }), "Service web: spec.externalTrafficPolicy: must be Cluster or Local"),
                row("bad internalTrafficPolicy", edit(e -> e.internalTrafficPolicy = "Node"),
                        "Service web: spec.internalTrafficPolicy: must be Cluster or Local"),
                row("externalTrafficPolicy on a ClusterIP Service", edit(e -> e.externalTrafficPolicy = "Local"),
                        "Service web: spec.externalTrafficPolicy: only for type NodePort or LoadBalancer"),
                row("bad lb-algorithm annotation", annotated("fastest"),
                        "Service web: metadata.annotations[vnet.dev/lb-algorithm]: \"fastest\" is not one of "
                                + "random, round-robin, least-connections, source-hash, maglev")));
        return rows.stream();
    }

    static Arguments row(String name, Service svc, String message) {
        return Arguments.of(name, svc, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String name, Service svc, String message) {
        InvalidManifestException e =
                assertThrows(InvalidManifestException.class, () -> ServiceKind.KIND.validate(svc));

        assertEquals(message, e.getMessage());
    }

    // --- acceptances ---

    static Stream<Arguments> acceptances() {
        List<Arguments> rows = new ArrayList<>(List.of(
                Arguments.of("the minimal ClusterIP Service", web()),
                Arguments.of("an explicit ClusterIP", edit(e -> e.clusterIP = "10.96.0.50")),
                Arguments.of("no namespace", meta(m -> K8s.meta("web", null))),
                Arguments.of("a name of 63 characters", named("w".repeat(63))),
                Arguments.of("a name with digits and '-'", named("web-2")),
                Arguments.of("NodePort with a nodePort and policy Local", edit(e -> {
                    e.type = ServiceKind.NODE_PORT;
                    e.ports = List.of(port("http", null, 80, 8080, 30080));
                    e.externalTrafficPolicy = "Local";
                })),
                Arguments.of("LoadBalancer with policy Cluster", edit(e -> {
                    e.type = ServiceKind.LOAD_BALANCER;
                    e.externalTrafficPolicy = "Cluster";
                })),
                Arguments.of("ClientIP affinity, 1 s", edit(e -> {
                    e.sessionAffinity = "ClientIP";
                    e.sessionAffinityConfig = timeout(1);
                })),
                Arguments.of("ClientIP affinity, 86400 s", edit(e -> {
                    e.sessionAffinity = "ClientIP";
                    e.sessionAffinityConfig = timeout(86400);
                })),
                Arguments.of("ClientIP affinity without a config", edit(e -> e.sessionAffinity = "ClientIP")),
                Arguments.of("sessionAffinity None", edit(e -> e.sessionAffinity = "None")),
                Arguments.of("internalTrafficPolicy Local", edit(e -> e.internalTrafficPolicy = "Local")),
                Arguments.of("headless without ports", edit(e -> {
                    e.clusterIP = "None";
                    e.ports = null;
                })),
                Arguments.of("ExternalName without ports", edit(e -> {
                    e.type = ServiceKind.EXTERNAL_NAME;
                    e.externalName = "db.example.com";
                    e.ports = null;
                })),
                Arguments.of("the same port number over TCP and UDP", ports(port("dns-tcp", "TCP", 53, 5353, null),
                        port("dns", "UDP", 53, 5353, null))),
                Arguments.of("a named targetPort", ports(port(null, null, 80, "web-http", null))),
                Arguments.of("a targetPort name of 15 characters", ports(port(null, null, 80, "http-alternativ", null))),
                Arguments.of("targetPort 65535", ports(port(null, null, 80, 65535, null))),
                Arguments.of("port 65535", ports(port(null, null, 65535, null, null)))));
        for (String algorithm : ServiceKind.LB_ALGORITHMS) {
            rows.add(Arguments.of("lb-algorithm " + algorithm, annotated(algorithm)));
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptances")
    void accepts(String name, Service svc) {
        assertDoesNotThrow(() -> ServiceKind.KIND.validate(svc));
    }

    @Test
    void theAlgorithmsAreTheOnesTheDataPathHas() {
        assertEquals(List.of("random", "round-robin", "least-connections", "source-hash", "maglev"),
                ServiceKind.LB_ALGORITHMS);
    }
}
