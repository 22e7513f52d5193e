package dev.vnet.cli.course;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The variables of lab files: {@code ${ip:lab2-b}} is filled in from the running lab when a check runs or a
 * step is shown, so texts and checks need no addresses written in advance. Only lower-case names are lab
 * variables; {@code ${HOME}} and other upper-case names are left for the shell.
 */
public final class Vars {
    private static final Pattern VAR = Pattern.compile("\\$\\{([a-z]+)(?::([^}]*))?}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern NODE = Pattern.compile("node-[1-9]");

    /** What a variable's argument names. */
    enum Arg { POD, SERVICE, NODE, NONE }

    /** Every variable: its name, what its argument names, and what it stands for (for messages). */
    static final Map<String, Arg> KINDS = Map.of(
            "ip", Arg.POD, // the pod's IP
            "mac", Arg.POD, // the pod's eth0 MAC: 0a:58 and the IP's four bytes
            "node", Arg.POD, // the node the pod runs on
            "gateway", Arg.POD, // the gateway of the pod's node (10.244.N.1)
            "clusterip", Arg.SERVICE, // the Service's ClusterIP
            "lbip", Arg.SERVICE, // the Service's LoadBalancer IP
            "tun", Arg.NODE, // the node's TUN address (10.244.N.0)
            "underlay", Arg.NODE, // the node's underlay address (192.168.56.(10+N))
            "workdir", Arg.NONE, // a scratch folder of this lab, emptied by `lab start` and `lab reset`
            "labdir", Arg.NONE); // the lab's own folder (its manifests)

    private Vars() {}

    /** One use of a variable: {@code ${kind:arg}} or {@code ${kind}}. */
    public record Ref(String kind, String arg) {
        Arg argKind() {
            return KINDS.get(kind);
        }

        @Override
        public String toString() {
            return "${" + kind + (arg.isEmpty() ? "" : ":" + arg) + "}";
        }
    }

    /** A variable that cannot be filled in yet; the message says why in the learner's words. */
    public static final class Unresolved extends Exception {
        public Unresolved(String message) {
            super(message);
        }
    }

    /** Fills in one variable. */
    @FunctionalInterface
    public interface Resolver {
        String value(Ref ref) throws Unresolved;
    }

    /** The variables used in {@code text}, checked: known names, the argument each needs, well-formed names. */
    static List<Ref> refs(String text, Fields where) throws ExerciseFileException {
        List<Ref> out = new ArrayList<>();
        Matcher m = VAR.matcher(text);
        while (m.find()) {
            String kind = m.group(1);
            String arg = m.group(2) == null ? "" : m.group(2);
            Arg want = KINDS.get(kind);
            if (want == null) {
                throw where.error("unknown variable ${" + kind + "} (known: "
                        + String.join(", ", new java.util.TreeSet<>(KINDS.keySet())) + ")");
            }
            if (want == Arg.NONE && !arg.isEmpty()) {
                throw where.error("${" + kind + "} takes no argument");
            }
            if (want != Arg.NONE && arg.isEmpty()) {
                throw where.error("${" + kind + "} needs " + (want == Arg.NODE ? "a node" : "a " + want.name().toLowerCase())
                        + ": ${" + kind + ":NAME}");
            }
            if (want == Arg.NODE && !NODE.matcher(arg).matches()) {
                throw where.error("${" + kind + ":" + arg + "}: nodes are named node-1 ... node-9");
            }
            String name = want == Arg.SERVICE ? arg.substring(arg.indexOf('/') + 1) : arg; // NAMESPACE/NAME too
            if ((want == Arg.POD || want == Arg.SERVICE) && !NAME.matcher(name).matches()) {
                throw where.error("${" + kind + ":" + arg + "}: \"" + arg + "\" is not a resource name");
            }
            out.add(new Ref(kind, arg));
        }
        return out;
    }

    /** {@code text} with every lab variable filled in; the first that cannot be fails the whole. */
    public static String expand(String text, Resolver resolver) throws Unresolved {
        Matcher m = VAR.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Ref ref = new Ref(m.group(1), m.group(2) == null ? "" : m.group(2));
            String value = KINDS.containsKey(ref.kind()) ? resolver.value(ref) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code text} for display: variables that cannot be filled in yet read as {@code <ip of lab2-c>}. */
    public static String show(String text, Resolver resolver) {
        try {
            return expand(text, ref -> {
                try {
                    return resolver.value(ref);
                } catch (Unresolved e) {
                    return "<" + ref.kind() + (ref.arg().isEmpty() ? "" : " of " + ref.arg()) + ">";
                }
            });
        } catch (Unresolved e) {
            throw new IllegalStateException(e); // the lenient resolver never throws
        }
    }
}
