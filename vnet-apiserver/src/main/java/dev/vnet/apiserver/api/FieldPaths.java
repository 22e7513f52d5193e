package dev.vnet.apiserver.api;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;

/**
 * Field paths of a resource, as kubectl's strict validation names them ({@code spec.containers[0].imagee}): the
 * fields Kubernetes does not know, which the fabric8 model keeps aside in {@code additionalProperties}, and the
 * fields set that vnet does not act on.
 */
final class FieldPaths {
    private static final Map<Class<?>, List<Field>> FIELDS = new ConcurrentHashMap<>();

    private FieldPaths() {
    }

    /** Paths of the fields the model did not know, in document order. */
    static List<String> unknown(Object root) {
        List<String> out = new ArrayList<>();
        walk(root, "", out);
        return out;
    }

    private static void walk(Object o, String path, List<String> out) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                walk(item, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, join(path, String.valueOf(k)), out));
            return;
        }
        if (!isModel(o.getClass())) {
            return;
        }
        for (Field f : fields(o.getClass())) {
            Object v;
            try {
                v = f.get(o);
            } catch (IllegalAccessException e) {
                continue;
            }
            if (f.getName().equals("additionalProperties") && v instanceof Map<?, ?> extra) {
                extra.keySet().forEach(k -> out.add(join(path, String.valueOf(k))));
                continue;
            }
            com.fasterxml.jackson.annotation.JsonProperty p = f.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            walk(v, join(path, p != null && !p.value().isEmpty() ? p.value() : f.getName()), out);
        }
    }

    private static boolean isModel(Class<?> c) {
        String n = c.getName();
        return n.startsWith("io.fabric8.kubernetes.api.model.") || n.startsWith("dev.vnet.");
    }

    private static List<Field> fields(Class<?> type) {
        return FIELDS.computeIfAbsent(type, t -> {
            List<Field> out = new ArrayList<>();
            for (Class<?> c = t; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && f.trySetAccessible()) {
                        out.add(f);
                    }
                }
            }
            return out;
        });
    }

    /**
     * The fields a document sets that are not under any of {@code actedOn} ({@code spec.containers[].image}
     * covers that field and everything under it), with list indices written {@code []}.
     */
    static List<String> ignored(JsonNode doc, List<String> actedOn) {
        Set<String> out = new TreeSet<>();
        ignored(doc, "", actedOn, out);
        return List.copyOf(out);
    }

    private static void ignored(JsonNode node, String path, List<String> actedOn, Set<String> out) {
        if (!path.isEmpty()) {
            for (String a : actedOn) {
                if (path.equals(a) || path.startsWith(a + ".") || path.startsWith(a + "[")) {
                    return; // acted on, with everything under it
                }
            }
            boolean under = actedOn.stream().anyMatch(a -> a.startsWith(path + ".") || a.startsWith(path + "["));
            if (!under || node.isValueNode() || node.isEmpty()) {
                if (!node.isNull()) {
                    out.add(path);
                }
                return;
            }
        }
        if (node.isObject()) {
            node.properties().forEach(e -> ignored(e.getValue(), join(path, e.getKey()), actedOn, out));
        } else if (node.isArray()) {
            node.forEach(item -> ignored(item, path + "[]", actedOn, out));
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
