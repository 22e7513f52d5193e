package dev.vnet.policy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A compiled label selector ({@code matchLabels} and {@code matchExpressions}, ANDed): a few parallel arrays
 * that {@link #matches} walks with one map lookup per requirement. {@code matchLabels} entries become
 * {@code In} with one value, as Kubernetes converts them. An empty selector ({@code {}}) matches everything.
 *
 * <p>Compiling never throws. What the API server would refuse is read by its plain meaning: {@code In} with no
 * values matches nothing, {@code NotIn} with none matches everything, values given to {@code Exists} or
 * {@code DoesNotExist} are ignored, and an unknown operator matches nothing.
 */
final class Selector {
    static final Selector ALL = new Selector(new String[0], new int[0], new String[0][], "{}");

    private static final int IN = 0;
    private static final int NOT_IN = 1;
    private static final int EXISTS = 2;
    private static final int DOES_NOT_EXIST = 3;
    private static final int NEVER = 4;

    private final String[] keys;
    private final int[] ops;
    private final String[][] values;
    private final String text;

    private Selector(String[] keys, int[] ops, String[][] values, String text) {
        this.keys = keys;
        this.ops = ops;
        this.values = values;
        this.text = text;
    }

    /** The compiled form of {@code s}, or null if {@code s} is null (what "absent" means is the caller's). */
    static Selector compile(LabelSelector s) {
        if (s == null) {
            return null;
        }
        List<String> k = new ArrayList<>();
        List<Integer> o = new ArrayList<>();
        List<String[]> v = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        if (s.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : new TreeMap<>(s.getMatchLabels()).entrySet()) {
                String value = e.getValue() == null ? "" : e.getValue();
                k.add(e.getKey());
                o.add(IN);
                v.add(new String[] {value});
                parts.add(e.getKey() + "=" + value);
            }
        }
        if (s.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : s.getMatchExpressions()) {
                if (r == null) {
                    continue;
                }
                String key = r.getKey() == null ? "" : r.getKey();
                String[] vals = r.getValues() == null ? new String[0]
                        : r.getValues().stream().map(x -> x == null ? "" : x).toArray(String[]::new);
                String op = r.getOperator() == null ? "" : r.getOperator();
                int code = switch (op) {
                    case "In" -> IN;
                    case "NotIn" -> NOT_IN;
                    case "Exists" -> EXISTS;
                    case "DoesNotExist" -> DOES_NOT_EXIST;
                    default -> NEVER;
                };
                k.add(key);
                o.add(code);
                v.add(vals);
                String list = "(" + String.join(",", vals) + ")";
                parts.add(switch (code) {
                    case IN -> key + " in " + list;
                    case NOT_IN -> key + " notin " + list;
                    case EXISTS -> key;
                    case DOES_NOT_EXIST -> "!" + key;
                    default -> key + " " + op + " " + list;
                });
            }
        }
        if (k.isEmpty()) {
            return ALL;
        }
        return new Selector(k.toArray(new String[0]), o.stream().mapToInt(Integer::intValue).toArray(),
                v.toArray(new String[0][]), String.join(",", parts));
    }

    /** True if the labels meet every requirement. Allocates nothing. */
    boolean matches(Map<String, String> labels) {
        for (int i = 0; i < keys.length; i++) {
            String have = labels.get(keys[i]);
            switch (ops[i]) {
                case IN -> {
                    if (have == null || !contains(values[i], have)) {
                        return false;
                    }
                }
                case NOT_IN -> {
                    if (have != null && contains(values[i], have)) {
                        return false;
                    }
                }
                case EXISTS -> {
                    if (have == null) {
                        return false;
                    }
                }
                case DOES_NOT_EXIST -> {
                    if (have != null) {
                        return false;
                    }
                }
                default -> {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean contains(String[] values, String v) {
        for (String s : values) {
            if (s.equals(v)) {
                return true;
            }
        }
        return false;
    }

    /** True for {@code {}}. */
    boolean selectsAll() {
        return keys.length == 0;
    }

    /** As kubectl prints a selector: "role=frontend,tier in (a,b),!legacy"; "{}" for the empty one. */
    @Override
    public String toString() {
        return text;
    }
}
