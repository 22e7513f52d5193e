package dev.vnet.apiserver.rest;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The patch formats kubectl sends, applied to an object's JSON tree:
 * <ul>
 *   <li>JSON merge patch (RFC 7386, {@code application/merge-patch+json}): objects merge, null removes, anything
 *       else (lists included) replaces.
 *   <li>Strategic merge patch ({@code application/strategic-merge-patch+json}, what {@code kubectl apply},
 *       {@code label} and {@code annotate} send for built-in kinds): as a merge patch, but the lists Kubernetes
 *       declares with a patch merge key (containers, ports, env, volumes... by name or port) merge item by item,
 *       an item with {@code $patch: delete} is removed, {@code $patch: replace} replaces, and the directives
 *       {@code $setElementOrder/F}, {@code $retainKeys} and {@code $deleteFromPrimitiveList/F} are honoured
 *       enough for kubectl's client-side apply (order and retained keys are not enforced).
 *   <li>JSON patch (RFC 6902, {@code application/json-patch+json}): add, remove, replace, move, copy, test.
 * </ul>
 */
final class Patches {
    private Patches() {
    }

    /** The patch merge key of a list field, by its name, or null for a list that is replaced whole. */
    static String mergeKey(String field, ArrayNode items) {
        switch (field) {
            case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
                 "resourceClaims", "readinessGates" -> {
                return field.equals("readinessGates") ? "conditionType" : "name";
            }
            case "volumeMounts" -> {
                return "mountPath";
            }
            case "volumeDevices" -> {
                return "devicePath";
            }
            case "conditions" -> {
                return "type";
            }
            case "hostAliases" -> {
                return "ip";
            }
            case "topologySpreadConstraints" -> {
                return "topologyKey";
            }
            case "ports" -> {
                // A container's ports merge by containerPort, a Service's by port.
                for (JsonNode i : items) {
                    if (i.has("containerPort")) {
                        return "containerPort";
                    }
                }
                return "port";
            }
            default -> {
                return null;
            }
        }
    }

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? (ObjectNode) target.deepCopy()
                : JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), mergePatch(out.get(e.getKey()), e.getValue()));
            }
        }
        return out;
    }

    static JsonNode strategicMerge(JsonNode target, JsonNode patch) throws KubeStatus {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        if ("replace".equals(patch.path("$patch").asString(""))) {
            ObjectNode copy = (ObjectNode) patch.deepCopy();
            copy.remove("$patch");
            return copy;
        }
        ObjectNode out = target != null && target.isObject() ? (ObjectNode) target.deepCopy()
                : JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$setElementOrder/") || key.equals("$retainKeys") || key.equals("$patch")) {
                continue;
            }
            if (key.startsWith("$deleteFromPrimitiveList/")) {
                String field = key.substring("$deleteFromPrimitiveList/".length());
                if (out.get(field) instanceof ArrayNode have) {
                    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
                    for (JsonNode h : have) {
                        if (!contains(value, h)) {
                            kept.add(h);
                        }
                    }
                    out.set(field, kept);
                }
                continue;
            }
            if (value.isNull()) {
                out.remove(key);
            } else if (value.isObject()) {
                if ("delete".equals(value.path("$patch").asString(""))) {
                    out.remove(key);
                } else {
                    out.set(key, strategicMerge(out.get(key), value));
                }
            } else if (value.isArray()) {
                String mergeKey = mergeKey(key, (ArrayNode) value);
                JsonNode have = out.get(key);
                if (mergeKey == null || have == null || !have.isArray()) {
                    out.set(key, withoutDirectives((ArrayNode) value));
                } else {
                    out.set(key, mergeList((ArrayNode) have, (ArrayNode) value, mergeKey));
                }
            } else {
                out.set(key, value.deepCopy());
            }
        }
        return out;
    }

    private static boolean contains(JsonNode array, JsonNode item) {
        for (JsonNode a : array) {
            if (a.equals(item)) {
                return true;
            }
        }
        return false;
    }

    /** Items of a merging list: matched by key, patched in place; new ones appended; $patch: delete removes. */
    private static ArrayNode mergeList(ArrayNode have, ArrayNode patch, String mergeKey) throws KubeStatus {
        ArrayNode out = have.deepCopy();
        for (JsonNode p : patch) {
            if (p.isObject() && "replace".equals(p.path("$patch").asString(""))) {
                return withoutDirectives(patch);
            }
        }
        for (JsonNode p : patch) {
            if (!p.isObject() || !p.has(mergeKey)) {
                throw KubeStatus.badRequest("strategic merge patch: an item of a list merged by \"" + mergeKey
                        + "\" has no " + mergeKey + ": " + p);
            }
            JsonNode id = p.get(mergeKey);
            int at = -1;
            for (int i = 0; i < out.size(); i++) {
                if (sameKey(out.get(i).get(mergeKey), id)) {
                    at = i;
                    break;
                }
            }
            if ("delete".equals(p.path("$patch").asString(""))) {
                if (at >= 0) {
                    out.remove(at);
                }
            } else if (at >= 0) {
                out.set(at, strategicMerge(out.get(at), p));
            } else {
                out.add(strategicMerge(null, p));
            }
        }
        return out;
    }

    /** 80 and "80" are one port to kubectl's patches. */
    private static boolean sameKey(JsonNode a, JsonNode b) {
        return a != null && (a.equals(b) || a.asString("").equals(b.asString("")));
    }

    private static ArrayNode withoutDirectives(ArrayNode items) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode i : items) {
            if (i.isObject() && i.has("$patch")) {
                if ("delete".equals(i.path("$patch").asString(""))) {
                    continue;
                }
                ObjectNode c = (ObjectNode) i.deepCopy();
                c.remove("$patch");
                out.add(c);
            } else {
                out.add(i.deepCopy());
            }
        }
        return out;
    }

    static JsonNode jsonPatch(JsonNode target, JsonNode ops) throws KubeStatus {
        if (!ops.isArray()) {
            throw KubeStatus.badRequest("a JSON patch is a list of operations ([{\"op\":\"add\",...}])");
        }
        JsonNode doc = target.deepCopy();
        for (JsonNode op : ops) {
            String kind = op.path("op").asString("");
            String path = op.path("path").asString(null);
            if (path == null) {
                throw KubeStatus.badRequest("JSON patch operation without a path: " + op);
            }
            switch (kind) {
                case "add" -> doc = put(doc, path, required(op, "value"), true);
                case "replace" -> {
                    get(doc, path);
                    doc = put(doc, path, required(op, "value"), false);
                }
                case "remove" -> doc = remove(doc, path);
                case "move" -> {
                    String from = op.path("from").asString("");
                    JsonNode v = get(doc, from);
                    doc = put(remove(doc, from), path, v, true);
                }
                case "copy" -> doc = put(doc, path, get(doc, op.path("from").asString("")).deepCopy(), true);
                case "test" -> {
                    if (!get(doc, path).equals(required(op, "value"))) {
                        throw new KubeStatus(422, "Invalid", "JSON patch test failed at " + path);
                    }
                }
                default -> throw KubeStatus.badRequest("unknown JSON patch operation \"" + kind
                        + "\": use add, remove, replace, move, copy or test");
            }
        }
        return doc;
    }

    private static JsonNode required(JsonNode op, String field) throws KubeStatus {
        if (!op.has(field)) {
            throw KubeStatus.badRequest("JSON patch operation " + op.path("op").asString() + " needs a " + field);
        }
        return op.get(field);
    }

    private static String[] tokens(String path) throws KubeStatus {
        if (path.isEmpty()) {
            return new String[0];
        }
        if (!path.startsWith("/")) {
            throw KubeStatus.badRequest("JSON pointer \"" + path + "\" must start with /");
        }
        String[] parts = path.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].replace("~1", "/").replace("~0", "~");
        }
        return parts;
    }

    private static JsonNode get(JsonNode doc, String path) throws KubeStatus {
        JsonNode n = doc;
        for (String t : tokens(path)) {
            n = n.isArray() ? n.get(index(t, n.size() - 1, path)) : n.get(t);
            if (n == null) {
                throw new KubeStatus(422, "Invalid", "JSON patch: no value at " + path);
            }
        }
        return n;
    }

    private static JsonNode put(JsonNode doc, String path, JsonNode value, boolean insert) throws KubeStatus {
        String[] t = tokens(path);
        if (t.length == 0) {
            return value.deepCopy();
        }
        JsonNode parent = get(doc, parentOf(path));
        String last = t[t.length - 1];
        if (parent instanceof ObjectNode o) {
            o.set(last, value.deepCopy());
        } else if (parent instanceof ArrayNode a) {
            if (last.equals("-")) {
                a.add(value.deepCopy());
            } else if (insert) {
                a.insert(index(last, a.size(), path), value.deepCopy());
            } else {
                a.set(index(last, a.size() - 1, path), value.deepCopy());
            }
        } else {
            throw new KubeStatus(422, "Invalid", "JSON patch: the parent of " + path + " is not an object or list");
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, String path) throws KubeStatus {
        String[] t = tokens(path);
        get(doc, path);
        JsonNode parent = get(doc, parentOf(path));
        String last = t[t.length - 1];
        if (parent instanceof ObjectNode o) {
            o.remove(last);
        } else if (parent instanceof ArrayNode a) {
            a.remove(index(last, a.size() - 1, path));
        }
        return doc;
    }

    private static String parentOf(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    private static int index(String token, int max, String path) throws KubeStatus {
        try {
            int i = Integer.parseInt(token);
            if (i < 0 || i > max) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new KubeStatus(422, "Invalid", "JSON patch: bad list index \"" + token + "\" in " + path);
        }
    }
}
