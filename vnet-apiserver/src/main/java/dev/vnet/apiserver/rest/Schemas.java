package dev.vnet.apiserver.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAPI schemas of the kinds, read from their model classes (the fabric8 model declares each field with its
 * JSON name and type): objects, lists, maps, int-or-string and the scalars, one definition per class. The lists
 * Kubernetes merges by key ({@link Patches#mergeKey}) carry {@code x-kubernetes-patch-merge-key}, which
 * kubectl's client-side apply reads to build its strategic merge patch.
 */
final class Schemas {
    private final ObjectNode definitions;
    private final String refPrefix;

    Schemas(ObjectNode definitions, String refPrefix) {
        this.definitions = definitions;
        this.refPrefix = refPrefix;
    }

    /** Defines the kind's schema (and everything under it); returns its $ref. */
    String kind(Kind<?> kind) {
        String ref = define(kind.type());
        ObjectNode def = (ObjectNode) definitions.get(name(kind.type()));
        String version = kind.apiVersion().contains("/")
                ? kind.apiVersion().substring(kind.apiVersion().indexOf('/') + 1) : kind.apiVersion();
        def.putArray("x-kubernetes-group-version-kind").addObject().put("group", kind.group())
                .put("version", version).put("kind", kind.kind());
        def.put("description", kind.kind() + " (" + kind.apiVersion() + "), as vnet serves it.");
        return ref;
    }

    private static String name(Class<?> c) {
        return c.getName().replace('$', '.');
    }

    private String define(Class<?> c) {
        String name = name(c);
        if (!definitions.has(name)) {
            ObjectNode def = definitions.putObject(name);
            def.put("type", "object");
            ObjectNode props = def.putObject("properties");
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("additionalProperties")) {
                        continue;
                    }
                    JsonProperty p = f.getAnnotation(JsonProperty.class);
                    String prop = p != null && !p.value().isEmpty() ? p.value() : f.getName();
                    ObjectNode schema = schema(f.getGenericType());
                    if (schema.path("type").asString("").equals("array")) {
                        Class<?> item = elementClass(f.getGenericType());
                        String key = Patches.mergeKey(prop, itemHint(item));
                        if (key != null) {
                            schema.put("x-kubernetes-patch-merge-key", key)
                                    .put("x-kubernetes-patch-strategy", "merge");
                            schema.putArray("x-kubernetes-list-map-keys").add(key);
                            schema.put("x-kubernetes-list-type", "map");
                        }
                    }
                    props.set(prop, schema);
                }
            }
        }
        return refPrefix + name;
    }

    /** An empty list item carrying containerPort when the list is of container ports (their merge key). */
    private static tools.jackson.databind.node.ArrayNode itemHint(Class<?> item) {
        tools.jackson.databind.node.ArrayNode a = Json.MAPPER.createArrayNode();
        if (item != null && item.getSimpleName().equals("ContainerPort")) {
            a.addObject().put("containerPort", 0);
        }
        return a;
    }

    private static Class<?> elementClass(Type t) {
        if (t instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        return null;
    }

    private ObjectNode schema(Type t) {
        ObjectNode s = Json.object();
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            if (List.class.isAssignableFrom(raw) || java.util.Set.class.isAssignableFrom(raw)) {
                s.put("type", "array");
                s.set("items", schema(args[0]));
                return s;
            }
            if (Map.class.isAssignableFrom(raw)) {
                s.put("type", "object");
                s.set("additionalProperties", schema(args[1]));
                return s;
            }
            return schema(raw);
        }
        if (!(t instanceof Class<?> c)) {
            return s.put("type", "object");
        }
        if (c == String.class || c.isEnum()) {
            return s.put("type", "string");
        }
        if (c == Integer.class || c == int.class || c == Short.class || c == short.class) {
            return s.put("type", "integer").put("format", "int32");
        }
        if (c == Long.class || c == long.class) {
            return s.put("type", "integer").put("format", "int64");
        }
        if (c == Boolean.class || c == boolean.class) {
            return s.put("type", "boolean");
        }
        if (c == Double.class || c == double.class || c == Float.class || c == float.class) {
            return s.put("type", "number");
        }
        String simple = c.getSimpleName();
        if (simple.equals("IntOrString")) {
            return s.put("format", "int-or-string").put("x-kubernetes-int-or-string", true);
        }
        if (simple.equals("Quantity") || simple.equals("MicroTime") || simple.equals("Duration")) {
            return s.put("type", "string");
        }
        if (c == Object.class || simple.equals("JsonNode") || simple.equals("RawExtension")) {
            return s.put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        }
        if (c.isArray()) {
            return s.put("type", "string").put("format", "byte");
        }
        if (c.getName().startsWith("java.")) {
            return s.put("type", "string");
        }
        return s.put("$ref", define(c));
    }
}
