package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pods as vnet runs them: a network namespace with a TAP {@code eth0}, and its containers as processes in it.
 * The kind's declaration (validation, the fields vnet acts on, columns, describe), and the reads of a Pod that
 * the rest of vnet shares.
 */
public final class PodKind {
    /** The ingress controller's image: the node runs vnet's controller process in the pod's namespace. */
    public static final String INGRESS_CONTROLLER_IMAGE = "vnet/ingress-controller";
    /**
     * The images a node knows how to run without a {@code command}, by the name {@link #builtinImage} gives a
     * reference: servers vnet runs itself (whoami, echo, nginx, nginxdemos/hello, agnhost, pause), shell images
     * whose tools come from the host (busybox ... curl), and the ingress controller. In the order the error
     * message lists them.
     */
    public static final List<String> BUILTIN_IMAGES = List.of("whoami", "echo", "nginx", "nginxdemos/hello",
            "agnhost", "pause", "busybox", "alpine", "ubuntu", "debian", "dnsutils", "jessie-dnsutils", "netshoot",
            "curl", INGRESS_CONTROLLER_IMAGE);
    /** Annotation on a Pod naming its network namespace on its node, set at admission (before a node starts it). */
    public static final String NETNS_ANNOTATION = "vnet.dev/netns";
    /** The longest name {@code ip netns} takes (NAME_MAX: it is a file in /run/netns, and a folder in /etc/netns). */
    public static final int MAX_NETNS_NAME = 255;

    public static final Kind<Pod> KIND = Kind.of(Pod.class).shortNames("po")
            .validation(PodKind::validate)
            .actsOn("spec.nodeName", "spec.hostname", "spec.subdomain", "spec.restartPolicy",
                    "spec.containers[].name", "spec.containers[].image", "spec.containers[].command",
                    "spec.containers[].args", "spec.containers[].env[].name", "spec.containers[].env[].value",
                    "spec.containers[].ports[].name", "spec.containers[].ports[].containerPort",
                    "spec.containers[].ports[].protocol", "status")
            .column(Column.of("NAME", p -> p.getMetadata().getName()))
            .column(Column.of("READY", PodKind::ready))
            .column(Column.of("STATUS", PodKind::phase))
            .column(Column.of("RESTARTS", p -> "0"))
            .column(Column.of("AGE", (p, ctx) -> Ages.of(p, ctx.now()), false))
            .column(Column.wide("IP", p -> orNone(podIp(p))))
            .column(Column.wide("NODE", p -> orNone(nodeName(p))))
            .column(Column.wide("NETNS", PodKind::netns))
            .describer(PodKind::describe)
            .build();

    private PodKind() {
    }

