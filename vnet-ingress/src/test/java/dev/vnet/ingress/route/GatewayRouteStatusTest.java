package dev.vnet.ingress.route;

import static dev.vnet.ingress.route.GatewayRouteTest.BASE;
import static dev.vnet.ingress.route.GatewayRouteTest.NS;
import static dev.vnet.ingress.route.GatewayRouteTest.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Statuses of GatewayClass, Gateway (its listeners: accepted, refused, bad certificate, conflicted) and HTTPRoute
 * (attached, not attached for each reason, unresolved backendRefs), with the reasons the Gateway API defines.
 */
class GatewayRouteStatusTest {
    static final TlsMaterial GOOD = Manifests.cert("secure.example.com");

    static final String YAML = BASE + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: theirs}
            spec: {controllerName: example.com/other-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: not-ours, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: theirs
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: mixed, namespace: gateway-conformance-infra, generation: 3}
            spec:
              gatewayClassName: vnet
              listeners:
              - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
              - name: https
                port: 443
                protocol: HTTPS
                hostname: secure.example.com
                tls: {mode: Terminate, certificateRefs: [{name: good-tls}]}
              - {name: bad-port, port: 8080, protocol: HTTP}
              - {name: tcp, port: 9000, protocol: TCP}
              - name: bad-cert
                port: 443
                protocol: HTTPS
                hostname: bad.example.com
                tls: {certificateRefs: [{name: nosuch}]}
              - {name: dup-1, port: 80, protocol: HTTP, hostname: dup.example.com}
              - {name: dup-2, port: 80, protocol: HTTP, hostname: dup.example.com}
              - name: wrong-kinds
                port: 80
                protocol: HTTP
                hostname: kinds.example.com
                allowedRoutes: {kinds: [{kind: TCPRoute}]}
            ---
            """ + Manifests.tlsSecret(NS, "good-tls", GOOD)
            + route("attached", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: mixed, sectionName: http}, {name: mixed, sectionName: https}, {name: not-ours}]
            rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            """)
            + route("no-such-listener", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: mixed, sectionName: nosuch}]
            rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            """)
            + route("hostname-mismatch", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: mixed, sectionName: https}]
            hostnames: [other.example.com]
            rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            """)
            + route("bad-backends", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - backendRefs: [{name: does-not-exist, port: 8080}]
            - backendRefs: [{group: example.com, kind: Unknown, name: x, port: 8080}]
            """)
            + route("cross-ns-backend", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules: [{backendRefs: [{name: elsewhere, namespace: other, port: 8080}]}]
            """)
            + route("only-theirs", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: not-ours}]
            rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            """)
            + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: from-other-ns, namespace: other, generation: 2}
            spec:
              parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra}, {name: mixed, namespace: gateway-conformance-infra, sectionName: http}]
              rules: [{backendRefs: [{name: elsewhere, port: 8080}]}]
            ---
            """;

    static final Compiled C = Manifests.compile(YAML, "192.168.49.10");

    /** Conditions as "Type=Status/Reason", in order. */
    static String conditions(List<Condition> cs) {
        return cs.stream().map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .collect(Collectors.joining(" "));
    }

    static GatewayStatus gateway(String name) {
        return (GatewayStatus) C.statuses().get(new ObjectKey("Gateway", NS, name));
    }

    static HTTPRouteStatus routeStatus(String ns, String name) {
        return (HTTPRouteStatus) C.statuses().get(new ObjectKey("HTTPRoute", ns, name));
    }

    /** Per parent: "gateway[/section]: conditions". */
    static List<String> parents(HTTPRouteStatus s) {
        return s.getParents().stream().map(p -> {
            assertEquals(RouteCompiler.GATEWAY_CONTROLLER, p.getControllerName());
            String section = p.getParentRef().getSectionName();
            return p.getParentRef().getName() + (section == null ? "" : "/" + section) + ": "
                    + conditions(p.getConditions());
        }).toList();
    }

    @Test
    void gatewayClassOfOursIsAccepted() {
        GatewayClassStatus s = (GatewayClassStatus) C.statuses().get(new ObjectKey("GatewayClass", "", "vnet"));
        assertEquals("Accepted=True/Accepted", conditions(s.getConditions()));
        assertEquals(1L, s.getConditions().get(0).getObservedGeneration());
        assertFalse(C.statuses().containsKey(new ObjectKey("GatewayClass", "", "theirs")));
        assertFalse(C.statuses().containsKey(new ObjectKey("Gateway", NS, "not-ours")));
    }

    @Test
    void gatewayWithSomeInvalidListeners() {
        GatewayStatus s = gateway("mixed");
        assertEquals("Accepted=True/ListenersNotValid Programmed=True/Programmed", conditions(s.getConditions()));
        assertEquals(3L, s.getConditions().get(0).getObservedGeneration());
        assertEquals("IPAddress 192.168.49.10", s.getAddresses().stream().map(a -> a.getType() + " " + a.getValue())
                .collect(Collectors.joining(",")));
        String listeners = s.getListeners().stream().map(GatewayRouteStatusTest::listener)
                .collect(Collectors.joining("\n"));
        assertEquals("""
                http routes=2 kinds=HTTPRoute Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs \
                Conflicted=False/NoConflicts Programmed=True/Programmed
                https routes=1 kinds=HTTPRoute Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs \
                Conflicted=False/NoConflicts Programmed=True/Programmed
                bad-port routes=0 kinds=HTTPRoute Accepted=False/PortUnavailable ResolvedRefs=True/ResolvedRefs \
                Conflicted=False/NoConflicts Programmed=False/Invalid
                tcp routes=0 kinds= Accepted=False/UnsupportedProtocol ResolvedRefs=True/ResolvedRefs \
                Conflicted=False/NoConflicts Programmed=False/Invalid
                bad-cert routes=0 kinds=HTTPRoute Accepted=True/Accepted ResolvedRefs=False/InvalidCertificateRef \
                Conflicted=False/NoConflicts Programmed=False/Invalid
                dup-1 routes=0 kinds=HTTPRoute Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs \
                Conflicted=True/HostnameConflict Programmed=False/Invalid
                dup-2 routes=0 kinds=HTTPRoute Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs \
                Conflicted=True/HostnameConflict Programmed=False/Invalid
                wrong-kinds routes=0 kinds= Accepted=True/Accepted ResolvedRefs=False/InvalidRouteKinds \
                Conflicted=False/NoConflicts Programmed=False/Invalid""", listeners);
    }

    static String listener(ListenerStatus l) {
        return l.getName() + " routes=" + l.getAttachedRoutes() + " kinds="
                + l.getSupportedKinds().stream().map(k -> k.getKind()).collect(Collectors.joining(",")) + " "
                + conditions(l.getConditions());
    }

    @Test
    void routeStatusPerParent() {
        assertEquals(List.of("mixed/http: Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs",
                "mixed/https: Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs"), parents(routeStatus(NS, "attached")),
                "the parentRef to a Gateway of another class gets no status from us");
        assertEquals(List.of("mixed/nosuch: Accepted=False/NoMatchingParent ResolvedRefs=True/ResolvedRefs"),
                parents(routeStatus(NS, "no-such-listener")));
        assertEquals(List.of("mixed/https: Accepted=False/NoMatchingListenerHostname ResolvedRefs=True/ResolvedRefs"),
                parents(routeStatus(NS, "hostname-mismatch")));
        assertEquals(List.of("same-namespace: Accepted=True/Accepted ResolvedRefs=False/BackendNotFound"),
                parents(routeStatus(NS, "bad-backends")));
        assertEquals(List.of("same-namespace: Accepted=True/Accepted ResolvedRefs=False/RefNotPermitted"),
                parents(routeStatus(NS, "cross-ns-backend")));
        assertEquals(List.of("same-namespace: Accepted=False/NotAllowedByListeners ResolvedRefs=True/ResolvedRefs",
                "mixed/http: Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs"),
                parents(routeStatus("other", "from-other-ns")));
        assertNull(routeStatus(NS, "only-theirs"));
        assertEquals(2L, routeStatus("other", "from-other-ns").getParents().get(0).getConditions().get(0)
                .getObservedGeneration());
        assertEquals("service gateway-conformance-infra/does-not-exist not found; backendRef x is a "
                + "example.com/Unknown, only Services are supported", routeStatus(NS, "bad-backends").getParents().get(0)
                .getConditions().get(1).getMessage());
    }

    @Test
    void sameNamespaceGatewayCountsOnlyItsOwnNamespace() {
        ListenerStatus http = gateway("same-namespace").getListeners().get(0);
        assertEquals(2, http.getAttachedRoutes(), "bad-backends and cross-ns-backend; not from-other-ns");
    }

    @Test
    void routesOnRefusedOrConflictedListenersAreNotServed() {
        String yaml = YAML + route("on-dup", "2024-01-01T00:00:00Z", """
                parentRefs: [{name: mixed, sectionName: dup-1}, {name: mixed, sectionName: bad-port}]
                rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
                """);
        Compiled c = Manifests.compile(yaml, "192.168.49.10");
        // dup.example.com still reaches the hostless listener "http" (route "attached"), never the conflicted one.
        assertEquals("httproute gateway-conformance-infra/attached rule 0 match 0 (gateway "
                + "gateway-conformance-infra/mixed listener http) host * path / (PathPrefix) → service "
                + "infra-backend-v1:8080 weight 1", c.table().route(Requests.parse("http://dup.example.com/")).decidedBy());
        assertEquals("respond 404", Requests.describe(c.table().route(Requests.parse("http://x:8080/"))));
    }

    @Test
    void httpsListenerCertificates() {
        assertEquals(Optional.of("secure.example.com"), C.table().certificate(443, "secure.example.com")
                .map(IngressTlsRouteTest::commonName));
        assertEquals(Optional.empty(), C.table().certificate(443, "bad.example.com"));
        assertEquals(Optional.empty(), C.table().certificate(443, "other.example.com"));
        assertEquals(GatewayRouteTest.V1, Requests.describe(C.table().route(
                Requests.parse("https://secure.example.com/"))));
    }

    @Test
    void noAddressMeansNotProgrammed() {
        GatewayStatus s = (GatewayStatus) Manifests.compile(YAML).statuses().get(new ObjectKey("Gateway", NS, "mixed"));
        assertEquals("Accepted=True/ListenersNotValid Programmed=False/AddressNotAssigned",
                conditions(s.getConditions()));
        assertEquals(List.of(), s.getAddresses());
    }

    @Test
    void transitionTimesChangeOnlyWithTheStatus() {
        Object first = StatusTimes.stamp(Manifests.compile(YAML, "192.168.49.10").statuses()
                .get(new ObjectKey("Gateway", NS, "mixed")), null, "2024-05-01T00:00:00Z");
        Object again = Manifests.compile(YAML, "192.168.49.10").statuses().get(new ObjectKey("Gateway", NS, "mixed"));
        assertSame(again, StatusTimes.stamp(again, first, "2024-05-02T00:00:00Z"));
        assertEquals(first, again, "an unchanged status keeps its times, so the writer has nothing to write");
        Object moved = Manifests.compile(YAML).statuses().get(new ObjectKey("Gateway", NS, "mixed"));
        GatewayStatus m = (GatewayStatus) StatusTimes.stamp(moved, first, "2024-05-03T00:00:00Z");
        assertEquals("2024-05-01T00:00:00Z", m.getConditions().get(0).getLastTransitionTime(), "Accepted unchanged");
        assertEquals("2024-05-03T00:00:00Z", m.getConditions().get(1).getLastTransitionTime(), "Programmed changed");
        assertEquals("2024-05-01T00:00:00Z", m.getListeners().get(0).getConditions().get(0).getLastTransitionTime());
    }
}
