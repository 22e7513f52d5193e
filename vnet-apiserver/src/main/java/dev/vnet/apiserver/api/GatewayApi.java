package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the Gateway API kinds (and Ingress) share: conditions as a describe table, a parent reference in words,
 * the CRDs' name patterns, and a Service backend with its endpoints.
 */
final class GatewayApi {
    /** A listener or section name (the CRD's SectionName). */
    static final Pattern SECTION_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A controller name (the CRD's GatewayController): a domain, then a path. */
    static final Pattern CONTROLLER = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+");

    private GatewayApi() {
    }

    /** The status of the condition of {@code type} (True, False, Unknown), or "" when there is none yet. */
    static String status(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).map(Condition::getStatus)
                .filter(Objects::nonNull).findFirst().orElse("");
    }

    /** Type, Status, Reason and Message, aligned under a header, each line indented; {@code <none>} if empty. */
    static void conditions(Description d, String indent, List<Condition> conditions) {
        if (conditions.isEmpty()) {
            d.line(indent + "<none> (no controller has written its status yet)");
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Type", "Status", "Reason", "Message"});
        rows.add(new String[] {"----", "------", "------", "-------"});
        for (Condition c : conditions) {
            rows.add(new String[] {c.getType(), c.getStatus(), c.getReason(), c.getMessage()});
        }
        table(d, indent, rows);
    }

    /** Rows aligned in columns two spaces apart (the first row is the header), each line indented. */
    static void table(Description d, String indent, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], orEmpty(r[i]).length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder(indent);
            for (int i = 0; i < cols; i++) {
                String cell = orEmpty(r[i]);
                sb.append(cell);
                if (i < cols - 1) {
                    sb.append(" ".repeat(width[i] - cell.length() + 2));
                }
            }
            d.line(sb.toString().stripTrailing());
        }
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** "Gateway default/web, listener https, port 443", from a route in {@code namespace}. */
    static String parent(ParentReference p, String namespace) {
        String kind = p.getKind() == null ? "Gateway" : p.getKind();
        String group = p.getGroup() == null || p.getGroup().equals("gateway.networking.k8s.io") ? "" : p.getGroup() + "/";
        String ns = p.getNamespace() == null ? namespace : p.getNamespace();
        StringBuilder sb = new StringBuilder(group + kind + " " + ns + "/" + p.getName());
        if (p.getSectionName() != null) {
            sb.append(", listener ").append(p.getSectionName());
        }
        if (p.getPort() != null) {
            sb.append(", port ").append(p.getPort());
        }
        return sb.toString();
    }

    /** Null if {@code name} is a listener or section name, else why not. */
    static String sectionName(String name) {
        if (name == null || name.isEmpty()) {
            return "Required value";
        }
        if (name.length() > 253 || !SECTION_NAME.matcher(name).matches()) {
            return "Invalid value: \"" + Manifests.clean(name) + "\": lower-case letters, digits, '-' and '.' "
                    + "(a DNS-1123 subdomain)";
        }
        return null;
    }

    /** Null if {@code port} is 1-65535 (or not given when {@code required} is false), else why not. */
    static String port(Integer port, boolean required) {
        if (port == null) {
            return required ? "Required value: a port number (1-65535)" : null;
        }
        return port < 1 || port > 65535 ? "Invalid value: " + port + ": must be between 1 and 65535" : null;
    }

    /**
     * The ready endpoints of a Service's port (by number, else by name) as kubectl shows them after a backend:
     * {@code (10.244.1.3:8080,10.244.2.3:8080)}, {@code (<none>)}, or the error when the Service is missing.
     */
    static String endpoints(String namespace, String service, Integer number, String portName, DescribeContext ctx) {
        Optional<Service> svc = ctx.get(ServiceKind.KIND, namespace, service);
        if (svc.isEmpty()) {
            return "(<error: services \"" + service + "\" not found>)";
        }
        String name = "";
        for (ServicePort sp : svc.get().getSpec().getPorts()) {
            boolean byNumber = number != null && number.equals(sp.getPort());
            boolean byName = portName != null && !portName.isEmpty() && portName.equals(sp.getName());
            if (byNumber || byName) {
                name = sp.getName() == null ? "" : sp.getName();
            }
        }
        Endpoints eps = ctx.get(EndpointsKind.KIND, namespace, service).orElse(null);
        List<String> out = new ArrayList<>();
        if (eps != null) {
            for (EndpointSubset subset : eps.getSubsets()) {
                for (EndpointPort p : subset.getPorts()) {
                    if (name.equals(p.getName() == null ? "" : p.getName())) {
                        for (EndpointAddress a : subset.getAddresses()) {
                            out.add(a.getIp() + ":" + p.getPort());
                        }
                    }
                }
            }
        }
        return "(" + EndpointsKind.shortList(out) + ")";
    }
}
