package dev.vnet.apiserver.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * The {@code labelSelector} and {@code fieldSelector} of a list or watch, parsed once into a predicate on an
 * object's JSON tree. Labels take the full set-based syntax ({@code app=web,tier!=db,env in (a,b),!canary});
 * fields take {@code =}, {@code ==} and {@code !=} on any dotted path of the object ({@code metadata.name},
 * {@code spec.nodeName}, {@code status.phase}); a path the object does not have reads as "".
 */
final class Selectors {
    private Selectors() {
    }

    /** Everything when both are empty. */
    static Predicate<JsonNode> parse(String labelSelector, String fieldSelector) throws KubeStatus {
        Predicate<JsonNode> labels = labels(labelSelector == null ? "" : labelSelector);
        Predicate<JsonNode> fields = fields(fieldSelector == null ? "" : fieldSelector);
        return labels.and(fields);
    }

    static Predicate<JsonNode> labels(String selector) throws KubeStatus {
        Predicate<JsonNode> all = o -> true;
        for (String term : split(selector)) {
            Predicate<Map<String, String>> p = labelTerm(term);
            all = all.and(o -> p.test(labelsOf(o)));
        }
        return all;
    }

    private static Map<String, String> labelsOf(JsonNode o) {
        Map<String, String> out = new java.util.HashMap<>();
        o.path("metadata").path("labels").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        return out;
    }

    private static Predicate<Map<String, String>> labelTerm(String term) throws KubeStatus {
        java.util.regex.Matcher set = java.util.regex.Pattern.compile("^([^\\s!=(),]+)\\s+(in|notin)\\s*\\((.*)\\)$")
                .matcher(term);
        if (set.matches()) {
            String key = set.group(1);
            Set<String> values = Set.copyOf(List.of(set.group(3).split("\\s*,\\s*")).stream().map(String::strip)
                    .toList());
            boolean in = set.group(2).equals("in");
            return l -> in ? values.contains(l.get(key)) : !values.contains(l.get(key));
        }
        if (term.startsWith("!")) {
            String key = term.substring(1).strip();
            requireKey(key, term);
            return l -> !l.containsKey(key);
        }
        String[] kv = splitOperator(term);
        if (kv == null) {
            requireKey(term, term);
            return l -> l.containsKey(term);
        }
        requireKey(kv[0], term);
        String key = kv[0];
        String value = kv[2];
        return kv[1].equals("!=") ? l -> !value.equals(l.get(key)) : l -> value.equals(l.get(key));
    }

    static Predicate<JsonNode> fields(String selector) throws KubeStatus {
        Predicate<JsonNode> all = o -> true;
        for (String term : split(selector)) {
            String[] kv = splitOperator(term);
            if (kv == null) {
                throw KubeStatus.badRequest("invalid field selector \"" + selector + "\": \"" + term
                        + "\" is not FIELD=VALUE or FIELD!=VALUE");
            }
            String[] path = kv[0].split("\\.");
            String value = kv[2];
            boolean not = kv[1].equals("!=");
            all = all.and(o -> not != value.equals(field(o, path)));
        }
        return all;
    }

    private static String field(JsonNode o, String[] path) {
        JsonNode n = o;
        for (String p : path) {
            n = n.path(p);
        }
        return n.isValueNode() ? n.asString("") : "";
    }

    /** KEY, OPERATOR, VALUE for "k=v", "k==v" and "k!=v"; null when the term has none of them. */
    private static String[] splitOperator(String term) {
        int ne = term.indexOf("!=");
        if (ne > 0) {
            return new String[] {term.substring(0, ne).strip(), "!=", term.substring(ne + 2).strip()};
        }
        int eq = term.indexOf('=');
        if (eq <= 0) {
            return null;
        }
        int after = term.startsWith("==", eq) ? eq + 2 : eq + 1;
        return new String[] {term.substring(0, eq).strip(), "=", term.substring(after).strip()};
    }

    private static void requireKey(String key, String term) throws KubeStatus {
        if (key.isEmpty() || !key.matches("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?")) {
            throw KubeStatus.badRequest("unable to parse requirement: invalid label key \"" + key + "\" in \""
                    + term + "\"");
        }
    }

    /** The terms of a selector: split at commas outside parentheses. */
    private static List<String> split(String selector) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : selector.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                add(out, cur);
            } else {
                cur.append(c);
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String t = cur.toString().strip();
        if (!t.isEmpty()) {
            out.add(t);
        }
        cur.setLength(0);
    }
}