    /** The pod's key in the store and in a node's table of pods: namespace/name. */
    public static String key(Pod p) {
        return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    /**
     * The store key of a pod named on a command line: NAMESPACE/NAME as written, or NAME in {@code namespace}
     * (default when none is given).
     */
    public static String refKey(String ref, String namespace) {
        if (ref.contains("/")) {
            return ref;
        }
        return (namespace == null || namespace.isEmpty() ? NamespaceKind.DEFAULT : namespace) + "/" + ref;
    }

    /**
     * The network namespace of pod {@code name} in {@code namespace}: the pod's own name in default, so every lab,
     * test and README command keeps working; NAME.NAMESPACE elsewhere. Pod and namespace names are DNS-1123 labels,
     * in which a '.' cannot occur, so no two pods get one name; and it is at most 63 + 1 + 63 characters, well
     * within {@link #MAX_NETNS_NAME} (the bridge port and the log folder named after it have no shorter limit).
     */
    public static String netnsName(String namespace, String name) {
        return namespace == null || namespace.isEmpty() || namespace.equals(NamespaceKind.DEFAULT) ? name
                : name + "." + namespace;
    }

    /**
     * The pod's network namespace, as admission recorded it in {@link #NETNS_ANNOTATION}; a pod stored before
     * admission recorded it was named after itself.
     */
    public static String netns(Pod p) {
        String recorded = p.getMetadata().getAnnotations() == null ? null
                : p.getMetadata().getAnnotations().get(NETNS_ANNOTATION);
        return recorded != null && !recorded.isEmpty() ? recorded : name(p);
    }

    public static String name(Pod p) {
        return p.getMetadata().getName();
    }

    public static String namespace(Pod p) {
        return p.getMetadata().getNamespace();
    }

    /** Pending until a node has decided, then Running, Succeeded or Failed. */
    public static String phase(Pod p) {
        return p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
    }

    public static String nodeName(Pod p) {
        return p.getSpec() == null ? null : p.getSpec().getNodeName();
    }

    public static String podIp(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPodIP();
    }

    public static String message(Pod p) {
        return p.getStatus() == null || p.getStatus().getMessage() == null ? "" : p.getStatus().getMessage();
    }

    /** A Pending status with a message, as the scheduler leaves a pod it has bound. */
    public static PodStatus pending(String message) {
        return new PodStatusBuilder().withPhase("Pending").withMessage(message).build();
    }

    /**
     * The annotation of a mirror pod, as kubelet marks the pods it shows for what it runs itself: no node starts
     * it, its node keeps it (vnet's cluster DNS on each node is shown this way).
     */
    public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

    /** Whether {@code p} is a mirror pod (its node keeps it; nobody starts or stops it). */
    public static boolean mirror(Pod p) {
        return p.getMetadata() != null && p.getMetadata().getAnnotations() != null
                && p.getMetadata().getAnnotations().containsKey(MIRROR_ANNOTATION);
    }

    /**
     * The built-in image an image reference names, whatever its registry, tag or digest: its repository path
     * when that is one of {@link #BUILTIN_IMAGES} (nginxdemos/hello), else the path's last component
     * ({@code registry.k8s.io/e2e-test-images/agnhost:2.39} is agnhost, {@code docker.io/library/busybox@sha256:...}
     * is busybox, {@code curlimages/curl} is curl); null when it names none of them.
     */
    public static String builtinImage(String reference) {
        if (reference == null || reference.isBlank()) {
            return null;
        }
        String path = repositoryPath(reference.strip());
        if (BUILTIN_IMAGES.contains(path)) {
            return path;
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        return BUILTIN_IMAGES.contains(last) ? last : null;
    }

    /**
     * An image reference's repository without registry, tag and digest, as Docker Hub names it
     * ({@code docker.io/library/nginx:1.27} is nginx). The first component is a registry when it has a '.' or a
     * ':' (a port) or is localhost, as Docker decides it.
     */
    static String repositoryPath(String reference) {
        String r = reference;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int colon = r.lastIndexOf(':');
        if (colon > r.lastIndexOf('/')) {
            r = r.substring(0, colon);
        }
        int slash = r.indexOf('/');
        if (slash > 0) {
            String first = r.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                r = r.substring(slash + 1);
            }
        }
        return r.startsWith("library/") ? r.substring("library/".length()) : r;
    }

    /** The first port a container declares, or {@code fallback}. */
    public static int firstPort(Container c, int fallback) {
        return c.getPorts().isEmpty() || c.getPorts().get(0).getContainerPort() == null
                ? fallback : c.getPorts().get(0).getContainerPort();
    }

    /** A container port's protocol, TCP when not given. */
    public static String protocol(ContainerPort p) {
        return p.getProtocol() == null ? "TCP" : p.getProtocol();
    }

    private static String ready(Pod p) {
        int total = p.getSpec() == null ? 0 : p.getSpec().getContainers().size();
        long ready = p.getStatus() == null ? 0 : p.getStatus().getContainerStatuses().stream()
                .filter(c -> Boolean.TRUE.equals(c.getReady())).count();
        return ready + "/" + total;
    }

    private static String orNone(String s) {
        return s == null || s.isEmpty() ? "<none>" : s;
    }

    static void validate(Pod pod) throws InvalidManifestException {
        Names.validateMetadata(pod, Names::dns1123Label);
        String what = Names.what(pod);
        PodSpec spec = pod.getSpec();
        if (spec == null || spec.getContainers().isEmpty()) {
            throw new InvalidManifestException(what + ": spec.containers: at least one container is required");
        }
        if (spec.getRestartPolicy() != null && !List.of("Always", "OnFailure", "Never").contains(spec.getRestartPolicy())) {
            Names.check(what, "spec.restartPolicy", "must be Always, OnFailure or Never");
        }
        if (spec.getHostname() != null) {
            Names.check(what, "spec.hostname", Names.dns1123Label(spec.getHostname()));
        }
        if (spec.getSubdomain() != null) {
            Names.check(what, "spec.subdomain", Names.dns1123Label(spec.getSubdomain()));
        }
        Set<String> names = new HashSet<>();
        Set<String> ports = new HashSet<>();
        for (int i = 0; i < spec.getContainers().size(); i++) {
            Container c = spec.getContainers().get(i);
            String field = "spec.containers[" + i + "]";
            Names.check(what, field + ".name", Names.dns1123Label(c.getName()));
            if (!names.add(c.getName())) {
                Names.check(what, field + ".name", "duplicate container name \"" + c.getName() + "\"");
            }
            if (c.getCommand().isEmpty() && builtinImage(c.getImage()) == null) {
                Names.check(what, field + ".image", unknownImage(c.getImage()));
            }
            for (int j = 0; j < c.getPorts().size(); j++) {
                ContainerPort p = c.getPorts().get(j);
                String pf = field + ".ports[" + j + "]";
                if (p.getContainerPort() == null || p.getContainerPort() < 1 || p.getContainerPort() > 65535) {
                    Names.check(what, pf + ".containerPort", "must be between 1 and 65535");
                }
                String proto = protocol(p);
                if (!List.of("TCP", "UDP", "SCTP").contains(proto)) {
                    Names.check(what, pf + ".protocol", "must be TCP, UDP or SCTP");
                }
                if (!ports.add(proto + "/" + p.getContainerPort())) {
                    Names.check(what, pf + ".containerPort", "port " + p.getContainerPort() + "/" + proto
                            + " is declared twice in this pod");
                }
                if (p.getName() != null) {
                    Names.check(what, pf + ".name", Names.dns1123Label(p.getName()));
                }
            }
            for (EnvVar e : c.getEnv()) {
                if (e.getName() == null || e.getName().isEmpty()) {
                    Names.check(what, field + ".env", "every variable needs a name");
                }
            }
        }
    }

    /** Why a container without a command cannot run {@code image}, and what to give instead. */
    public static String unknownImage(String image) {
        return "\"" + (image == null ? "" : image) + "\" is not a built-in image (" + String.join(", ", BUILTIN_IMAGES)
                + "; any registry, path or tag): give one of those, or a command: [...] to run in the pod's "
                + "namespace";
    }

    private static Description describe(Pod p, DescribeContext ctx) {
        Description d = Description.head(p)
                .field("Node:", orNone(nodeName(p)))
                .field("Status:", phase(p));
        if (!message(p).isEmpty()) {
            d.field("Message:", message(p));
        }
        d.field("IP:", orNone(podIp(p)));
        d.field("Network Namespace:", netns(p));
        d.line("Containers:");
        for (Container c : p.getSpec().getContainers()) {
            d.line("  " + c.getName() + ":");
            d.field("    Image:", c.getImage() == null ? "<none>" : c.getImage());
            for (ContainerPort port : c.getPorts()) {
                d.field("    Port:", port.getContainerPort() + "/" + protocol(port)
                        + (port.getName() == null ? "" : " (" + port.getName() + ")"));
            }
            if (!c.getCommand().isEmpty()) {
                d.field("    Command:", String.join(" ", c.getCommand()));
            }
            if (!c.getArgs().isEmpty()) {
                d.field("    Args:", String.join(" ", c.getArgs()));
            }
            ContainerStatus cs = p.getStatus() == null ? null : p.getStatus().getContainerStatuses().stream()
                    .filter(s -> c.getName().equals(s.getName())).findFirst().orElse(null);
            if (cs != null && cs.getState() != null) {
                if (cs.getState().getRunning() != null) {
                    d.field("    State:", "Running");
                } else if (cs.getState().getTerminated() != null) {
                    d.field("    State:", "Terminated (exit code " + cs.getState().getTerminated().getExitCode() + ")");
                }
                d.field("    Ready:", String.valueOf(Boolean.TRUE.equals(cs.getReady())));
            }
        }
        return d.field("Events:", "<none>");
    }
}
