package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.TypedLocalObjectReference;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * networking.k8s.io/v1 Ingresses: HTTP routes by host and path to Services, served by the ingress controller,
 * which writes the address it answers on into {@code status.loadBalancer} (an apply keeps it). Validation is the
 * API server's; columns and describe are kubectl's.
 */
public final class IngressKind {
    public static final String EXACT = "Exact";
    public static final String PREFIX = "Prefix";
    public static final String IMPLEMENTATION_SPECIFIC = "ImplementationSpecific";
    public static final List<String> PATH_TYPES = List.of(EXACT, PREFIX, IMPLEMENTATION_SPECIFIC);
    /** What an Exact or Prefix path may not hold, as the API server refuses them (they could escape a prefix). */
    private static final List<String> BAD_SEQUENCES = List.of("//", "/./", "/../", "%2f", "%2F");
    private static final List<String> BAD_SUFFIXES = List.of("/..", "/.");

    public static final Kind<Ingress> KIND = Kind.of(Ingress.class).shortNames("ing")
            .validation(IngressKind::validate)
            .actsOn("spec.ingressClassName", "spec.defaultBackend", "spec.rules", "spec.tls", "status")
            .statusWrittenBy("the ingress controller")
            .column(Column.of("NAME", i -> i.getMetadata().getName()))
            .column(Column.of("CLASS", i -> orNone(className(i))))
            .column(Column.of("HOSTS", IngressKind::hosts))
            .column(Column.of("ADDRESS", IngressKind::address))
            .column(Column.of("PORTS", i -> spec(i).getTls().isEmpty() ? "80" : "80, 443"))
            .column(Column.of("AGE", (i, ctx) -> Ages.of(i, ctx.now()), false))
            .describer(IngressKind::describe)
            .build();

    private IngressKind() {
    }

    private static IngressSpec spec(Ingress i) {
        return i.getSpec() == null ? new IngressSpec() : i.getSpec();
    }

    /** spec.ingressClassName, or null. */
    public static String className(Ingress i) {
        return spec(i).getIngressClassName();
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? "<none>" : s;
    }

    /** The rules' hosts, at most three then "+ N more...", or * when no rule names one (kubectl's HOSTS). */
    static String hosts(Ingress i) {
        List<IngressRule> rules = spec(i).getRules();
        List<String> list = new ArrayList<>();
        boolean more = false;
        for (IngressRule r : rules) {
            if (list.size() == 3) {
                more = true;
            }
            if (!more && r.getHost() != null && !r.getHost().isEmpty()) {
                list.add(r.getHost());
            }
        }
        if (list.isEmpty()) {
            return "*";
        }
        return String.join(",", list) + (more ? " + " + (rules.size() - 3) + " more..." : "");
    }

    /** The IPs (or hostnames) the controller wrote into status.loadBalancer, sorted; "" before it has. */
    public static String address(Ingress i) {
        TreeSet<String> out = new TreeSet<>();
        if (i.getStatus() != null && i.getStatus().getLoadBalancer() != null) {
            for (IngressLoadBalancerIngress lb : i.getStatus().getLoadBalancer().getIngress()) {
                if (lb.getIp() != null && !lb.getIp().isEmpty()) {
                    out.add(lb.getIp());
                } else if (lb.getHostname() != null && !lb.getHostname().isEmpty()) {
                    out.add(lb.getHostname());
                }
            }
        }
        return String.join(",", out);
    }

    // ---- validation ----

