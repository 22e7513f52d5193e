package dev.vnet.apiserver.api;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The API server's checks on a resource before it is stored; each failure is one line naming the field. */
public final class Validation {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A named port (IANA_SVC_NAME): up to 15 lower-case letters, digits and '-', with a letter. */
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** The load-balancing algorithms a Service may ask for with its annotation. */
    public static final List<String> LB_ALGORITHMS =
            List.of("random", "round-robin", "least-connections", "source-hash", "maglev");
    /** The images vnet runs itself, inside the pod's namespace. */
    public static final Set<String> BUILTIN_IMAGES = Set.of("whoami", "echo");

    private Validation() {}

    /** Null if {@code value} is a DNS-1123 label (as pod, container and namespace names must be), else why not. */
    public static String dns1123Label(String value) {
        if (value == null || value.isEmpty()) {
            return "must not be empty";
        }
        if (value.length() > 63) {
            return "must be no more than 63 characters";
        }
        if (!DNS1123_LABEL.matcher(value).matches()) {
            return "\"" + value + "\" is not a DNS-1123 label: lower-case letters, digits and '-', "
                    + "starting and ending with a letter or digit";
        }
        return null;
    }

    /** Null if {@code value} is a DNS-1035 label (as Service names must be), else why not. */
    public static String dns1035Label(String value) {
        String base = dns1123Label(value);
        if (base != null) {
            return base.replace("DNS-1123", "DNS-1035");
        }
        if (!DNS1035_LABEL.matcher(value).matches()) {
            return "\"" + value + "\" is not a DNS-1035 label: it must start with a lower-case letter";
        }
        return null;
    }

    public static void validateService(Service svc) throws Manifests.InvalidManifestException {
        String name = svc.metadata() == null ? null : svc.metadata().name();
        String what = name == null || name.isEmpty() ? "Service" : "Service " + name.replaceAll("\\s", "?");
        if (svc.metadata() == null) {
            throw new Manifests.InvalidManifestException("Service: metadata.name is required");
        }
        check(what, "metadata.name", dns1035Label(name));
        if (svc.metadata().namespace() != null && !svc.metadata().namespace().isEmpty()) {
            check(what, "metadata.namespace", dns1123Label(svc.metadata().namespace()));
        }
        Service.Spec spec = svc.spec();
        if (spec == null) {
            throw new Manifests.InvalidManifestException(what + ": spec is required");
        }
        String type = svc.type();
        if (!List.of(Service.CLUSTER_IP, Service.NODE_PORT, Service.LOAD_BALANCER, Service.EXTERNAL_NAME).contains(type)) {
            check(what, "spec.type", "\"" + type + "\" is not supported: ClusterIP, NodePort, LoadBalancer or ExternalName");
        }
        boolean externalName = type.equals(Service.EXTERNAL_NAME);
        boolean exposed = type.equals(Service.NODE_PORT) || type.equals(Service.LOAD_BALANCER);
        if (externalName) {
            if (spec.externalName() == null || spec.externalName().isEmpty()) {
                check(what, "spec.externalName", "required for type ExternalName");
            } else if (spec.externalName().length() > 253 || !DNS1123_SUBDOMAIN.matcher(spec.externalName()).matches()) {
                check(what, "spec.externalName", "\"" + spec.externalName() + "\" is not a DNS name");
            }
            if (spec.clusterIP() != null && !spec.clusterIP().isEmpty()) {
                check(what, "spec.clusterIP", "must be empty for type ExternalName");
            }
        } else if (spec.externalName() != null && !spec.externalName().isEmpty()) {
            check(what, "spec.externalName", "only for type ExternalName");
        }
        String ip = spec.clusterIP();
        if (ip != null && !ip.isEmpty() && !ip.equals("None")) {
            try {
                dev.vnet.core.addr.Ipv4Address.parse(ip);
            } catch (IllegalArgumentException e) {
                check(what, "spec.clusterIP", "\"" + ip + "\" is not an IPv4 address (or None for a headless Service)");
            }
        }
        if ("None".equals(ip) && exposed) {
            check(what, "spec.clusterIP", "None (headless) is not allowed for type " + type);
        }
        List<Service.ServicePort> ports = spec.ports() == null ? List.of() : spec.ports();
        if (ports.isEmpty() && !externalName && !"None".equals(ip)) {
            check(what, "spec.ports", "at least one port is required");
        }
        Set<String> portNames = new HashSet<>();
        Set<String> portKeys = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            Service.ServicePort p = ports.get(i);
            String f = "spec.ports[" + i + "]";
            if (p.port() == null || p.port() < 1 || p.port() > 65535) {
                check(what, f + ".port", "must be between 1 and 65535");
            }
            String proto = p.protocolOrDefault();
            if (!proto.equals("TCP") && !proto.equals("UDP")) {
                check(what, f + ".protocol", "\"" + proto + "\" is not supported: TCP or UDP");
            }
            if (!portKeys.add(proto + "/" + p.port())) {
                check(what, f, "duplicate port " + p.port() + "/" + proto);
            }
            if (ports.size() > 1 && (p.name() == null || p.name().isEmpty())) {
                check(what, f + ".name", "required when a Service has more than one port");
            }
            if (p.name() != null && !p.name().isEmpty()) {
                check(what, f + ".name", dns1123Label(p.name()));
                if (!portNames.add(p.name())) {
                    check(what, f + ".name", "duplicate port name \"" + p.name() + "\"");
                }
            }
            IntOrString target = p.targetPort();
            if (target != null) {
                if (target.isNumber() && (target.number() < 1 || target.number() > 65535)) {
                    check(what, f + ".targetPort", "must be between 1 and 65535");
                }
                if (!target.isNumber() && (target.name().length() > 15 || !PORT_NAME.matcher(target.name()).matches())) {
                    check(what, f + ".targetPort", "\"" + target.name() + "\" is neither a number nor a port name");
                }
            }
            if (p.nodePort() != null && !exposed) {
                check(what, f + ".nodePort", "only for type NodePort or LoadBalancer");
            }
        }
        String affinity = spec.sessionAffinity();
        if (affinity != null && !affinity.equals("None") && !affinity.equals("ClientIP")) {
            check(what, "spec.sessionAffinity", "must be None or ClientIP");
        }
        if (spec.sessionAffinityConfig() != null && spec.sessionAffinityConfig().clientIP() != null) {
            Integer t = spec.sessionAffinityConfig().clientIP().timeoutSeconds();
            if (!"ClientIP".equals(affinity)) {
                check(what, "spec.sessionAffinityConfig", "only with sessionAffinity ClientIP");
            }
            if (t != null && (t < 1 || t > 86400)) {
                check(what, "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "must be between 1 and 86400");
            }
        }
        for (String[] policy : new String[][] {{"spec.externalTrafficPolicy", spec.externalTrafficPolicy()},
                {"spec.internalTrafficPolicy", spec.internalTrafficPolicy()}}) {
            if (policy[1] != null && !policy[1].equals("Cluster") && !policy[1].equals("Local")) {
                check(what, policy[0], "must be Cluster or Local");
            }
        }
        if (spec.externalTrafficPolicy() != null && !exposed) {
            check(what, "spec.externalTrafficPolicy", "only for type NodePort or LoadBalancer");
        }
        String algorithm = svc.metadata().annotations() == null ? null
                : svc.metadata().annotations().get(Service.LB_ALGORITHM_ANNOTATION);
        if (algorithm != null && !LB_ALGORITHMS.contains(algorithm)) {
            check(what, "metadata.annotations[" + Service.LB_ALGORITHM_ANNOTATION + "]",
                    "\"" + algorithm + "\" is not one of " + String.join(", ", LB_ALGORITHMS));
        }
    }

