package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpecAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerTLSConfig;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * gateway.networking.k8s.io/v1 Gateways: listeners (protocol, port, hostname, TLS) of a GatewayClass, to which
 * routes attach. The Gateway controller writes the addresses, the Accepted and Programmed conditions and each
 * listener's conditions (an apply keeps them). Validation follows the CRD's schema and rules; columns are its
 * additionalPrinterColumns; describe shows the spec, then what the controller made of it and why.
 */
public final class GatewayKind {
    public static final String ACCEPTED = "Accepted";
    public static final String PROGRAMMED = "Programmed";
    /** A protocol: a core one (HTTP, HTTPS, TLS, TCP, UDP) or DOMAIN/NAME for an implementation's own. */
    private static final Pattern PROTOCOL = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?"
            + "|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]+");

    public static final Kind<Gateway> KIND = Kind.of(Gateway.class).shortNames("gtw")
            .validation(GatewayKind::validate)
            .actsOn("spec.gatewayClassName", "spec.listeners", "status")
            .statusWrittenBy("the Gateway controller")
            .column(Column.of("NAME", g -> g.getMetadata().getName()))
            .column(Column.of("CLASS", g -> GatewayApi.orEmpty(spec(g).getGatewayClassName())))
            .column(Column.of("ADDRESS", GatewayKind::address))
            .column(Column.of("PROGRAMMED", g -> GatewayApi.status(conditions(g), PROGRAMMED)))
            .column(Column.of("AGE", (g, ctx) -> Ages.of(g, ctx.now()), false))
            .describer(GatewayKind::describe)
            .build();

    private GatewayKind() {
    }

    private static GatewaySpec spec(Gateway g) {
        return g.getSpec() == null ? new GatewaySpec() : g.getSpec();
    }

    public static String className(Gateway g) {
        return spec(g).getGatewayClassName();
    }

    /** The Gateway's conditions, as its controller wrote them (never null). */
    public static List<Condition> conditions(Gateway g) {
        return g.getStatus() == null ? List.of() : g.getStatus().getConditions();
    }

    /** The first address the controller wrote, as the CRD's ADDRESS column shows it; "" before it has. */
    public static String address(Gateway g) {
        if (g.getStatus() == null || g.getStatus().getAddresses().isEmpty()) {
            return "";
        }
        return GatewayApi.orEmpty(g.getStatus().getAddresses().get(0).getValue());
    }

    // ---- validation ----

    static void validate(Gateway g) throws InvalidManifestException {
        Names.validateMetadata(g);
        String what = Names.what(g);
        GatewaySpec spec = spec(g);
        if (spec.getGatewayClassName() == null || spec.getGatewayClassName().isEmpty()) {
            Names.check(what, "spec.gatewayClassName", "Required value: the name of a GatewayClass");
        }
        Names.check(what, "spec.gatewayClassName", Names.dns1123Subdomain(spec.getGatewayClassName()));
        List<Listener> listeners = spec.getListeners();
        if (listeners.isEmpty()) {
            Names.check(what, "spec.listeners", "Required value: at least one listener (name, protocol, port)");
        }
        if (listeners.size() > 64) {
            Names.check(what, "spec.listeners", "Too many: " + listeners.size() + ": must have at most 64 items");
        }
        Set<String> names = new HashSet<>();
        Set<String> bindings = new HashSet<>();
        for (int i = 0; i < listeners.size(); i++) {
            Listener l = listeners.get(i);
            String f = "spec.listeners[" + i + "]";
            Names.check(what, f + ".name", GatewayApi.sectionName(l.getName()));
            if (!names.add(l.getName())) {
                Names.check(what, f + ".name", "Duplicate value: \"" + l.getName()
                        + "\": listener names must be unique within the Gateway");
            }
            String protocol = l.getProtocol();
            if (protocol == null || protocol.isEmpty()) {
                Names.check(what, f + ".protocol", "Required value: HTTP, HTTPS, TLS, TCP or UDP");
            }
            if (protocol.length() > 255 || !PROTOCOL.matcher(protocol).matches()) {
                Names.check(what, f + ".protocol", "Invalid value: \"" + Manifests.clean(protocol)
                        + "\": HTTP, HTTPS, TLS, TCP, UDP, or DOMAIN/NAME for an implementation's own");
            }
            Names.check(what, f + ".port", GatewayApi.port(l.getPort(), true));
            if (l.getHostname() != null) {
                if (List.of("TCP", "UDP").contains(protocol)) {
                    Names.check(what, f + ".hostname", "Forbidden: hostname must not be specified for protocols "
                            + "['TCP', 'UDP']");
                }
                Names.check(what, f + ".hostname", IngressKind.hostProblem(l.getHostname()));
            }
            tls(what, f, protocol, l.getTls());
            if (!bindings.add(l.getPort() + "/" + protocol + "/" + GatewayApi.orEmpty(l.getHostname()))) {
                Names.check(what, f, "Invalid value: the combination of port, protocol and hostname must be unique "
                        + "for each listener");
            }
        }
        for (int i = 0; i < spec.getAddresses().size(); i++) {
            GatewaySpecAddress a = spec.getAddresses().get(i);
            if (a.getValue() == null || a.getValue().isEmpty()) {
                Names.check(what, "spec.addresses[" + i + "].value", "Required value");
            }
        }
    }

    private static void tls(String what, String f, String protocol, ListenerTLSConfig tls)
            throws InvalidManifestException {
        boolean needs = List.of("HTTPS", "TLS").contains(protocol);
        if (tls == null) {
            if (needs) {
                Names.check(what, f + ".tls", "Required value: tls mode must be set for protocols ['HTTPS', 'TLS'] "
                        + "(HTTPS: mode Terminate with certificateRefs to a kubernetes.io/tls Secret)");
            }
            return;
        }
        if (List.of("HTTP", "TCP", "UDP").contains(protocol)) {
            Names.check(what, f + ".tls", "Forbidden: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
        }
        String mode = tls.getMode() == null ? "Terminate" : tls.getMode();
        if (!mode.equals("Terminate") && !mode.equals("Passthrough")) {
            Names.check(what, f + ".tls.mode", "Unsupported value: \"" + Manifests.clean(mode)
                    + "\": supported values: \"Terminate\", \"Passthrough\"");
        }
        if (mode.equals("Terminate") && tls.getCertificateRefs().isEmpty() && tls.getOptions().isEmpty()) {
            Names.check(what, f + ".tls.certificateRefs", "Required value: certificateRefs or options must be "
                    + "specified when mode is Terminate");
        }
        for (int j = 0; j < tls.getCertificateRefs().size(); j++) {
            SecretObjectReference ref = tls.getCertificateRefs().get(j);
            if (ref.getName() == null || ref.getName().isEmpty()) {
                Names.check(what, f + ".tls.certificateRefs[" + j + "].name", "Required value: a Secret's name");
            }
        }
    }

    // ---- describe ----

    private static Description describe(Gateway g, DescribeContext ctx) {
        GatewaySpec spec = spec(g);
        String ns = g.getMetadata().getNamespace();
        Description d = Description.head(g).field("Gateway Class:", GatewayApi.orEmpty(spec.getGatewayClassName()));
        if (!spec.getAddresses().isEmpty()) {
            d.field("Requested Addresses:", String.join(", ", spec.getAddresses().stream()
                    .map(GatewaySpecAddress::getValue).toList()));
        }
        d.line("Listeners:");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Name", "Protocol", "Port", "Hostname", "TLS"});
        for (Listener l : spec.getListeners()) {
            rows.add(new String[] {l.getName(), l.getProtocol(), String.valueOf(l.getPort()),
                    l.getHostname() == null ? "*" : l.getHostname(), tls(l.getTls(), ns)});
        }
        GatewayApi.table(d, "  ", rows);
        d.line("Status:");
        List<String> addresses = g.getStatus() == null ? List.of()
                : g.getStatus().getAddresses().stream().map(GatewayStatusAddress::getValue).toList();
        d.field("  Addresses:", addresses.isEmpty() ? "<none>" : String.join(", ", addresses));
        d.line("  Conditions:");
        GatewayApi.conditions(d, "    ", conditions(g));
        List<ListenerStatus> listeners = g.getStatus() == null ? List.of() : g.getStatus().getListeners();
        if (!listeners.isEmpty()) {
            d.line("  Listeners:");
        }
        for (ListenerStatus l : listeners) {
            List<String> kinds = l.getSupportedKinds().stream().map(RouteGroupKind::getKind).toList();
            d.line("    " + l.getName() + ": " + (l.getAttachedRoutes() == null ? 0 : l.getAttachedRoutes())
                    + " attached route(s), supported kinds " + (kinds.isEmpty() ? "<none>" : String.join(", ", kinds)));
            GatewayApi.conditions(d, "      ", l.getConditions());
        }
        return d.field("Events:", "<none>");
    }

    private static String tls(ListenerTLSConfig tls, String ns) {
        if (tls == null) {
            return "";
        }
        String mode = tls.getMode() == null ? "Terminate" : tls.getMode();
        List<String> certs = new ArrayList<>();
        for (SecretObjectReference r : tls.getCertificateRefs()) {
            certs.add("secret " + (r.getNamespace() == null ? ns : r.getNamespace()) + "/" + r.getName());
        }
        return mode + (certs.isEmpty() ? "" : " (" + String.join(", ", certs) + ")");
    }
}