    static void validate(Ingress ing) throws InvalidManifestException {
        Names.validateMetadata(ing);
        String what = Names.what(ing);
        IngressSpec spec = ing.getSpec();
        if (spec == null || (spec.getRules().isEmpty() && spec.getDefaultBackend() == null)) {
            Names.check(what, "spec", "Invalid value: either `defaultBackend` or `rules` must be specified");
            return;
        }
        if (spec.getIngressClassName() != null) {
            Names.check(what, "spec.ingressClassName", Names.dns1123Subdomain(spec.getIngressClassName()));
        }
        if (spec.getDefaultBackend() != null) {
            backend(what, "spec.defaultBackend", spec.getDefaultBackend());
        }
        for (int i = 0; i < spec.getRules().size(); i++) {
            IngressRule rule = spec.getRules().get(i);
            String f = "spec.rules[" + i + "]";
            if (rule.getHost() != null && !rule.getHost().isEmpty()) {
                Names.check(what, f + ".host", hostProblem(rule.getHost()));
            }
            if (rule.getHttp() == null) {
                continue;
            }
            if (rule.getHttp().getPaths().isEmpty()) {
                Names.check(what, f + ".http.paths", "Required value: at least one path");
            }
            for (int j = 0; j < rule.getHttp().getPaths().size(); j++) {
                HTTPIngressPath p = rule.getHttp().getPaths().get(j);
                String pf = f + ".http.paths[" + j + "]";
                path(what, pf, p);
                if (p.getBackend() == null) {
                    Names.check(what, pf + ".backend", "Required value: a service (name and port) or a resource");
                }
                backend(what, pf + ".backend", p.getBackend());
            }
        }
        for (int i = 0; i < spec.getTls().size(); i++) {
            IngressTLS tls = spec.getTls().get(i);
            String f = "spec.tls[" + i + "]";
            for (int j = 0; j < tls.getHosts().size(); j++) {
                Names.check(what, f + ".hosts[" + j + "]", hostProblem(tls.getHosts().get(j)));
            }
            if (tls.getSecretName() != null && !tls.getSecretName().isEmpty()) {
                Names.check(what, f + ".secretName", Names.dns1123Subdomain(tls.getSecretName()));
            }
        }
    }

