package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * gateway.networking.k8s.io/v1 HTTPRoutes: rules (matches on path, method, headers and query, filters, weighted
 * backends) attached to the listeners of parent Gateways. The Gateway controller writes, per parent, whether it
 * accepted the route and resolved its references, and why not (an apply keeps that status). Validation follows
 * the CRD's schema and rules; describe shows the spec, then each parent's conditions.
 */
public final class HTTPRouteKind {
    public static final String EXACT = "Exact";
    public static final String PATH_PREFIX = "PathPrefix";
    public static final String REGULAR_EXPRESSION = "RegularExpression";
    public static final List<String> PATH_TYPES = List.of(EXACT, PATH_PREFIX, REGULAR_EXPRESSION);
    public static final List<String> METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
    public static final List<String> FILTERS = List.of("RequestHeaderModifier", "ResponseHeaderModifier",
            "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef", "CORS", "ExternalAuth");
    public static final int MAX_WEIGHT = 1_000_000;

    public static final Kind<HTTPRoute> KIND = Kind.of(HTTPRoute.class)
            .validation(HTTPRouteKind::validate)
            .actsOn("spec.parentRefs", "spec.hostnames", "spec.rules[].name", "spec.rules[].matches",
                    "spec.rules[].filters", "spec.rules[].backendRefs", "status")
            .statusWrittenBy("the Gateway controller")
            .column(Column.of("NAME", r -> r.getMetadata().getName()))
            .column(Column.of("HOSTNAMES", HTTPRouteKind::hostnamesCell))
            .column(Column.of("AGE", (r, ctx) -> Ages.of(r, ctx.now()), false))
            .describer(HTTPRouteKind::describe)
            .build();

    private HTTPRouteKind() {
    }

    private static HTTPRouteSpec spec(HTTPRoute r) {
        return r.getSpec() == null ? new HTTPRouteSpec() : r.getSpec();
    }

    /** The per-parent status the controller wrote (never null). */
    public static List<RouteParentStatus> parents(HTTPRoute r) {
        return r.getStatus() == null ? List.of() : r.getStatus().getParents();
    }

    /** spec.hostnames as the CRD's column prints a list: ["a.example.com","b.example.com"], or "". */
    static String hostnamesCell(HTTPRoute r) {
        List<String> h = spec(r).getHostnames();
        return h.isEmpty() ? "" : Json.MAPPER.writeValueAsString(h);
    }

    // ---- validation ----

    static void validate(HTTPRoute route) throws InvalidManifestException {
        Names.validateMetadata(route);
        String what = Names.what(route);
        HTTPRouteSpec spec = spec(route);
        limit(what, "spec.parentRefs", spec.getParentRefs().size(), 32);
        for (int i = 0; i < spec.getParentRefs().size(); i++) {
            ParentReference p = spec.getParentRefs().get(i);
            String f = "spec.parentRefs[" + i + "]";
            if (p.getName() == null || p.getName().isEmpty()) {
                Names.check(what, f + ".name", "Required value: the parent Gateway's name");
            }
            if (p.getSectionName() != null) {
                Names.check(what, f + ".sectionName", GatewayApi.sectionName(p.getSectionName()));
            }
            Names.check(what, f + ".port", GatewayApi.port(p.getPort(), false));
        }
        limit(what, "spec.hostnames", spec.getHostnames().size(), 16);
        for (int i = 0; i < spec.getHostnames().size(); i++) {
            Names.check(what, "spec.hostnames[" + i + "]", IngressKind.hostProblem(spec.getHostnames().get(i)));
        }
        limit(what, "spec.rules", spec.getRules().size(), 16);
        for (int i = 0; i < spec.getRules().size(); i++) {
            rule(what, "spec.rules[" + i + "]", spec.getRules().get(i));
        }
    }

    private static void limit(String what, String field, int n, int max) throws InvalidManifestException {
        if (n > max) {
            Names.check(what, field, "Too many: " + n + ": must have at most " + max + " items");
        }
    }

