package dev.vnet.cli.course;

import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/** The check types of lab files, by name, and the parsing of one {@code - type: {fields}} entry. */
final class Checks {
    @FunctionalInterface
    interface Parser {
        Check parse(Fields f, Scope scope) throws ExerciseFileException;
    }

    static final Map<String, Parser> TYPES = new TreeMap<>(Map.of(
            "pod", PodCheck::parse,
            "absent", AbsentCheck::parse,
            "reach", ReachCheck::parse,
            "trace", TraceCheck::parse,
            "counter", CounterCheck::parse,
            "shell", ShellCheck::parse,
            "log", LogCheck::parse,
            "capture", CaptureCheck::parse,
            "endpoints", EndpointsCheck::parse,
            "conntrack", ConntrackCheck::parse));

    static {
        TYPES.put("diff", DiffCheck::parse); // Map.of takes ten pairs at most
    }

    private Checks() {}

    /** One entry of a step's {@code checks}: a mapping with exactly one key, the type, holding its fields. */
    static Check parse(JsonNode entry, String where, Scope scope) throws ExerciseFileException {
        if (entry == null || !entry.isObject() || entry.size() != 1) {
            throw new ExerciseFileException(where + ": a check is one type with its fields, e.g. "
                    + "\"- pod: {name: lab1-a}\" (types: " + String.join(", ", TYPES.keySet()) + ")");
        }
        String type = entry.propertyNames().iterator().next();
        Parser parser = TYPES.get(type);
        if (parser == null) {
            throw new ExerciseFileException(where + ": unknown check type \"" + type + "\" (types: "
                    + String.join(", ", TYPES.keySet()) + ")");
        }
        Fields f = new Fields(entry.get(type), where + " (" + type + ")");
        Check check = parser.parse(f, scope);
        f.done();
        return check;
    }
}
