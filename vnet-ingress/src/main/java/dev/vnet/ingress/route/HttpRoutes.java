package dev.vnet.ingress.route;

import dev.vnet.ingress.route.Action.Backend;
import dev.vnet.ingress.route.Action.Forward;
import dev.vnet.ingress.route.Action.HeaderChanges;
import dev.vnet.ingress.route.Action.Respond;
import dev.vnet.ingress.route.GatewayListeners.Slot;
import dev.vnet.ingress.route.GatewayRules.Entry;
import dev.vnet.ingress.route.GatewayRules.Match;
import dev.vnet.ingress.route.GatewayRules.ValueMatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * HTTPRoutes attached to our Gateways' listeners, compiled into {@link GatewayRules} entries, with their status.
 *
 * <p>Attachment, per parentRef to a Gateway of ours: the listeners named by sectionName and port (none:
 * Accepted=False NoMatchingParent); of those, the ones whose allowedRoutes admit HTTPRoutes from the route's
 * namespace (from Same, the default, or All; a namespace Selector cannot be evaluated here, as the view has no
 * Namespaces, and admits nothing: NotAllowedByListeners); of those, the ones whose hostname intersects the route's
 * hostnames (NoMatchingListenerHostname). parentRefs to other Gateways get no status from us.
 *
 * <p>backendRefs: Services of the route's namespace (no ReferenceGrants: another namespace is RefNotPermitted;
 * another kind InvalidKind; a missing Service or port BackendNotFound). The share of traffic, by weight, that an
 * invalid ref would get is answered 500, as the conformance suite expects; weight 0 gets none.
 */
final class HttpRoutes {
    private HttpRoutes() {}

    /** Compiles the routes; attaches them to {@code listeners} and writes their statuses. */
    static List<Entry> compile(List<HTTPRoute> routes, GatewayListeners listeners, Services services,
                               String controller, List<String> warnings, Map<ObjectKey, Object> statuses) {
        List<HTTPRoute> sorted = new ArrayList<>(routes);
        sorted.sort(Age.OLDEST_FIRST);
        List<Entry> entries = new ArrayList<>();
        for (int rank = 0; rank < sorted.size(); rank++) {
            HTTPRoute route = sorted.get(rank);
            if (route.getSpec() == null || route.getSpec().getParentRefs() == null) {
                continue;
            }
            Long gen = Conditions.generation(route);
            List<String> refProblems = new ArrayList<>(); // "Reason: message"
            List<CompiledRule> rules = rules(route, services, refProblems, warnings);
            Condition resolved = refProblems.isEmpty()
                    ? Conditions.of("ResolvedRefs", true, "ResolvedRefs", "all references resolved", gen)
                    : Conditions.of("ResolvedRefs", false, reasonOf(refProblems.get(0)),
                    String.join("; ", refProblems.stream().map(HttpRoutes::messageOf).toList()), gen);
            var status = new HTTPRouteStatusBuilder();
            boolean any = false;
            for (ParentReference ref : route.getSpec().getParentRefs()) {
                Condition accepted = attach(route, rank, ref, listeners, rules, entries, gen);
                if (accepted != null) {
                    any = true;
                    status.addToParents(new RouteParentStatusBuilder().withParentRef(ref).withControllerName(controller)
                            .withConditions(accepted, resolved).build());
                }
            }
            if (any) {
                statuses.put(ObjectKey.of(route), status.build());
            }
        }
        return entries;
    }

    /** A rule's matches and what it does (the same on every listener). */
    private record CompiledRule(int index, List<Match> matches, GatewayRules.Target target) {}