    private static void rule(String what, String f, HTTPRouteRule rule) throws InvalidManifestException {
        if (rule.getName() != null) {
            Names.check(what, f + ".name", GatewayApi.sectionName(rule.getName()));
        }
        limit(what, f + ".matches", rule.getMatches().size(), 64);
        for (int j = 0; j < rule.getMatches().size(); j++) {
            match(what, f + ".matches[" + j + "]", rule.getMatches().get(j));
        }
        limit(what, f + ".filters", rule.getFilters().size(), 16);
        for (int j = 0; j < rule.getFilters().size(); j++) {
            filter(what, f + ".filters[" + j + "]", rule.getFilters().get(j));
        }
        limit(what, f + ".backendRefs", rule.getBackendRefs().size(), 16);
        for (int j = 0; j < rule.getBackendRefs().size(); j++) {
            HTTPBackendRef b = rule.getBackendRefs().get(j);
            String bf = f + ".backendRefs[" + j + "]";
            if (b.getName() == null || b.getName().isEmpty()) {
                Names.check(what, bf + ".name", "Required value: the backend's name (a Service)");
            }
            boolean service = (b.getGroup() == null || b.getGroup().isEmpty())
                    && (b.getKind() == null || b.getKind().equals("Service"));
            Names.check(what, bf + ".port", GatewayApi.port(b.getPort(), service));
            if (b.getWeight() != null && (b.getWeight() < 0 || b.getWeight() > MAX_WEIGHT)) {
                Names.check(what, bf + ".weight", "Invalid value: " + b.getWeight() + ": must be between 0 and "
                        + MAX_WEIGHT);
            }
            for (int k = 0; k < b.getFilters().size(); k++) {
                filter(what, bf + ".filters[" + k + "]", b.getFilters().get(k));
            }
        }
    }

    private static void match(String what, String f, HTTPRouteMatch m) throws InvalidManifestException {
        HTTPPathMatch path = m.getPath();
        if (path != null) {
            String type = path.getType() == null ? PATH_PREFIX : path.getType();
            if (!PATH_TYPES.contains(type)) {
                Names.check(what, f + ".path.type", "Unsupported value: \"" + Manifests.clean(type)
                        + "\": supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\"");
            }
            String value = path.getValue() == null ? "/" : path.getValue();
            if (value.length() > 1024) {
                Names.check(what, f + ".path.value", "Too long: may not be more than 1024 characters");
            }
            if (!type.equals(REGULAR_EXPRESSION)) {
                if (!value.startsWith("/")) {
                    Names.check(what, f + ".path.value", "Invalid value: \"" + Manifests.clean(value)
                            + "\": must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']");
                }
                for (String bad : List.of("//", "/./", "/../", "%2f", "%2F", "#")) {
                    if (value.contains(bad)) {
                        Names.check(what, f + ".path.value", "Invalid value: \"" + Manifests.clean(value)
                                + "\": must not contain '" + bad + "' when type one of ['Exact', 'PathPrefix']");
                    }
                }
                if (value.endsWith("/..") || value.endsWith("/.")) {
                    Names.check(what, f + ".path.value", "Invalid value: \"" + Manifests.clean(value)
                            + "\": must not end with '/..' or '/.' when type one of ['Exact', 'PathPrefix']");
                }
            }
        }
        if (m.getMethod() != null && !METHODS.contains(m.getMethod())) {
            Names.check(what, f + ".method", "Unsupported value: \"" + Manifests.clean(m.getMethod())
                    + "\": supported values: " + String.join(", ", METHODS));
        }
        for (int k = 0; k < m.getHeaders().size(); k++) {
            HTTPHeaderMatch h = m.getHeaders().get(k);
            named(what, f + ".headers[" + k + "]", h.getName(), h.getType());
        }
        for (int k = 0; k < m.getQueryParams().size(); k++) {
            HTTPQueryParamMatch q = m.getQueryParams().get(k);
            named(what, f + ".queryParams[" + k + "]", q.getName(), q.getType());
        }
    }

    private static void named(String what, String f, String name, String type) throws InvalidManifestException {
        if (name == null || name.isEmpty()) {
            Names.check(what, f + ".name", "Required value");
        }
        if (type != null && !type.equals(EXACT) && !type.equals(REGULAR_EXPRESSION)) {
            Names.check(what, f + ".type", "Unsupported value: \"" + Manifests.clean(type)
                    + "\": supported values: \"Exact\", \"RegularExpression\"");
        }
    }

    private static void filter(String what, String f, HTTPRouteFilter filter) throws InvalidManifestException {
        if (filter.getType() == null || filter.getType().isEmpty()) {
            Names.check(what, f + ".type", "Required value: one of " + String.join(", ", FILTERS));
        }
        if (!FILTERS.contains(filter.getType())) {
            Names.check(what, f + ".type", "Unsupported value: \"" + Manifests.clean(filter.getType())
                    + "\": supported values: " + String.join(", ", FILTERS));
        }
    }

