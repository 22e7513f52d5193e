package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The lines of {@code describe}, as kubectl prints them: a label padded to a column, then its value. */
public final class Description {
    private final List<String> lines = new ArrayList<>();

    /** "Label:" then the value, aligned. */
    public Description field(String label, String value) {
        lines.add(String.format("%-25s%s", label, value));
        return this;
    }

    public Description line(String text) {
        lines.add(text);
        return this;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** label=value,label=value or {@code <none>}, as kubectl prints selectors and labels on one line. */
    public static String pairs(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return "<none>";
        }
        List<String> out = new ArrayList<>();
        map.forEach((k, v) -> out.add(k + "=" + v));
        return String.join(",", out);
    }

    /** Name, namespace, labels and annotations: the head of every description. */
    public static Description head(HasMetadata o) {
        Description d = new Description().field("Name:", o.getMetadata().getName());
        if (o.getMetadata().getNamespace() != null) {
            d.field("Namespace:", o.getMetadata().getNamespace());
        }
        return d.field("Labels:", pairs(o.getMetadata().getLabels()))
                .field("Annotations:", pairs(o.getMetadata().getAnnotations()));
    }

    /** For a kind without a describer of its own: the head, then its other fields as kubectl's generic describer. */
    public static <T extends HasMetadata> Description generic(T o, DescribeContext ignored) {
        Description d = head(o);
        JsonNode tree = Json.tree(o);
        for (var e : tree.properties()) {
            if (List.of("apiVersion", "kind", "metadata").contains(e.getKey())) {
                continue;
            }
            nested(d, e.getKey(), e.getValue(), 0);
        }
        return d;
    }

    private static void nested(Description d, String key, JsonNode value, int depth) {
        String indent = "  ".repeat(depth);
        if (value.isObject()) {
            d.line(indent + capitalize(key) + ":");
            value.properties().forEach(e -> nested(d, e.getKey(), e.getValue(), depth + 1));
        } else if (value.isArray()) {
            d.line(indent + capitalize(key) + ":");
            for (JsonNode item : value) {
                if (item.isValueNode()) {
                    d.line(indent + "  " + item.asString());
                } else {
                    // An object in a list: its fields one level in, the first marked as the item's start.
                    boolean first = true;
                    for (var e : item.properties()) {
                        nested(d, (first ? "- " : "  ") + e.getKey(), e.getValue(), depth + 1);
                        first = false;
                    }
                }
            }
        } else {
            d.line(String.format("%-25s%s", indent + capitalize(key) + ":", value.asString()));
        }
    }

    private static String capitalize(String s) {
        if (s.startsWith("- ") || s.startsWith("  ")) {
            return s.substring(0, 2) + capitalize(s.substring(2));
        }
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
