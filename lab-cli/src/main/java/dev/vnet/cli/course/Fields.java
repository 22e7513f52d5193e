package dev.vnet.cli.course;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The fields of one mapping in a lab file, read strictly: each getter names the place and the field when the
 * value is missing or of the wrong type, and {@link #done()} rejects the fields nobody read (typos).
 */
final class Fields {
    private final JsonNode node;
    private final String where;
    private final Set<String> read = new HashSet<>();

    Fields(JsonNode node, String where) throws ExerciseFileException {
        if (node == null || !node.isObject()) {
            throw new ExerciseFileException(where + ": expected a mapping of fields");
        }
        this.node = node;
        this.where = where;
    }

    /** A place in a lab file with no fields of its own, for reading bare values there. */
    static Fields place(String where) {
        try {
            return new Fields(tools.jackson.databind.node.JsonNodeFactory.instance.objectNode(), where);
        } catch (ExerciseFileException e) {
            throw new IllegalStateException(e);
        }
    }

    String where() {
        return where;
    }

    ExerciseFileException error(String problem) {
        return new ExerciseFileException(where + ": " + problem);
    }

    boolean has(String key) {
        read.add(key);
        return node.has(key) && !node.get(key).isNull();
    }

    /** A required string that is not blank. */
    String text(String key) throws ExerciseFileException {
        String s = optText(key, null);
        if (s == null) {
            throw error("missing field \"" + key + "\"");
        }
        return s;
    }

    /** A string, or {@code fallback} when absent; present but blank is an error. */
    String optText(String key, String fallback) throws ExerciseFileException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isValueNode() || v.isBoolean()) {
            throw error("\"" + key + "\" must be a string");
        }
        String s = v.asString();
        if (s.isBlank()) {
            throw error("\"" + key + "\" is empty");
        }
        return s;
    }

    int intValue(String key) throws ExerciseFileException {
        if (!has(key)) {
            throw error("missing field \"" + key + "\"");
        }
        return optInt(key, 0);
    }

    int optInt(String key, int fallback) throws ExerciseFileException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw error("\"" + key + "\" must be a whole number");
        }
        return v.intValue();
    }

    /** A required list of strings, each not blank; {@code minSize} says how many at least. */
    List<String> texts(String key, int minSize) throws ExerciseFileException {
        if (!has(key)) {
            if (minSize == 0) {
                return List.of();
            }
            throw error("missing field \"" + key + "\"");
        }
        return texts(node.get(key), "\"" + key + "\"", minSize);
    }

    /** A list of strings (a single string counts as a list of one), each not blank. */
    List<String> texts(JsonNode v, String what, int minSize) throws ExerciseFileException {
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(v.asString());
        } else if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isValueNode() || e.isNull() || e.isBoolean()) {
                    throw error(what + " must be a list of strings");
                }
                out.add(e.asString());
            }
        } else {
            throw error(what + " must be a list of strings");
        }
        for (String s : out) {
            if (s.isBlank()) {
                throw error(what + " has an empty entry");
            }
        }
        if (out.size() < minSize) {
            throw error(what + (minSize == 1 ? " needs at least one entry" : " needs at least " + minSize + " entries"));
        }
        return out;
    }

    /** A required list of anything (mappings, lists), at least one entry. */
    JsonNode list(String key) throws ExerciseFileException {
        if (!has(key)) {
            throw error("missing field \"" + key + "\"");
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error("\"" + key + "\" must be a list");
        }
        if (v.isEmpty()) {
            throw error("\"" + key + "\" is empty");
        }
        return v;
    }

    /** Fails on the first field that no getter asked for: a typo must not silently drop a check's condition. */
    void done() throws ExerciseFileException {
        for (Iterator<String> it = node.propertyNames().iterator(); it.hasNext(); ) {
            String k = it.next();
            if (!read.contains(k)) {
                throw error("unknown field \"" + k + "\" (known: " + String.join(", ", new java.util.TreeSet<>(read)) + ")");
            }
        }
    }
}
