package dev.vnet.node.workload;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The flags of one agnhost subcommand, parsed as agnhost's flag library (spf13/pflag) parses them:
 * {@code --name=value} or {@code --name value}; a bool flag alone is true and takes its value only after '='
 * ({@code --http=false}); {@code --} ends the flags. agnhost's subcommands take no positional arguments, and
 * none of vnet's has a one-letter flag. Errors read as agnhost's do.
 */
final class AgnhostArgs {
    enum Type { BOOL, INT, STRING }

    private static final Set<String> TRUE = Set.of("1", "t", "T", "true", "TRUE", "True");
    private static final Set<String> FALSE = Set.of("0", "f", "F", "false", "FALSE", "False");

    private final Map<String, String> values;

    private AgnhostArgs(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses {@code args} (those after the subcommand's name) against the subcommand's {@code flags};
     * throws {@link IllegalArgumentException} for what agnhost would refuse.
     */
    static AgnhostArgs parse(List<String> args, Map<String, Type> flags) {
        Map<String, String> values = new HashMap<>();
        int positional = 0;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                positional += args.size() - i - 1;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) {
                positional++;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unknown shorthand flag: '" + a.charAt(1) + "' in " + a);
            }
            String body = a.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            Type type = flags.get(name);
            if (type == null) {
                throw new IllegalArgumentException("unknown flag: --" + name);
            }
            String value;
            if (eq >= 0) {
                value = body.substring(eq + 1);
            } else if (type == Type.BOOL) {
                value = "true";
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException("flag needs an argument: --" + name);
            }
            check(name, type, value);
            values.put(name, value);
        }
        if (positional > 0) {
            throw new IllegalArgumentException("accepts at most 0 arg(s), received " + positional);
        }
        return new AgnhostArgs(values);
    }

    private static void check(String name, Type type, String value) {
        String why = switch (type) {
            case BOOL -> TRUE.contains(value) || FALSE.contains(value) ? null : "not a boolean";
            case INT -> isInt(value) ? null : "not an integer";
            case STRING -> null;
        };
        if (why != null) {
            throw new IllegalArgumentException("invalid argument \"" + value + "\" for \"--" + name + "\" flag: "
                    + why);
        }
    }

    private static boolean isInt(String value) {
        try {
            Integer.parseInt(value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    boolean given(String name) {
        return values.containsKey(name);
    }

    boolean bool(String name, boolean fallback) {
        String v = values.get(name);
        return v == null ? fallback : TRUE.contains(v);
    }

    int integer(String name, int fallback) {
        String v = values.get(name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    String string(String name, String fallback) {
        String v = values.get(name);
        return v == null ? fallback : v;
    }
}