    public static void validatePod(Pod pod) throws Manifests.InvalidManifestException {
        String name = pod.metadata() == null ? null : pod.metadata().name();
        String what = name == null || name.isEmpty() ? "Pod" : "Pod " + name.replaceAll("\\s", "?");
        if (pod.metadata() == null) {
            throw new Manifests.InvalidManifestException("Pod: metadata.name is required");
        }
        check(what, "metadata.name", dns1123Label(pod.metadata().name()));
        if (pod.metadata().namespace() != null && !pod.metadata().namespace().isEmpty()) {
            check(what, "metadata.namespace", dns1123Label(pod.metadata().namespace()));
        }
        Pod.Spec spec = pod.spec();
        if (spec == null || spec.containers() == null || spec.containers().isEmpty()) {
            throw new Manifests.InvalidManifestException(what + ": spec.containers: at least one container is required");
        }
        if (spec.restartPolicy() != null && !List.of("Always", "OnFailure", "Never").contains(spec.restartPolicy())) {
            check(what, "spec.restartPolicy", "must be Always, OnFailure or Never");
        }
        if (spec.hostname() != null) {
            check(what, "spec.hostname", dns1123Label(spec.hostname()));
        }
        if (spec.subdomain() != null) {
            check(what, "spec.subdomain", dns1123Label(spec.subdomain()));
        }
        Set<String> names = new HashSet<>();
        Set<String> ports = new HashSet<>();
        for (int i = 0; i < spec.containers().size(); i++) {
            Pod.Container c = spec.containers().get(i);
            String field = "spec.containers[" + i + "]";
            check(what, field + ".name", dns1123Label(c.name()));
            if (!names.add(c.name())) {
                check(what, field + ".name", "duplicate container name \"" + c.name() + "\"");
            }
            boolean hasCommand = c.command() != null && !c.command().isEmpty();
            if (!hasCommand && (c.image() == null || !BUILTIN_IMAGES.contains(c.image()))) {
                check(what, field + ".image", "\"" + (c.image() == null ? "" : c.image())
                        + "\" is not a built-in image (whoami, echo): give one of those, or a command: [...] "
                        + "to run in the pod's namespace");
            }
            if (c.ports() != null) {
                for (int j = 0; j < c.ports().size(); j++) {
                    Pod.ContainerPort p = c.ports().get(j);
                    String pf = field + ".ports[" + j + "]";
                    if (p.containerPort() == null || p.containerPort() < 1 || p.containerPort() > 65535) {
                        check(what, pf + ".containerPort", "must be between 1 and 65535");
                    }
                    String proto = p.protocol() == null ? "TCP" : p.protocol();
                    if (!List.of("TCP", "UDP", "SCTP").contains(proto)) {
                        check(what, pf + ".protocol", "must be TCP, UDP or SCTP");
                    }
                    if (!ports.add(proto + "/" + p.containerPort())) {
                        check(what, pf + ".containerPort", "port " + p.containerPort() + "/" + proto
                                + " is declared twice in this pod");
                    }
                    if (p.name() != null) {
                        check(what, pf + ".name", dns1123Label(p.name()));
                    }
                }
            }
            if (c.env() != null) {
                for (Pod.EnvVar e : c.env()) {
                    if (e.name() == null || e.name().isEmpty()) {
                        check(what, field + ".env", "every variable needs a name");
                    }
                }
            }
        }
    }

    private static void check(String what, String field, String problem) throws Manifests.InvalidManifestException {
        if (problem != null) {
            throw new Manifests.InvalidManifestException(what + ": " + field + ": " + problem);
        }
    }
}
