package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Services: a virtual IP (or a name) in front of the pods a selector picks, translated by every node's data
 * plane. The kind's declaration and the reads of a Service that the rest of vnet shares.
 */
public final class ServiceKind {
    public static final String CLUSTER_IP = "ClusterIP";
    public static final String NODE_PORT = "NodePort";
    public static final String LOAD_BALANCER = "LoadBalancer";
    public static final String EXTERNAL_NAME = "ExternalName";
    /** Annotation choosing the load-balancing algorithm for one Service (random, round-robin, maglev, ...). */
    public static final String LB_ALGORITHM_ANNOTATION = "vnet.dev/lb-algorithm";
    /** Annotation on a Service that every node answers itself, with no endpoints (the cluster DNS). */
    public static final String NODE_LOCAL_ANNOTATION = "vnet.dev/node-local";
    /** The load-balancing algorithms a Service may ask for with its annotation. */
    public static final List<String> LB_ALGORITHMS =
            List.of("random", "round-robin", "least-connections", "source-hash", "maglev");

    public static final Kind<Service> KIND = Kind.of(Service.class).shortNames("svc")
            .validation(ServiceKind::validate)
            .actsOn("spec.type", "spec.selector", "spec.ports[].name", "spec.ports[].protocol", "spec.ports[].port",
                    "spec.ports[].targetPort", "spec.ports[].nodePort", "spec.clusterIP", "spec.clusterIPs",
                    "spec.sessionAffinity", "spec.sessionAffinityConfig", "spec.externalTrafficPolicy",
                    "spec.internalTrafficPolicy", "spec.externalName", "spec.loadBalancerIP", "status")
            .column(Column.of("NAME", s -> s.getMetadata().getName()))
            .column(Column.of("TYPE", ServiceKind::type))
            .column(Column.of("CLUSTER-IP", s -> s.getSpec().getClusterIP() == null ? "<none>" : s.getSpec().getClusterIP()))
            .column(Column.of("EXTERNAL-IP", ServiceKind::externalIp))
            .column(Column.of("PORT(S)", ServiceKind::ports))
            .column(Column.of("AGE", (s, ctx) -> Ages.of(s, ctx.now()), false))
            .column(Column.wide("SELECTOR", s -> Description.pairs(s.getSpec().getSelector())))
            .describer(ServiceKind::describe)
            .build();

    private ServiceKind() {
    }

    public static String key(Service s) {
        return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    }

    public static String type(Service s) {
        return s.getSpec() == null || s.getSpec().getType() == null ? CLUSTER_IP : s.getSpec().getType();
    }

    /** A headless Service (clusterIP None): DNS answers with its endpoints, nothing is translated. */
    public static boolean headless(Service s) {
        return s.getSpec() != null && "None".equals(s.getSpec().getClusterIP());
    }

    /** A Service every node answers itself (the cluster DNS), with no endpoints. */
    public static boolean nodeLocal(Service s) {
        return "true".equals(s.getMetadata().getAnnotations().get(NODE_LOCAL_ANNOTATION));
    }