    /** The route's Accepted condition for {@code ref}, or null when the parent is not a Gateway of ours. */
    private static Condition attach(HTTPRoute route, int rank, ParentReference ref, GatewayListeners listeners,
                                    List<CompiledRule> rules, List<Entry> entries, Long gen) {
        String group = ref.getGroup() == null ? GatewayListeners.GROUP : ref.getGroup();
        String kind = ref.getKind() == null ? "Gateway" : ref.getKind();
        if (!group.equals(GatewayListeners.GROUP) || !kind.equals("Gateway")) {
            return null;
        }
        String routeNs = route.getMetadata().getNamespace();
        String gwNs = ref.getNamespace() == null ? routeNs : ref.getNamespace();
        List<Slot> slots = listeners.listeners(gwNs, ref.getName());
        if (slots == null) {
            return null;
        }
        List<Slot> candidates = new ArrayList<>();
        for (Slot s : slots) {
            if ((ref.getSectionName() == null || ref.getSectionName().equals(s.name()))
                    && (ref.getPort() == null || ref.getPort() == s.port())) {
                candidates.add(s);
            }
        }
        if (candidates.isEmpty()) {
            return Conditions.of("Accepted", false, "NoMatchingParent", "gateway " + gwNs + "/" + ref.getName()
                    + " has no listener" + (ref.getSectionName() != null ? " named " + ref.getSectionName() : "")
                    + (ref.getPort() != null ? " on port " + ref.getPort() : ""), gen);
        }
        List<Slot> allowed = candidates.stream().filter(s -> s.acceptsHttpRoute() && admits(s, routeNs)).toList();
        if (allowed.isEmpty()) {
            return Conditions.of("Accepted", false, "NotAllowedByListeners", "no listener of gateway " + gwNs + "/"
                    + ref.getName() + " admits HTTPRoutes from namespace " + routeNs, gen);
        }
        List<String> routeHosts = route.getSpec().getHostnames() == null ? List.of()
                : route.getSpec().getHostnames().stream().map(Hostnames::normalize).toList();
        boolean attached = false;
        for (Slot s : allowed) {
            List<String> effective = new ArrayList<>();
            if (routeHosts.isEmpty()) {
                effective.add(s.hostname);
            }
            for (String h : routeHosts) {
                String i = Hostnames.intersect(s.hostname, h);
                if (i != null && !effective.contains(i)) {
                    effective.add(i);
                }
            }
            if (effective.isEmpty()) {
                continue;
            }
            attached = true;
            s.attached.add(ObjectKey.of(route));
            if (!s.programmed) {
                continue;
            }
            for (CompiledRule rule : rules) {
                for (int m = 0; m < rule.matches().size(); m++) {
                    Match match = rule.matches().get(m);
                    for (String host : effective) {
                        String by = "httproute " + Age.name(route) + " rule " + rule.index() + " match " + m + " ("
                                + s.id() + ") host " + (host == null ? "*" : host) + " " + match.describe();
                        entries.add(new Entry(s.port(), host, match, retarget(rule.target(), by), rank, rule.index(), m));
                    }
                }
            }
        }
        if (!attached) {
            return Conditions.of("Accepted", false, "NoMatchingListenerHostname", "no hostname of the route "
                    + routeHosts + " intersects a listener hostname of gateway " + gwNs + "/" + ref.getName(), gen);
        }
        return Conditions.of("Accepted", true, "Accepted", "attached to gateway " + gwNs + "/" + ref.getName(), gen);
    }

    private static boolean admits(Slot s, String routeNs) {
        var ar = s.listener.getAllowedRoutes();
        String from = ar == null || ar.getNamespaces() == null || ar.getNamespaces().getFrom() == null ? "Same"
                : ar.getNamespaces().getFrom();
        return switch (from) {
            case "All" -> true;
            case "Same" -> routeNs.equals(s.gateway.getMetadata().getNamespace());
            default -> false;
        };
    }