    private static void path(String what, String f, HTTPIngressPath p) throws InvalidManifestException {
        String type = p.getPathType();
        if (type == null || type.isEmpty()) {
            Names.check(what, f + ".pathType", "Required value: one of Exact, Prefix or ImplementationSpecific");
        }
        if (!PATH_TYPES.contains(type)) {
            Names.check(what, f + ".pathType", "Unsupported value: \"" + Manifests.clean(type)
                    + "\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"");
        }
        String path = p.getPath() == null ? "" : p.getPath();
        if (type.equals(IMPLEMENTATION_SPECIFIC) && path.isEmpty()) {
            return;
        }
        if (!path.startsWith("/")) {
            Names.check(what, f + ".path", "Invalid value: \"" + Manifests.clean(path)
                    + "\": must be an absolute path (start with /)");
        }
        if (!type.equals(IMPLEMENTATION_SPECIFIC)) {
            for (String bad : BAD_SEQUENCES) {
                if (path.contains(bad)) {
                    Names.check(what, f + ".path", "Invalid value: \"" + Manifests.clean(path)
                            + "\": must not contain '" + bad + "'");
                }
            }
            for (String bad : BAD_SUFFIXES) {
                if (path.endsWith(bad)) {
                    Names.check(what, f + ".path", "Invalid value: \"" + Manifests.clean(path)
                            + "\": cannot end with '" + bad + "'");
                }
            }
        }
    }

    private static void backend(String what, String f, IngressBackend b) throws InvalidManifestException {
        boolean service = b.getService() != null;
        boolean resource = b.getResource() != null;
        if (service && resource) {
            Names.check(what, f, "Invalid value: cannot set both service and resource backends: give one");
        }
        if (!service && !resource) {
            Names.check(what, f, "Required value: a service (name and port) or a resource");
        }
        if (resource) {
            TypedLocalObjectReference r = b.getResource();
            if (r.getKind() == null || r.getKind().isEmpty()) {
                Names.check(what, f + ".resource.kind", "Required value");
            }
            if (r.getName() == null || r.getName().isEmpty()) {
                Names.check(what, f + ".resource.name", "Required value");
            }
            return;
        }
        IngressServiceBackend s = b.getService();
        if (s.getName() == null || s.getName().isEmpty()) {
            Names.check(what, f + ".service.name", "Required value: the Service's name");
        }
        Names.check(what, f + ".service.name", Names.dns1035Label(s.getName()));
        boolean name = s.getPort() != null && s.getPort().getName() != null && !s.getPort().getName().isEmpty();
        boolean number = s.getPort() != null && s.getPort().getNumber() != null && s.getPort().getNumber() != 0;
        if (name && number) {
            Names.check(what, f + ".service.port", "Invalid value: cannot set both port name & port number: give one");
        } else if (name) {
            Names.check(what, f + ".service.port.name", Names.portName(s.getPort().getName()));
        } else if (number) {
            int n = s.getPort().getNumber();
            if (n < 1 || n > 65535) {
                Names.check(what, f + ".service.port.number", "Invalid value: " + n + ": must be between 1 and 65535");
            }
        } else {
            Names.check(what, f + ".service.port", "Required value: port name or number is required");
        }
    }

    /**
     * Null if {@code host} is a DNS name or a wildcard ({@code *.example.com}) as Ingress and Gateway API hosts
     * must be, else why not (an IP address, a bare *, a wildcard inside the name).
     */
    static String hostProblem(String host) {
        if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.contains(":")) {
            return "Invalid value: \"" + Manifests.clean(host) + "\": must be a DNS name, not an IP address";
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (name.contains("*") || Names.dns1123Subdomain(name) != null) {
            return "Invalid value: \"" + Manifests.clean(host) + "\": must be a DNS name (lower-case labels separated "
                    + "by dots), or a wildcard: '*.' followed by one (e.g. *.example.com)";
        }
        return null;
    }

    // ---- describe ----

    private static Description describe(Ingress ing, DescribeContext ctx) {
        IngressSpec spec = spec(ing);
        String ns = ing.getMetadata().getNamespace();
        Description d = new Description().field("Name:", ing.getMetadata().getName())
                .field("Labels:", Description.pairs(ing.getMetadata().getLabels()))
                .field("Namespace:", ns)
                .field("Address:", address(ing))
                .field("Ingress Class:", orNone(className(ing)));
        String defaultBackend = spec.getDefaultBackend() == null ? "<default>"
                : backend(ns, spec.getDefaultBackend(), ctx);
        d.field("Default backend:", defaultBackend);
        if (!spec.getTls().isEmpty()) {
            d.line("TLS:");
            for (IngressTLS t : spec.getTls()) {
                String hosts = String.join(",", t.getHosts());
                d.line("  " + (t.getSecretName() == null || t.getSecretName().isEmpty() ? "SNI routes " + hosts
                        : t.getSecretName() + " terminates " + hosts));
            }
        }
        rules(d, ing, defaultBackend, ctx);
        return d.field("Annotations:", Description.pairs(ing.getMetadata().getAnnotations()))
                .field("Events:", "<none>");
    }

    /** The Rules table as kubectl's tab writer lays it out: a host, then its paths under Path and Backends. */
    private static void rules(Description d, Ingress ing, String defaultBackend, DescribeContext ctx) {
        List<IngressRule> http = spec(ing).getRules().stream().filter(r -> r.getHttp() != null).toList();
        int hostWidth = "  Host".length();
        for (IngressRule r : http) {
            hostWidth = Math.max(hostWidth, 2 + host(r).length());
        }
        hostWidth += 2;
        d.line("Rules:");
        if (http.isEmpty()) {
            d.line(pad("  Host", hostWidth) + "Path  Backends");
            d.line(pad("  ----", hostWidth) + "----  --------");
            d.line(pad("  *", hostWidth) + "*     " + defaultBackend);
            return;
        }
        d.line(pad("  Host", hostWidth) + "Path  Backends");
        d.line(pad("  ----", hostWidth) + "----  --------");
        String ns = ing.getMetadata().getNamespace();
        for (IngressRule r : http) {
            d.line("  " + host(r));
            int pathWidth = r.getHttp().getPaths().stream()
                    .mapToInt(p -> (p.getPath() == null ? 0 : p.getPath().length()) + 1).max().orElse(1) + 2;
            for (HTTPIngressPath p : r.getHttp().getPaths()) {
                String path = (p.getPath() == null ? "" : p.getPath()) + " ";
                d.line(pad("", hostWidth) + pad(path, pathWidth) + backend(ns, p.getBackend(), ctx));
            }
        }
    }

    private static String host(IngressRule r) {
        return r.getHost() == null || r.getHost().isEmpty() ? "*" : r.getHost();
    }

    private static String pad(String s, int width) {
        return String.format("%-" + width + "s", s);
    }

    /** service:port (its endpoints), as kubectl describes a backend; a resource by its group, kind and name. */
    static String backend(String ns, IngressBackend b, DescribeContext ctx) {
        if (b == null) {
            return "";
        }
        if (b.getService() != null) {
            IngressServiceBackend s = b.getService();
            String port = s.getPort() == null ? "" : s.getPort().getName() != null && !s.getPort().getName().isEmpty()
                    ? s.getPort().getName() : String.valueOf(s.getPort().getNumber());
            return s.getName() + ":" + port + " " + GatewayApi.endpoints(ns, s.getName(),
                    s.getPort() == null ? null : s.getPort().getNumber(), s.getPort() == null ? null : s.getPort().getName(), ctx);
        }
        TypedLocalObjectReference r = b.getResource();
        return "APIGroup: " + (r.getApiGroup() == null ? "<none>" : r.getApiGroup()) + ", Kind: " + r.getKind()
                + ", Name: " + r.getName();
    }
}