    /** The first LoadBalancer ingress IP, or null. */
    public static String loadBalancerIp(Service s) {
        if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                || s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
            return null;
        }
        return s.getStatus().getLoadBalancer().getIngress().get(0).getIp();
    }

    public static String protocol(ServicePort p) {
        return p.getProtocol() == null ? "TCP" : p.getProtocol();
    }

    /** The port's targetPort as a number, or null when it names a container port (or is not given). */
    public static Integer targetNumber(ServicePort p) {
        IntOrString t = p.getTargetPort();
        if (t == null) {
            return null;
        }
        if (t.getIntVal() != null) {
            return t.getIntVal();
        }
        return t.getStrVal() != null && t.getStrVal().matches("\\d{1,5}") ? Integer.valueOf(t.getStrVal()) : null;
    }

    /** The port's targetPort as a name, or null when it is a number (or not given). */
    public static String targetName(ServicePort p) {
        return targetNumber(p) == null && p.getTargetPort() != null ? p.getTargetPort().getStrVal() : null;
    }

    static String externalIp(Service s) {
        String type = type(s);
        if (type.equals(EXTERNAL_NAME)) {
            return s.getSpec().getExternalName();
        }
        String lb = loadBalancerIp(s);
        if (lb != null) {
            return lb;
        }
        return type.equals(LOAD_BALANCER) ? "<pending>" : "<none>";
    }

    static String ports(Service s) {
        List<String> out = new ArrayList<>();
        for (ServicePort p : s.getSpec().getPorts()) {
            out.add(p.getPort() + (p.getNodePort() != null ? ":" + p.getNodePort() : "") + "/" + protocol(p));
        }
        return out.isEmpty() ? "<none>" : String.join(",", out);
    }

    static void validate(Service svc) throws InvalidManifestException {
        Names.validateMetadata(svc, Names::dns1035Label);
        String what = Names.what(svc);
        ServiceSpec spec = svc.getSpec();
        if (spec == null) {
            throw new InvalidManifestException(what + ": spec is required");
        }
        String type = type(svc);
        if (!List.of(CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME).contains(type)) {
            Names.check(what, "spec.type", "\"" + type + "\" is not supported: ClusterIP, NodePort, LoadBalancer or ExternalName");
        }
        boolean externalName = type.equals(EXTERNAL_NAME);
        boolean exposed = type.equals(NODE_PORT) || type.equals(LOAD_BALANCER);
        if (externalName) {
            if (spec.getExternalName() == null || spec.getExternalName().isEmpty()) {
                Names.check(what, "spec.externalName", "required for type ExternalName");
            } else if (Names.dns1123Subdomain(spec.getExternalName()) != null) {
                Names.check(what, "spec.externalName", "\"" + spec.getExternalName() + "\" is not a DNS name");
            }
            if (spec.getClusterIP() != null && !spec.getClusterIP().isEmpty()) {
                Names.check(what, "spec.clusterIP", "must be empty for type ExternalName");
            }
        } else if (spec.getExternalName() != null && !spec.getExternalName().isEmpty()) {
            Names.check(what, "spec.externalName", "only for type ExternalName");
        }
        String ip = spec.getClusterIP();
        if (ip != null && !ip.isEmpty() && !ip.equals("None")) {
            try {
                dev.vnet.core.addr.Ipv4Address.parse(ip);
            } catch (IllegalArgumentException e) {
                Names.check(what, "spec.clusterIP", "\"" + ip + "\" is not an IPv4 address (or None for a headless Service)");
            }
        }
        if ("None".equals(ip) && exposed) {
            Names.check(what, "spec.clusterIP", "None (headless) is not allowed for type " + type);
        }
        List<ServicePort> ports = spec.getPorts();
        if (ports.isEmpty() && !externalName && !"None".equals(ip)) {
            Names.check(what, "spec.ports", "at least one port is required");
        }
        Set<String> portNames = new HashSet<>();
        Set<String> portKeys = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ServicePort p = ports.get(i);
            String f = "spec.ports[" + i + "]";
            if (p.getPort() == null || p.getPort() < 1 || p.getPort() > 65535) {
                Names.check(what, f + ".port", "must be between 1 and 65535");
            }
            String proto = protocol(p);
            if (!proto.equals("TCP") && !proto.equals("UDP")) {
                Names.check(what, f + ".protocol", "\"" + proto + "\" is not supported: TCP or UDP");
            }
            if (!portKeys.add(proto + "/" + p.getPort())) {
                Names.check(what, f, "duplicate port " + p.getPort() + "/" + proto);
            }
            if (ports.size() > 1 && (p.getName() == null || p.getName().isEmpty())) {
                Names.check(what, f + ".name", "required when a Service has more than one port");
            }
            if (p.getName() != null && !p.getName().isEmpty()) {
                Names.check(what, f + ".name", Names.dns1123Label(p.getName()));
                if (!portNames.add(p.getName())) {
                    Names.check(what, f + ".name", "duplicate port name \"" + p.getName() + "\"");
                }
            }
            Integer number = targetNumber(p);
            if (number != null && (number < 1 || number > 65535)) {
                Names.check(what, f + ".targetPort", "must be between 1 and 65535");
            }
            String target = targetName(p);
            if (target != null && (target.length() > 15 || Names.dns1123Label(target) != null)) {
                Names.check(what, f + ".targetPort", "\"" + target + "\" is neither a number nor a port name");
            }
            if (p.getNodePort() != null && !exposed) {
                Names.check(what, f + ".nodePort", "only for type NodePort or LoadBalancer");
            }
        }
        String affinity = spec.getSessionAffinity();
        if (affinity != null && !affinity.equals("None") && !affinity.equals("ClientIP")) {
            Names.check(what, "spec.sessionAffinity", "must be None or ClientIP");
        }
        if (spec.getSessionAffinityConfig() != null && spec.getSessionAffinityConfig().getClientIP() != null) {
            Integer t = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
            if (!"ClientIP".equals(affinity)) {
                Names.check(what, "spec.sessionAffinityConfig", "only with sessionAffinity ClientIP");
            }
            if (t != null && (t < 1 || t > 86400)) {
                Names.check(what, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "must be between 1 and 86400");
            }
        }
        String[][] policies = {{"spec.externalTrafficPolicy", spec.getExternalTrafficPolicy()},
                {"spec.internalTrafficPolicy", spec.getInternalTrafficPolicy()}};
        for (String[] policy : policies) {
            if (policy[1] != null && !policy[1].equals("Cluster") && !policy[1].equals("Local")) {
                Names.check(what, policy[0], "must be Cluster or Local");
            }
        }
        if (spec.getExternalTrafficPolicy() != null && !exposed) {
            Names.check(what, "spec.externalTrafficPolicy", "only for type NodePort or LoadBalancer");
        }
        String algorithm = svc.getMetadata().getAnnotations().get(LB_ALGORITHM_ANNOTATION);
        if (algorithm != null && !LB_ALGORITHMS.contains(algorithm)) {
            Names.check(what, "metadata.annotations[" + LB_ALGORITHM_ANNOTATION + "]",
                    "\"" + algorithm + "\" is not one of " + String.join(", ", LB_ALGORITHMS));
        }
    }

    /** kubectl's Service description, then what vnet's data plane does with it. */
    private static Description describe(Service svc, DescribeContext ctx) {
        ServiceSpec s = svc.getSpec();
        String ns = svc.getMetadata().getNamespace();
        String name = svc.getMetadata().getName();
        Endpoints eps = ctx.get(EndpointsKind.KIND, ns, name).orElse(null);
        JsonNode dp = ctx.call(Operation.SERVICE_DATAPLANE.request().put("namespace", ns).put("name", name))
                .orElse(Json.object());
        Description d = Description.head(svc)
                .field("Selector:", Description.pairs(s.getSelector()))
                .field("Type:", type(svc))
                .field("IP:", s.getClusterIP() == null ? "<none>" : s.getClusterIP());
        if (s.getExternalName() != null) {
            d.field("External Name:", s.getExternalName());
        }
        String lb = loadBalancerIp(svc);
        if (lb != null && s.getExternalName() == null) {
            d.field("LoadBalancer Ingress:", lb + "  (answered by ARP from " + dp.path("lbNode").asString("?") + ")");
        }
        for (ServicePort p : s.getPorts()) {
            String pn = p.getName() == null ? "<unset>" : p.getName();
            String proto = protocol(p);
            d.field("Port:", pn + "  " + p.getPort() + "/" + proto);
            d.field("TargetPort:", (p.getTargetPort() == null ? String.valueOf(p.getPort()) : target(p)) + "/" + proto);
            if (p.getNodePort() != null) {
                d.field("NodePort:", pn + "  " + p.getNodePort() + "/" + proto);
            }
            d.field("Endpoints:", eps == null ? "<none>" : EndpointsKind.shortList(portEndpoints(eps, pn)));
        }
        Integer timeout = s.getSessionAffinityConfig() == null || s.getSessionAffinityConfig().getClientIP() == null
                ? null : s.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
        d.field("Session Affinity:", (s.getSessionAffinity() == null ? "None" : s.getSessionAffinity())
                + (s.getSessionAffinityConfig() != null ? " (timeout " + timeout + " s)" : ""));
        if (s.getExternalTrafficPolicy() != null) {
            d.field("External Traffic Policy:", s.getExternalTrafficPolicy());
        }
        if (s.getInternalTrafficPolicy() != null) {
            d.field("Internal Traffic Policy:", s.getInternalTrafficPolicy());
        }
        return d.field("Proxy Mode:", dp.path("proxyMode").asString(""))
                .field("Load Balancing:", dp.path("algorithm").asString(""))
                .field("Connections:", dp.path("connections").asString("0") + " tracked (see `vnet conntrack`)")
                .field("Events:", "<none>");
    }

    private static String target(ServicePort p) {
        IntOrString t = p.getTargetPort();
        return t.getIntVal() != null ? String.valueOf(t.getIntVal()) : t.getStrVal();
    }

    private static List<String> portEndpoints(Endpoints eps, String portName) {
        List<String> out = new ArrayList<>();
        for (EndpointSubset subset : eps.getSubsets()) {
            for (EndpointPort p : subset.getPorts()) {
                String pn = p.getName() == null ? "<unset>" : p.getName();
                if (pn.equals(portName) || subset.getPorts().size() == 1) {
                    for (EndpointAddress a : subset.getAddresses()) {
                        out.add(a.getIp() + ":" + p.getPort());
                    }
                }
            }
        }
        return out;
    }
}
