package dev.vnet.cli.course;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a lab declares, for checking references while its file loads: the pods and Services of its manifests
 * (starting ones and those its steps apply) and how many nodes it needs. A check naming a pod the lab never
 * creates is a typo, caught at load time instead of failing forever.
 */
record Scope(Set<String> pods, Set<String> services, int nodes) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
    private static final Pattern NODE = Pattern.compile("node-([1-9])");

    static boolean isIpv4(String s) {
        return IPV4.matcher(s).matches();
    }

    /** A field naming one of the lab's pods. */
    String pod(Fields f, String key) throws ExerciseFileException {
        String name = f.text(key);
        if (!pods.contains(name)) {
            throw f.error("\"" + key + "\": the lab creates no pod " + name + " (its pods: " + list(pods) + ")");
        }
        return name;
    }

    /** A field naming one of the lab's Services. */
    String service(Fields f, String key) throws ExerciseFileException {
        String name = f.text(key);
        if (!services.contains(name)) {
            throw f.error("\"" + key + "\": the lab creates no Service " + name + " (its Services: " + list(services) + ")");
        }
        return name;
    }

    /** A field naming a node the lab has: node-1 up to node-N. */
    String node(Fields f, String key) throws ExerciseFileException {
        String name = f.text(key);
        checkNode(f, name);
        return name;
    }

    private void checkNode(Fields f, String name) throws ExerciseFileException {
        var m = NODE.matcher(name);
        if (!m.matches() || Integer.parseInt(m.group(1)) > nodes) {
            throw f.error("\"" + name + "\" is not a node of this lab (it needs " + nodes + ": node-1"
                    + (nodes > 1 ? " to node-" + nodes : "") + ")");
        }
    }

    /** Where a command runs: a pod of the lab, node/NAME, outside, or host (the machine itself). */
    String place(Fields f, String key) throws ExerciseFileException {
        String where = f.text(key);
        if (where.equals("outside") || where.equals("host")) {
            return where;
        }
        if (where.startsWith("node/")) {
            checkNode(f, where.substring(5));
            return where;
        }
        if (!pods.contains(where)) {
            throw f.error("\"" + key + "\": " + where + " is neither a pod of the lab, node/NAME, outside nor host");
        }
        return where;
    }

    /**
     * A destination: an IP, a pod or Service of the lab, or a variable; with {@code :PORT} when
     * {@code portAllowed}.
     */
    String destination(Fields f, String key, boolean portAllowed) throws ExerciseFileException {
        String to = text(f, key);
        String host = to;
        if (portAllowed && to.matches(".*:\\d+") && !to.endsWith("}")) {
            host = to.substring(0, to.lastIndexOf(':'));
        }
        if (!host.contains("${") && !isIpv4(host) && !pods.contains(host) && !services.contains(host)) {
            throw f.error("\"" + key + "\": " + host + " is neither an IP nor a pod or Service of the lab");
        }
        return to;
    }

    /** A text that may use variables: each must name something the lab has. */
    String text(Fields f, String key) throws ExerciseFileException {
        String text = f.text(key);
        checkVars(f, text);
        return text;
    }

    /** A check's optional {@code missing} line (null if absent), its variables checked. */
    String missing(Fields f) throws ExerciseFileException {
        String text = f.optText("missing", null);
        if (text != null) {
            checkVars(f, text);
        }
        return text;
    }

    /** Services every lab has: the cluster DNS and the ingress controller's (unless `vnet up --no-ingress`). */
    static final Set<String> BUILT_IN_SERVICES = Set.of("kube-system/kube-dns", "ingress/ingress-controller");

    /** Checks that the variables of {@code text} name pods, Services and nodes the lab has. */
    void checkVars(Fields f, String text) throws ExerciseFileException {
        for (Vars.Ref ref : Vars.refs(text, f)) {
            switch (ref.argKind()) {
                case POD -> {
                    if (!pods.contains(ref.arg())) {
                        throw f.error(ref + ": the lab creates no pod " + ref.arg());
                    }
                }
                case SERVICE -> {
                    if (!services.contains(ref.arg()) && !BUILT_IN_SERVICES.contains(ref.arg())) {
                        throw f.error(ref + ": the lab creates no Service " + ref.arg());
                    }
                }
                case NODE -> checkNode(f, ref.arg());
                case NONE -> { }
                default -> throw new IllegalStateException(ref.toString());
            }
        }
    }

    private static String list(Set<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(names));
    }
}
