package dev.vnet.node.model;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The API server's checks on a resource before it is stored; each failure is one line naming the field. */
public final class Validation {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
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