    /** The rule's target with the decidedBy text of one entry (the rule's own text follows the entry's). */
    private static GatewayRules.Target retarget(GatewayRules.Target t, String by) {
        if (t instanceof GatewayRules.RedirectTo r) {
            return new GatewayRules.RedirectTo(by, r.filter());
        }
        Action a = ((GatewayRules.Fixed) t).action();
        if (a instanceof Forward f) {
            return new GatewayRules.Fixed(new Forward(by + f.decidedBy(), f.backends(), f.headers()));
        }
        Respond r = (Respond) a;
        return new GatewayRules.Fixed(new Respond(by + r.decidedBy(), r.status(), r.reason()));
    }

    private static List<CompiledRule> rules(HTTPRoute route, Services services, List<String> refProblems,
                                            List<String> warnings) {
        List<HTTPRouteRule> rules = route.getSpec().getRules() == null ? List.of() : route.getSpec().getRules();
        List<CompiledRule> out = new ArrayList<>();
        if (rules.isEmpty()) {
            // A route without rules matches every path and has no backend: 500, as for a rule with no backendRefs.
            out.add(new CompiledRule(0, List.of(defaultMatch()), new GatewayRules.Fixed(
                    new Respond(" → no rules", 500, "route has no rules"))));
            return out;
        }
        String id = "httproute " + Age.name(route);
        for (int i = 0; i < rules.size(); i++) {
            HTTPRouteRule rule = rules.get(i);
            List<Match> matches = new ArrayList<>();
            for (HTTPRouteMatch m : rule.getMatches() == null || rule.getMatches().isEmpty()
                    ? List.<HTTPRouteMatch>of(new HTTPRouteMatch()) : rule.getMatches()) {
                try {
                    matches.add(match(m));
                } catch (PatternSyntaxException e) {
                    warnings.add(id + " rule " + i + ": bad regular expression " + e.getPattern()
                            + ", the match is skipped");
                }
            }
            out.add(new CompiledRule(i, matches, target(route, rule, services, refProblems, warnings, id + " rule " + i)));
        }
        return out;
    }

    private static Match defaultMatch() {
        return new Match("PathPrefix", "/", null, null, List.of(), List.of());
    }

    private static Match match(HTTPRouteMatch m) {
        String type = m.getPath() == null || m.getPath().getType() == null ? "PathPrefix" : m.getPath().getType();
        String value = m.getPath() == null || m.getPath().getValue() == null ? "/" : m.getPath().getValue();
        Pattern regex = type.equals("RegularExpression") ? Pattern.compile(value) : null;
        List<ValueMatch> headers = new ArrayList<>();
        for (var h : m.getHeaders() == null ? List.<io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch>of()
                : m.getHeaders()) {
            boolean re = "RegularExpression".equals(h.getType());
            headers.add(new ValueMatch(h.getName().toLowerCase(Locale.ROOT), h.getValue(),
                    re ? Pattern.compile(h.getValue()) : null));
        }
        List<ValueMatch> query = new ArrayList<>();
        for (var q : m.getQueryParams() == null
                ? List.<io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch>of() : m.getQueryParams()) {
            boolean re = "RegularExpression".equals(q.getType());
            query.add(new ValueMatch(q.getName(), q.getValue(), re ? Pattern.compile(q.getValue()) : null));
        }
        return new Match(type, value, regex, m.getMethod(), headers, query);
    }