    // ---- describe ----

    private static Description describe(HTTPRoute route, DescribeContext ctx) {
        HTTPRouteSpec spec = spec(route);
        String ns = route.getMetadata().getNamespace();
        Description d = Description.head(route).field("Hostnames:", spec.getHostnames().isEmpty()
                ? "<none> (every hostname of the listeners)" : String.join(", ", spec.getHostnames()));
        d.line("Parent Refs:");
        if (spec.getParentRefs().isEmpty()) {
            d.line("  <none> (attached to no Gateway)");
        }
        spec.getParentRefs().forEach(p -> d.line("  " + GatewayApi.parent(p, ns)));
        d.line("Rules:");
        if (spec.getRules().isEmpty()) {
            d.line("  <none> (PathPrefix / to no backend)");
        }
        for (int i = 0; i < spec.getRules().size(); i++) {
            HTTPRouteRule rule = spec.getRules().get(i);
            d.line("  - " + (rule.getName() == null ? "Rule " + i : rule.getName()) + ":");
            List<String> matches = rule.getMatches().stream().map(HTTPRouteKind::match).toList();
            d.field("      Matches:", matches.isEmpty() ? "PathPrefix /" : String.join("; ", matches));
            if (!rule.getFilters().isEmpty()) {
                d.field("      Filters:", String.join(", ", rule.getFilters().stream().map(HTTPRouteFilter::getType).toList()));
            }
            if (rule.getBackendRefs().isEmpty()) {
                d.field("      Backends:", "<none>");
            }
            boolean first = true;
            for (HTTPBackendRef b : rule.getBackendRefs()) {
                d.field(first ? "      Backends:" : "", backend(b, ns, ctx));
                first = false;
            }
        }
        d.line("Status:");
        d.line("  Parents:");
        if (parents(route).isEmpty()) {
            d.line("    <none> (no Gateway controller has written its status yet)");
        }
        for (RouteParentStatus p : parents(route)) {
            d.line("    " + (p.getParentRef() == null ? "?" : GatewayApi.parent(p.getParentRef(), ns))
                    + (p.getControllerName() == null ? "" : " (controller " + p.getControllerName() + ")") + ":");
            GatewayApi.conditions(d, "      ", p.getConditions());
        }
        return d.field("Events:", "<none>");
    }

    private static String match(HTTPRouteMatch m) {
        List<String> parts = new ArrayList<>();
        HTTPPathMatch p = m.getPath();
        parts.add((p == null || p.getType() == null ? PATH_PREFIX : p.getType()) + " "
                + (p == null || p.getValue() == null ? "/" : p.getValue()));
        if (m.getMethod() != null) {
            parts.add(m.getMethod());
        }
        for (HTTPHeaderMatch h : m.getHeaders()) {
            parts.add("header " + h.getName() + (REGULAR_EXPRESSION.equals(h.getType()) ? " ~ " : "=") + h.getValue());
        }
        for (HTTPQueryParamMatch q : m.getQueryParams()) {
            parts.add("query " + q.getName() + (REGULAR_EXPRESSION.equals(q.getType()) ? " ~ " : "=") + q.getValue());
        }
        return String.join(" ", parts);
    }

    /** web:80 weight 1 (10.244.1.3:8080), or KIND NAME for a backend that is not a Service. */
    private static String backend(HTTPBackendRef b, String ns, DescribeContext ctx) {
        String refNs = b.getNamespace() == null ? ns : b.getNamespace();
        String weight = " weight " + (b.getWeight() == null ? 1 : b.getWeight());
        boolean service = (b.getGroup() == null || b.getGroup().isEmpty())
                && (b.getKind() == null || b.getKind().equals("Service"));
        if (!service) {
            return (b.getGroup() == null || b.getGroup().isEmpty() ? "" : b.getGroup() + "/") + b.getKind() + " "
                    + refNs + "/" + b.getName() + weight;
        }
        String name = refNs.equals(ns) ? b.getName() : refNs + "/" + b.getName();
        return name + ":" + b.getPort() + weight + " " + GatewayApi.endpoints(refNs, b.getName(), b.getPort(), null, ctx);
    }
}
