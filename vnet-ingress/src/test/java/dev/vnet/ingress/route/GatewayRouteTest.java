package dev.vnet.ingress.route;

import static dev.vnet.ingress.route.Manifests.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.ingress.route.Action.Forward;
import dev.vnet.ingress.route.Action.HeaderChanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request-flow tables for HTTPRoutes. The setup follows the Gateway API conformance suite's base: namespace
 * gateway-conformance-infra, Gateway "same-namespace" with an HTTP listener on 80 admitting routes of its own
 * namespace, and Services infra-backend-v1..v3 on port 8080; the routes echo the suite's tests (header, method,
 * path matching, request header modifier, redirects, weights, invalid backends).
 */
class GatewayRouteTest {
    static final String NS = "gateway-conformance-infra";

    static final String BASE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: vnet, generation: 1}
            spec: {controllerName: vnet.dev/gateway-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-namespace, namespace: gateway-conformance-infra, generation: 1}
            spec:
              gatewayClassName: vnet
              listeners:
              - name: http
                port: 80
                protocol: HTTP
                allowedRoutes:
                  namespaces: {from: Same}
            ---
            """ + service(NS, "infra-backend-v1", "8080", 3000, "10.244.1.11")
            + service(NS, "infra-backend-v2", "8080", 3000, "10.244.1.12")
            + service(NS, "infra-backend-v3", "8080", 3000, "10.244.1.13")
            + service("other", "elsewhere", "8080", 3000, "10.244.1.14");

    static final String V1 = "forward gateway-conformance-infra/infra-backend-v1:8080 [10.244.1.11:3000]";
    static final String V2 = "forward gateway-conformance-infra/infra-backend-v2:8080 [10.244.1.12:3000]";
    static final String V3 = "forward gateway-conformance-infra/infra-backend-v3:8080 [10.244.1.13:3000]";

    /** An HTTPRoute in the infra namespace; {@code spec} in YAML. */
    static String route(String name, String created, String spec) {
        return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " + name
                + "\n  namespace: " + NS + "\n  generation: 1\n  creationTimestamp: \"" + created + "\"\nspec:\n"
                + spec.stripIndent().indent(2) + "---\n";
    }

    static final String HEADERS = BASE + route("header-matching", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{headers: [{name: version, value: one}]}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            - matches: [{headers: [{name: version, value: two}]}]
              backendRefs: [{name: infra-backend-v2, port: 8080}]
            - matches: [{headers: [{name: version, value: two}, {name: color, value: orange}]}]
              backendRefs: [{name: infra-backend-v3, port: 8080}]
            - matches: [{headers: [{name: color, type: RegularExpression, value: "bl.e"}]}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

    static final String METHODS = BASE + route("method-matching", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{method: POST}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            - matches: [{method: GET}]
              backendRefs: [{name: infra-backend-v2, port: 8080}]
            - matches: [{method: GET, path: {type: PathPrefix, value: /path1}}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

    static final String PATHS = BASE + route("paths", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{path: {type: PathPrefix, value: /}}]
              backendRefs: [{name: infra-backend-v3, port: 8080}]
            - matches: [{path: {type: Exact, value: /exact}}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            - matches: [{path: {type: PathPrefix, value: /prefix/}}]
              backendRefs: [{name: infra-backend-v2, port: 8080}]
            - matches: [{path: {type: PathPrefix, value: /prefix/long}}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: animal, value: whale}]}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            """) + route("newer", "2024-02-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{path: {type: PathPrefix, value: /shared}}]
              backendRefs: [{name: infra-backend-v2, port: 8080}]
            - matches: [{path: {type: Exact, value: /prefix/long}}]
              backendRefs: [{name: infra-backend-v2, port: 8080}]
            """) + route("older", "2023-12-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{path: {type: PathPrefix, value: /shared}}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

    /** Listener hostnames and route hostnames (the conformance suite's listener-hostname-matching, in short). */
    static final String HOSTNAMES = BASE + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: hosts, namespace: gateway-conformance-infra}
            spec:
              gatewayClassName: vnet
              listeners:
              - {name: wild, port: 80, protocol: HTTP, hostname: "*.example.com"}
              - {name: exact, port: 80, protocol: HTTP, hostname: foo.bar.com}
            ---
            """ + route("r1", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: hosts}]
            hostnames: [a.example.com, foo.bar.com, unrelated.org]
            rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
            """) + route("r2", "2024-01-02T00:00:00Z", """
            parentRefs: [{name: hosts}]
            rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]
            """) + route("r3", "2024-01-03T00:00:00Z", """
            parentRefs: [{name: hosts, sectionName: wild}]
            hostnames: ["*.foo.example.com"]
            rules: [{backendRefs: [{name: infra-backend-v3, port: 8080}]}]
            """);

    static final String REDIRECTS = BASE + route("redirect", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{path: {type: PathPrefix, value: /hostname-redirect}}]
              filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
            - matches: [{path: {type: PathPrefix, value: /status-code-301}}]
              filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301}}]
            - matches: [{path: {type: PathPrefix, value: /scheme-and-host}}]
              filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: example.org}}]
            - matches: [{path: {type: PathPrefix, value: /port}}]
              filters: [{type: RequestRedirect, requestRedirect: {port: 8083}}]
            - matches: [{path: {type: PathPrefix, value: /http-443}}]
              filters: [{type: RequestRedirect, requestRedirect: {scheme: http, port: 443}}]
            - matches: [{path: {type: PathPrefix, value: /full}}]
              filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /full-path-replacement}}}]
            - matches: [{path: {type: PathPrefix, value: /prefix-replace}}]
              filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}}}]
            - matches: [{path: {type: PathPrefix, value: /strip}}]
              filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
            """);

    static final String WEIGHTS = BASE + route("weights", "2024-01-01T00:00:00Z", """
            parentRefs: [{name: same-namespace}]
            rules:
            - matches: [{path: {value: /split}}]
              backendRefs:
              - {name: infra-backend-v1, port: 8080, weight: 90}
              - {name: infra-backend-v2, port: 8080, weight: 10}
              - {name: infra-backend-v3, port: 8080, weight: 0}
            - matches: [{path: {value: /partly-invalid}}]
              backendRefs:
              - {name: infra-backend-v1, port: 8080}
              - {name: does-not-exist, port: 8080}
            - matches: [{path: {value: /invalid}}]
              backendRefs: [{name: does-not-exist, port: 8080}]
            - matches: [{path: {value: /kind}}]
              backendRefs: [{group: example.com, kind: Unknown, name: infra-backend-v1, port: 8080}]
            - matches: [{path: {value: /cross-namespace}}]
              backendRefs: [{name: elsewhere, namespace: other, port: 8080}]
            - matches: [{path: {value: /zero}}]
              backendRefs: [{name: infra-backend-v1, port: 8080, weight: 0}]
            - matches: [{path: {value: /wrong-port}}]
              backendRefs: [{name: infra-backend-v1, port: 9999}]
            - matches: [{path: {value: /mirror}}]
              filters: [{type: RequestMirror, requestMirror: {backendRef: {name: infra-backend-v2, port: 8080}}}]
              backendRefs: [{name: infra-backend-v1, port: 8080}]
            """);

    record Row(String scenario, String yaml, String request, String expected) {
        @Override
        public String toString() {
            return scenario + ": " + request + " → " + expected;
        }
    }

    private static final List<Row> ROWS = new ArrayList<>();

    private static void table(String scenario, String yaml, String rows) {
        for (String line : rows.strip().split("\n")) {
            String[] cols = line.split("\\|");
            String expected = cols[1].strip();
            ROWS.add(new Row(scenario, yaml, cols[0].strip(), switch (expected) {
                case "v1" -> V1;
                case "v2" -> V2;
                case "v3" -> V3;
                default -> expected;
            }));
        }
    }

    static {
        table("headers", HEADERS, """
                http://gw/ version=one                    | v1
                http://gw/ Version=one                    | v1
                http://gw/ version=One                    | respond 404
                http://gw/ version=two                    | v2
                http://gw/ version=two color=orange       | v3
                http://gw/ color=orange version=two       | v3
                http://gw/ version=two color=blue         | v2
                http://gw/ color=blue                     | v1
                http://gw/ color=blues                    | respond 404
                http://gw/ color=orange                   | respond 404
                http://gw/                                | respond 404
                """);
        table("methods", METHODS, """
                POST http://gw/                           | v1
                GET http://gw/                            | v2
                GET http://gw/path1                       | v1
                POST http://gw/path1                      | v1
                PUT http://gw/                            | respond 404
                """);
        table("paths", PATHS, """
                http://gw/                                | v3
                http://gw/exact                           | v1
                http://gw/exact/                          | v3
                http://gw/prefix                          | v2
                http://gw/prefix/                         | v2
                http://gw/prefix/x                        | v2
                http://gw/prefixx                         | v3
                http://gw/prefix/long/x                   | v1
                http://gw/prefix/long                     | v2
                http://gw/q?animal=whale                  | v1
                http://gw/q?color=red&animal=whale        | v1
                http://gw/q?animal=dolphin                | v3
                http://gw/shared                          | v1
                https://gw/exact                          | respond 404
                """);
        table("hostnames", HOSTNAMES, """
                http://a.example.com/                     | v1
                http://b.example.com/                     | v2
                http://x.y.example.com/                   | v2
                http://x.foo.example.com/                 | v3
                http://foo.bar.com/                       | v1
                http://example.com/                       | respond 404
                http://unrelated.org/                     | respond 404
                """);
        table("redirects", REDIRECTS, """
                http://gw/hostname-redirect               | redirect 302 http://example.org/hostname-redirect
                http://gw/status-code-301?a=b             | redirect 301 http://gw/status-code-301?a=b
                http://gw/scheme-and-host/x               | redirect 302 https://example.org/scheme-and-host/x
                http://gw/port                            | redirect 302 http://gw:8083/port
                http://gw/http-443                        | redirect 302 http://gw:443/http-443
                http://gw/full/any/thing                  | redirect 302 http://gw/full-path-replacement
                http://gw/prefix-replace                  | redirect 302 http://gw/replacement-prefix
                http://gw/prefix-replace/one              | redirect 302 http://gw/replacement-prefix/one
                http://gw/strip/one                       | redirect 302 http://gw/one
                http://gw/strip                           | redirect 302 http://gw/
                """);
        table("weights and invalid backends", WEIGHTS, """
                http://gw/split                           | forward gateway-conformance-infra/infra-backend-v1:8080=90 [10.244.1.11:3000] gateway-conformance-infra/infra-backend-v2:8080=10 [10.244.1.12:3000]
                http://gw/partly-invalid                  | forward gateway-conformance-infra/infra-backend-v1:8080=1 [10.244.1.11:3000] does-not-exist:8080=1!500
                http://gw/invalid                         | respond 500
                http://gw/kind                            | respond 500
                http://gw/cross-namespace                 | respond 500
                http://gw/zero                            | respond 500
                http://gw/wrong-port                      | respond 500
                http://gw/mirror                          | respond 500
                """);
    }

    static Stream<Arguments> rows() {
        return ROWS.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void routes(Row row) {
        Compiled c = Manifests.compile(row.yaml(), "192.168.49.10");
        assertEquals(row.expected(), Requests.describe(c.table().route(Requests.parse(row.request()))));
    }

    @Test
    void requestHeaderModifier() {
        String yaml = BASE + route("request-header-modifier", "2024-01-01T00:00:00Z", """
                parentRefs: [{name: same-namespace}]
                rules:
                - matches: [{path: {type: PathPrefix, value: /set}}]
                  filters:
                  - type: RequestHeaderModifier
                    requestHeaderModifier:
                      set: [{name: X-Header-Set, value: set-overwrites-values}]
                      add: [{name: X-Header-Add, value: add-appends-values}]
                      remove: [X-Header-Remove]
                  backendRefs: [{name: infra-backend-v1, port: 8080}]
                """);
        Forward f = (Forward) Manifests.compile(yaml).table().route(Requests.parse("http://gw/set"));
        assertEquals(new HeaderChanges(Map.of("X-Header-Set", "set-overwrites-values"),
                Map.of("X-Header-Add", "add-appends-values"), List.of("X-Header-Remove")), f.headers());
        assertEquals(V1, Requests.describe(f));
    }

    @Test
    void decidedByNamesRouteRuleListenerAndBackends() {
        Compiled c = Manifests.compile(WEIGHTS);
        assertEquals("httproute gateway-conformance-infra/weights rule 0 match 0 (gateway "
                        + "gateway-conformance-infra/same-namespace listener http) host * path /split (PathPrefix)"
                        + " → service infra-backend-v1:8080 weight 90, service infra-backend-v2:8080 weight 10",
                c.table().route(Requests.parse("http://gw/split")).decidedBy());
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("filter RequestMirror is not supported")),
                c.warnings().toString());
    }

    /** Gateway routes come first; Ingress rules serve what no HTTPRoute matches, on the same ports. */
    @Test
    void gatewayRoutesBeforeIngressRules() {
        String yaml = BASE + IngressRouteTest.CLASSES + route("only-api", "2024-01-01T00:00:00Z", """
                parentRefs: [{name: same-namespace}]
                hostnames: [shop.example.com]
                rules:
                - matches: [{path: {type: PathPrefix, value: /api}}]
                  backendRefs: [{name: infra-backend-v1, port: 8080}]
                """) + """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: shop, namespace: gateway-conformance-infra}
                spec:
                  ingressClassName: vnet
                  rules:
                  - host: shop.example.com
                    http:
                      paths: [{path: /, pathType: Prefix, backend: {service: {name: infra-backend-v2, port: {number: 8080}}}}]
                """;
        var table = Manifests.compile(yaml).table();
        assertEquals(V1, Requests.describe(table.route(Requests.parse("http://shop.example.com/api/x"))));
        assertEquals(V2, Requests.describe(table.route(Requests.parse("http://shop.example.com/web"))));
        assertEquals(V2, Requests.describe(table.route(Requests.parse("https://shop.example.com/api"))),
                "the route is attached to the HTTP listener only");
    }
}
