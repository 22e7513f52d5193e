package dev.vnet.ingress.route;

import static dev.vnet.ingress.route.Manifests.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request-flow tables for Ingress: each scenario is the YAML a learner would apply, each row a request and the
 * decision the Kubernetes docs (path types, precedence) and ingress-nginx (host merge, default backend, 503,
 * ssl-redirect) give for it.
 */
class IngressRouteTest {
    static final String CLASSES = """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: vnet}
            spec: {controller: vnet.dev/ingress-controller}
            ---
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: other}
            spec: {controller: example.com/other-controller}
            ---
            """;

    static String ingress(String name, String created, String spec) {
        return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name
                + "\n  namespace: default\n  creationTimestamp: \"" + created + "\"\nspec:\n"
                + spec.stripIndent().indent(2) + "---\n";
    }

    static final String SERVICES = service("default", "a", "80", 8080, "10.244.1.1")
            + service("default", "b", "80", 8080, "10.244.1.2")
            + service("default", "c", "80", 8080, "10.244.1.3")
            + service("default", "d", "80", 8080, "10.244.1.4")
            + service("default", "named", "http:8000", 8080, "10.244.2.1", "!10.244.2.2", "10.244.2.3")
            + service("default", "empty", "80", 8080, "!10.244.3.1")
            + service("default", "def", "80", 8080, "10.244.9.9");

    /** Path types and precedence (kubernetes.io/docs/concepts/services-networking/ingress/#examples). */
    static final String PATHS = CLASSES + SERVICES + ingress("paths", "2024-01-01T00:00:00Z", """
            ingressClassName: vnet
            rules:
            - host: paths.example.com
              http:
                paths:
                - {path: /foo, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
                - {path: /exact, pathType: Exact, backend: {service: {name: b, port: {number: 80}}}}
                - {path: /impl, pathType: ImplementationSpecific, backend: {service: {name: c, port: {number: 80}}}}
                - {path: /slash/, pathType: Prefix, backend: {service: {name: d, port: {number: 80}}}}
            - host: prec.example.com
              http:
                paths:
                - {path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
                - {path: /api, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}
                - {path: /api/v1, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}
            """) + ingress("newer-exact", "2024-02-01T00:00:00Z", """
            ingressClassName: vnet
            rules:
            - host: prec.example.com
              http:
                paths:
                - {path: /api/v1, pathType: Exact, backend: {service: {name: d, port: {number: 80}}}}
                - {path: /api, pathType: Prefix, backend: {service: {name: d, port: {number: 80}}}}
            """);

    /** Hosts: exact over wildcard (one label) over no host. */
    static final String HOSTS = CLASSES + SERVICES + ingress("hosts", "2024-01-01T00:00:00Z", """
            ingressClassName: vnet
            rules:
            - host: foo.bar.com
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]
            - host: "*.bar.com"
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}]
            - http:
                paths: [{path: /any, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}]
            """);

    /** Backends: a port by name, no ready endpoints, a missing Service or port; default backends. */
    static final String BACKENDS = CLASSES + SERVICES + ingress("backends", "2024-01-01T00:00:00Z", """
            ingressClassName: vnet
            defaultBackend: {service: {name: def, port: {number: 80}}}
            rules:
            - host: be.example.com
              http:
                paths:
                - {path: /named, pathType: Prefix, backend: {service: {name: named, port: {name: http}}}}
                - {path: /empty, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
                - {path: /missing, pathType: Prefix, backend: {service: {name: nosuch, port: {number: 80}}}}
                - {path: /badport, pathType: Prefix, backend: {service: {name: named, port: {name: grpc}}}}
            """) + ingress("catch-all", "2024-01-02T00:00:00Z", """
            ingressClassName: vnet
            defaultBackend: {service: {name: a, port: {number: 80}}}
            """);

    /** Which Ingresses are ours: by class name, the legacy annotation, the default class. */
    static final String CLASS_SELECTION = CLASSES + SERVICES + """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata:
              name: vnet-default
              annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
            spec: {controller: vnet.dev/ingress-controller}
            ---
            """ + ingress("theirs", "2024-01-01T00:00:00Z", """
            ingressClassName: other
            rules:
            - host: theirs.example.com
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]
            """) + ingress("no-class", "2024-01-01T00:00:00Z", """
            rules:
            - host: default-class.example.com
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}]
            """) + ingress("unknown-class", "2024-01-01T00:00:00Z", """
            ingressClassName: nosuch
            rules:
            - host: unknown.example.com
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}]
            """);