    private static GatewayRules.Target target(HTTPRoute route, HTTPRouteRule rule, Services services,
                                              List<String> refProblems, List<String> warnings, String id) {
        HeaderChanges headers = HeaderChanges.NONE;
        for (HTTPRouteFilter f : rule.getFilters() == null ? List.<HTTPRouteFilter>of() : rule.getFilters()) {
            switch (String.valueOf(f.getType())) {
                case "RequestRedirect" -> {
                    return new GatewayRules.RedirectTo("", f.getRequestRedirect());
                }
                case "RequestHeaderModifier" -> headers = headerChanges(f.getRequestHeaderModifier());
                default -> {
                    // Skipping a filter would serve what the route forbids; the spec asks for an error instead.
                    warnings.add(id + ": filter " + f.getType() + " is not supported; the rule answers 500");
                    return new GatewayRules.Fixed(new Respond(" → filter " + f.getType() + " not supported", 500,
                            "filter " + f.getType() + " is not supported"));
                }
            }
        }
        String ns = route.getMetadata().getNamespace();
        List<Backend> backends = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (HTTPBackendRef ref : rule.getBackendRefs() == null ? List.<HTTPBackendRef>of() : rule.getBackendRefs()) {
            int weight = ref.getWeight() == null ? 1 : ref.getWeight();
            String problem = backendProblem(ns, ref, services);
            String name = ref.getName() + ":" + ref.getPort();
            if (problem != null) {
                refProblems.add(problem);
                if (weight > 0) {
                    backends.add(new Backend(name, weight, List.of(), 500));
                    shown.add("invalid " + name + " weight " + weight + " (500)");
                }
                continue;
            }
            if (ref.getFilters() != null && !ref.getFilters().isEmpty()) {
                warnings.add(id + ": backendRef " + name + " filters are not supported and are ignored");
            }
            if (weight > 0) {
                Services.Resolved r = services.resolve(ns, ref.getName(), ref.getPort(), null);
                backends.add(new Backend(r.service(), weight, r.endpoints(), 503));
                shown.add("service " + name + " weight " + weight);
            }
        }
        if (backends.isEmpty()) {
            return new GatewayRules.Fixed(new Respond(" → no backend with weight > 0", 500,
                    "no backendRef with a weight above 0"));
        }
        if (backends.stream().allMatch(b -> b.failStatus() == 500)) {
            return new GatewayRules.Fixed(new Respond(" → " + String.join(", ", shown), 500,
                    "no backendRef can be resolved"));
        }
        return new GatewayRules.Fixed(new Forward(" → " + String.join(", ", shown), backends, headers));
    }

    /** "Reason: message" when the backendRef cannot be used, else null. */
    private static String backendProblem(String ns, HTTPBackendRef ref, Services services) {
        String group = ref.getGroup() == null ? "" : ref.getGroup();
        String kind = ref.getKind() == null ? "Service" : ref.getKind();
        if (!group.isEmpty() || !kind.equals("Service")) {
            return "InvalidKind: backendRef " + ref.getName() + " is a " + (group.isEmpty() ? "" : group + "/") + kind
                    + ", only Services are supported";
        }
        if (ref.getNamespace() != null && !ref.getNamespace().equals(ns)) {
            return "RefNotPermitted: backendRef " + ref.getNamespace() + "/" + ref.getName()
                    + " is in another namespace; vnet does not read ReferenceGrants";
        }
        if (ref.getPort() == null) {
            return "BackendNotFound: backendRef " + ref.getName() + " needs a port";
        }
        Services.Resolved r = services.resolve(ns, ref.getName(), ref.getPort(), null);
        return r.ok() ? null : "BackendNotFound: " + r.error();
    }

    private static HeaderChanges headerChanges(HTTPHeaderFilter f) {
        if (f == null) {
            return HeaderChanges.NONE;
        }
        Map<String, String> set = new LinkedHashMap<>();
        Map<String, String> add = new LinkedHashMap<>();
        for (HTTPHeader h : f.getSet() == null ? List.<HTTPHeader>of() : f.getSet()) {
            set.put(h.getName(), h.getValue());
        }
        for (HTTPHeader h : f.getAdd() == null ? List.<HTTPHeader>of() : f.getAdd()) {
            add.put(h.getName(), h.getValue());
        }
        return new HeaderChanges(set, add, f.getRemove() == null ? List.of() : f.getRemove());
    }

    private static String reasonOf(String problem) {
        return problem.substring(0, problem.indexOf(':'));
    }

    private static String messageOf(String problem) {
        return problem.substring(problem.indexOf(':') + 2);
    }
}
