package dev.vnet.ingress.route;

import dev.vnet.ingress.route.Action.Backend;
import dev.vnet.ingress.route.Action.Forward;
import dev.vnet.ingress.route.Action.HeaderChanges;
import dev.vnet.ingress.route.Action.Redirect;
import dev.vnet.ingress.route.Action.Respond;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Ingress half of the route table, laid out as ingress-nginx lays out its servers. All our Ingresses are
 * merged by host into groups: one per exact host, one per wildcard ("*.example.com", one label), and one for rules
 * without host. A request picks one group (exact host, else wildcard, else hostless: the group is chosen by host
 * alone, as nginx picks a server, and an exact-host group does not fall through to hostless rules). Inside it
 * the longest matching path wins, Exact before Prefix at equal length (a Prefix's trailing "/" does not count),
 * then the oldest Ingress, then the order written. No path → the defaultBackend of the oldest Ingress that has the
 * host, else that of the oldest Ingress without host rules (the catch-all), else the Gateway side or 404.
 * Plain HTTP to a host named in some spec.tls[].hosts is redirected to HTTPS with 308 (ssl-redirect).
 */
final class IngressRules {
    static final String CLASS_ANNOTATION = "kubernetes.io/ingress.class";
    static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

    /** One path of one rule; {@code pathType} as written (ImplementationSpecific behaves as Prefix). */
    record PathRule(String host, String path, String pathType, Action action) {
        boolean exact() {
            return "Exact".equals(pathType);
        }

        boolean matches(String requestPath) {
            return exact() ? path.equals(requestPath) : Paths.prefixMatches(path, requestPath);
        }

        int length() {
            return exact() ? path.length() : Paths.trimSlash(path).length();
        }
    }

    /** The merged rules of one host (or wildcard, or no host), best first, and the default backend they use. */
    private static final class Group {
        final List<PathRule> rules = new ArrayList<>();
        Action defaultBackend;
    }

    static final Comparator<PathRule> PRECEDENCE = Comparator.comparingInt(PathRule::length).reversed()
            .thenComparing(r -> r.exact() ? 0 : 1);

    private final Map<String, Group> exact = new HashMap<>();
    private final Map<String, Group> wildcard = new HashMap<>(); // by suffix: "*.example.com" → ".example.com"
    private final Group hostless = new Group();
    private final Map<String, String> tlsHosts = new HashMap<>(); // host → the oldest Ingress naming it

    private IngressRules() {}

    /** The Ingresses of ours, oldest first: by class name, the legacy annotation, or the default class. */
    static List<Ingress> ours(List<Ingress> ingresses, List<IngressClass> classes, String controller,
                              List<String> warnings) {
        Set<String> ourClasses = new HashSet<>();
        List<IngressClass> defaults = new ArrayList<>();
        for (IngressClass c : classes) {
            if (c.getSpec() != null && controller.equals(c.getSpec().getController())) {
                ourClasses.add(c.getMetadata().getName());
                Map<String, String> a = c.getMetadata().getAnnotations();
                if (a != null && "true".equals(a.get(DEFAULT_CLASS_ANNOTATION))) {
                    defaults.add(c);
                }
            }
        }
        if (defaults.size() > 1) {
            warnings.add("several IngressClasses of ours are marked " + DEFAULT_CLASS_ANNOTATION
                    + "; Ingresses without a class use them all: keep one default class");
        }
        List<Ingress> out = new ArrayList<>();
        for (Ingress ing : ingresses) {
            String cls = ing.getSpec() == null ? null : ing.getSpec().getIngressClassName();
            Map<String, String> a = ing.getMetadata().getAnnotations();
            if (cls == null && a != null) {
                cls = a.get(CLASS_ANNOTATION);
            }
            if (cls != null ? ourClasses.contains(cls) : !defaults.isEmpty()) {
                out.add(ing);
            }
        }
        out.sort(Age.OLDEST_FIRST);
        return out;
    }

    /** Compiles {@code ours} (oldest first); their TLS Secrets go into {@code certs}. */
    static IngressRules compile(List<Ingress> ours, Services services, Secrets secrets, Certificates certs,
                                List<String> warnings) {
        IngressRules t = new IngressRules();
        for (Ingress ing : ours) {
            String ns = ing.getMetadata().getNamespace();
            String id = "ingress " + Age.name(ing);
            var spec = ing.getSpec();
            if (spec == null) {
                continue;
            }
            List<IngressRule> rules = spec.getRules() == null ? List.of() : spec.getRules();
            Action defaultAction = spec.getDefaultBackend() == null ? null
                    : backend(id + " default backend", ns, spec.getDefaultBackend(), services, warnings);
            boolean catchAll = rules.isEmpty();
            Set<Group> touched = new HashSet<>();
            for (IngressRule rule : rules) {
                String host = Hostnames.normalize(rule.getHost());
                Group g = t.group(host);
                touched.add(g);
                catchAll |= host == null;
                List<HTTPIngressPath> paths = rule.getHttp() == null || rule.getHttp().getPaths() == null ? List.of()
                        : rule.getHttp().getPaths();
                for (HTTPIngressPath p : paths) {
                    String path = p.getPath() == null || p.getPath().isEmpty() ? "/" : p.getPath();
                    String type = p.getPathType() == null ? "ImplementationSpecific" : p.getPathType();
                    String by = id + " host " + (host == null ? "*" : host) + " path " + path + " (" + type + ")";
                    g.rules.add(new PathRule(host, path, type, backend(by, ns, p.getBackend(), services, warnings)));
                }
            }
            if (defaultAction != null) {
                for (Group g : touched) {
                    if (g.defaultBackend == null) {
                        g.defaultBackend = defaultAction;
                    }
                }
                if (catchAll && t.hostless.defaultBackend == null) {
                    t.hostless.defaultBackend = defaultAction;
                }
            }
            for (IngressTLS tls : spec.getTls() == null ? List.<IngressTLS>of() : spec.getTls()) {
                t.addTls(ing, tls, secrets, certs, warnings);
            }
        }
        t.exact.values().forEach(g -> g.rules.sort(PRECEDENCE));
        t.wildcard.values().forEach(g -> g.rules.sort(PRECEDENCE));
        t.hostless.rules.sort(PRECEDENCE);
        return t;
    }

    private Group group(String host) {
        if (host == null) {
            return hostless;
        }
        if (Hostnames.isWildcard(host)) {
            return wildcard.computeIfAbsent(host.substring(1), k -> new Group());
        }
        return exact.computeIfAbsent(host, k -> new Group());
    }

    private void addTls(Ingress ing, IngressTLS tls, Secrets secrets, Certificates certs, List<String> warnings) {
        List<String> hosts = new ArrayList<>();
        for (String h : tls.getHosts() == null ? List.<String>of() : tls.getHosts()) {
            String n = Hostnames.normalize(h);
            if (n != null) {
                hosts.add(n);
                tlsHosts.putIfAbsent(n, Age.name(ing));
            }
        }
        if (tls.getSecretName() == null || tls.getSecretName().isEmpty()) {
            return; // hosts without a secret: the default certificate, as ingress-nginx serves them
        }
        Secrets.Loaded s = secrets.load(ing.getMetadata().getNamespace(), tls.getSecretName());
        if (s.error() != null) {
            warnings.add("ingress " + Age.name(ing) + " tls " + hosts + ": " + s.error()
                    + "; serving the default certificate");
            return;
        }
        for (String h : hosts) {
            certs.add(new Certificates.Entry(443, h, true, false, s.material()));
        }
    }

    private static Action backend(String by, String ns, IngressBackend b, Services services, List<String> warnings) {
        if (b == null || b.getService() == null) {
            String why = b != null && b.getResource() != null ? "resource backends are not supported" : "no service";
            warnings.add(by + ": " + why);
            return new Respond(by + ": " + why, 503, why);
        }
        var svc = b.getService();
        Integer number = svc.getPort() == null ? null : svc.getPort().getNumber();
        String portName = svc.getPort() == null ? null : svc.getPort().getName();
        String target = by + " → service " + svc.getName() + ":" + (number != null ? number : portName);
        Services.Resolved r = services.resolve(ns, svc.getName(), number, portName);
        if (!r.ok()) {
            warnings.add(by + ": " + r.error());
            return new Respond(target + " (" + r.error() + ")", 503, r.error());
        }
        if (r.endpoints().isEmpty()) {
            String why = "no ready endpoints for service " + r.service();
            return new Respond(target + " (" + why + ")", 503, why);
        }
        return new Forward(target, List.of(new Backend(r.service(), 1, r.endpoints())), HeaderChanges.NONE);
    }

    /** The Ingress decision for a request on port 80 or 443, or null when no Ingress rule or default backend applies. */
    Action route(Request req) {
        if (req.port() != 80 && req.port() != 443) {
            return null;
        }
        String host = req.host();
        Group g = exact.get(host);
        int dot = host.indexOf('.');
        if (g == null && dot > 0) {
            g = wildcard.get(host.substring(dot));
        }
        if (g == null) {
            g = hostless;
        }
        String tlsBy = req.tls() ? null : tlsIngress(host);
        if (tlsBy != null) {
            return new Redirect("ingress " + tlsBy + " tls host " + host + " on plain HTTP → 308 https (ssl-redirect)",
                    308, "https://" + host + req.pathAndQuery());
        }
        for (PathRule r : g.rules) {
            if (r.matches(req.path())) {
                return r.action();
            }
        }
        if (g.defaultBackend != null) {
            return g.defaultBackend;
        }
        return hostless.defaultBackend;
    }

    /** The Ingress whose spec.tls names {@code host} (exactly, else by wildcard), or null. */
    private String tlsIngress(String host) {
        String by = tlsHosts.get(host);
        int dot = host.indexOf('.');
        return by != null || dot <= 0 ? by : tlsHosts.get("*" + host.substring(dot));
    }
}