    record Row(String scenario, String yaml, String request, String expected) {
        @Override
        public String toString() {
            return scenario + ": " + request + " → " + expected;
        }
    }

    private static final List<Row> ROWS = new ArrayList<>();

    /** Rows of "request | expected decision" for one scenario. */
    private static void table(String scenario, String yaml, String rows) {
        for (String line : rows.strip().split("\n")) {
            String[] cols = line.split("\\|");
            ROWS.add(new Row(scenario, yaml, cols[0].strip(), cols[1].strip()));
        }
    }

    static {
        table("path types", PATHS, """
                http://paths.example.com/foo         | forward default/a:80 [10.244.1.1:8080]
                http://paths.example.com/foo/        | forward default/a:80 [10.244.1.1:8080]
                http://paths.example.com/foo/bar     | forward default/a:80 [10.244.1.1:8080]
                http://paths.example.com/foobar      | respond 404
                http://paths.example.com/exact       | forward default/b:80 [10.244.1.2:8080]
                http://paths.example.com/exact/      | respond 404
                http://paths.example.com/exact/x     | respond 404
                http://paths.example.com/impl        | forward default/c:80 [10.244.1.3:8080]
                http://paths.example.com/impl/x      | forward default/c:80 [10.244.1.3:8080]
                http://paths.example.com/implx       | respond 404
                http://paths.example.com/slash       | forward default/d:80 [10.244.1.4:8080]
                http://paths.example.com/slash/x     | forward default/d:80 [10.244.1.4:8080]
                http://paths.example.com/slashx      | respond 404
                http://paths.example.com/            | respond 404
                """);
        table("precedence", PATHS, """
                http://prec.example.com/             | forward default/a:80 [10.244.1.1:8080]
                http://prec.example.com/x            | forward default/a:80 [10.244.1.1:8080]
                http://prec.example.com/api          | forward default/b:80 [10.244.1.2:8080]
                http://prec.example.com/api/x        | forward default/b:80 [10.244.1.2:8080]
                http://prec.example.com/api/v1       | forward default/d:80 [10.244.1.4:8080]
                http://prec.example.com/api/v1/x     | forward default/c:80 [10.244.1.3:8080]
                http://prec.example.com/apiv1        | forward default/a:80 [10.244.1.1:8080]
                """);
        table("hosts", HOSTS, """
                http://foo.bar.com/                  | forward default/a:80 [10.244.1.1:8080]
                http://FOO.bar.com/x                 | forward default/a:80 [10.244.1.1:8080]
                http://baz.bar.com/                  | forward default/b:80 [10.244.1.2:8080]
                http://a.b.bar.com/any               | forward default/c:80 [10.244.1.3:8080]
                http://a.b.bar.com/                  | respond 404
                http://bar.com/any                   | forward default/c:80 [10.244.1.3:8080]
                http://other.example/any/x           | forward default/c:80 [10.244.1.3:8080]
                http://foo.bar.com:8080/             | respond 404
                https://baz.bar.com/                 | forward default/b:80 [10.244.1.2:8080]
                http://foo.bar.com/any               | forward default/a:80 [10.244.1.1:8080]
                """);
        table("backends", BACKENDS, """
                http://be.example.com/named          | forward default/named:http [10.244.2.1:8080, 10.244.2.3:8080]
                http://be.example.com/empty          | respond 503
                http://be.example.com/missing        | respond 503
                http://be.example.com/badport        | respond 503
                http://be.example.com/elsewhere      | forward default/def:80 [10.244.9.9:8080]
                http://other.example.com/            | forward default/a:80 [10.244.1.1:8080]
                """);
        table("class selection", CLASS_SELECTION, """
                http://theirs.example.com/           | respond 404
                http://default-class.example.com/    | forward default/b:80 [10.244.1.2:8080]
                http://unknown.example.com/          | respond 404
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
    void sameHostAndPathInTwoIngressesGoesToTheOldest() {
        String yaml = CLASSES + SERVICES;
        String rule = """
                ingressClassName: vnet
                rules:
                - host: same.example.com
                  http:
                    paths: [{path: /same, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}]
                """;
        // Listed newest first: the order in the list must not matter, creationTimestamp does.
        yaml += ingress("newer", "2024-03-01T00:00:00Z", rule.formatted("b"))
                + ingress("older", "2024-01-01T00:00:00Z", rule.formatted("a"));
        Action a = Manifests.compile(yaml).table().route(Requests.parse("http://same.example.com/same"));
        assertEquals("forward default/a:80 [10.244.1.1:8080]", Requests.describe(a));
        assertEquals("ingress default/older host same.example.com path /same (Prefix) → service a:80", a.decidedBy());
    }

    @Test
    void noClassIsIgnoredWithoutADefaultClass() {
        String yaml = CLASSES + SERVICES + ingress("no-class", "2024-01-01T00:00:00Z", """
                rules:
                - http:
                    paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]
                """);
        Compiled c = Manifests.compile(yaml);
        assertEquals("respond 404", Requests.describe(c.table().route(Requests.parse("http://x/"))));
        assertTrue(c.statuses().isEmpty());
    }

    @Test
    void legacyClassAnnotationIsHonoured() {
        String yaml = CLASSES + SERVICES + """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: legacy
                  namespace: default
                  annotations: {kubernetes.io/ingress.class: vnet}
                spec:
                  rules:
                  - http:
                      paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]
                """;
        assertEquals("forward default/a:80 [10.244.1.1:8080]",
                Requests.describe(Manifests.compile(yaml).table().route(Requests.parse("http://x/"))));
    }

    @Test
    void decidedByNamesIngressHostPathAndService() {
        Compiled c = Manifests.compile(BACKENDS);
        assertEquals("ingress default/backends host be.example.com path /named (Prefix) → service named:http",
                c.table().route(Requests.parse("http://be.example.com/named")).decidedBy());
        assertEquals("ingress default/backends default backend → service def:80",
                c.table().route(Requests.parse("http://be.example.com/zzz")).decidedBy());
        Action.Respond r = (Action.Respond) c.table().route(Requests.parse("http://be.example.com/missing"));
        assertEquals("service default/nosuch not found", r.reason());
        assertEquals("no ready endpoints for service default/empty:80",
                ((Action.Respond) c.table().route(Requests.parse("http://be.example.com/empty"))).reason());
        assertEquals("default backend - 404", ((Action.Respond) Manifests.compile(HOSTS).table()
                .route(Requests.parse("http://a.b.bar.com/"))).reason());
        assertTrue(c.warnings().contains("ingress default/backends host be.example.com path /missing (Prefix): "
                + "service default/nosuch not found"), c.warnings().toString());
        assertTrue(c.warnings().contains("ingress default/backends host be.example.com path /badport (Prefix): "
                + "service default/named has no port named grpc"), c.warnings().toString());
    }

    @Test
    void statusCarriesTheControllerAddresses() {
        Compiled c = Manifests.compile(CLASS_SELECTION, "192.168.49.10", "192.168.49.11");
        var key = new ObjectKey("Ingress", "default", "no-class");
        var status = (io.fabric8.kubernetes.api.model.networking.v1.IngressStatus) c.statuses().get(key);
        assertEquals(List.of("192.168.49.10", "192.168.49.11"),
                status.getLoadBalancer().getIngress().stream().map(i -> i.getIp()).toList());
        assertEquals(List.of(key), List.copyOf(c.statuses().keySet()), "only our Ingresses get a status");
        Compiled none = Manifests.compile(CLASS_SELECTION);
        assertEquals(List.of(), ((io.fabric8.kubernetes.api.model.networking.v1.IngressStatus) none.statuses().get(key))
                .getLoadBalancer().getIngress());
    }

    @Test
    void listensOnHttpAndHttps() {
        assertEquals(java.util.Set.of(new RouteTable.Listener(80, false), new RouteTable.Listener(443, true)),
                Manifests.compile(HOSTS).table().listeners());
    }
}
