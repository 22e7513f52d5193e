package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Column;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.PrintContext;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Server-side printing: a meta.k8s.io/v1 Table of objects, with the printer columns of their {@link Kind} (the
 * columns {@code vnet get} prints), so {@code kubectl get} shows vnet's columns; wide columns get priority 1, which
 * kubectl shows with {@code -o wide} only. Each row carries the object, its metadata or nothing, as
 * {@code includeObject} asks (kubectl reads a row's namespace and labels from it).
 */
final class Tables {
    /** The media type kubectl asks for: {@code application/json;as=Table;v=v1;g=meta.k8s.io}. */
    static boolean wanted(String accept) {
        if (accept == null) {
            return false;
        }
        for (String part : accept.split(",")) {
            String p = part.replace(" ", "");
            if (p.contains("as=Table") && p.contains("g=meta.k8s.io") && p.contains("v=v1")
                    && !p.contains("v=v1beta1")) {
                return true;
            }
        }
        return false;
    }

    private Tables() {
    }

    /** One table of {@code objects} (each object's JSON with its resourceVersion), at {@code revision}. */
    static <T extends HasMetadata> ObjectNode table(Kind<T> kind, List<JsonNode> objects, String revision,
                                                    String includeObject, ClusterStore store) {
        ObjectNode t = Json.object();
        t.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        t.putObject("metadata").put("resourceVersion", revision);
        ArrayNode defs = t.putArray("columnDefinitions");
        for (Column<T> c : kind.columns()) {
            ObjectNode d = defs.addObject();
            d.put("name", title(c.header())).put("type", "string")
                    .put("format", c.header().equals("NAME") ? "name" : "")
                    .put("description", c.header().equals("NAME") ? "Name must be unique within a namespace."
                            : "vnet's " + c.header() + " column of " + kind.plural())
                    .put("priority", c.wide() ? 1 : 0);
        }
        ArrayNode rows = t.putArray("rows");
        PrintContext ctx = context(store);
        for (JsonNode o : objects) {
            T object = Json.convert(o, kind.type());
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column<T> c : kind.columns()) {
                String cell;
                try {
                    cell = c.cell().apply(object, ctx);
                } catch (RuntimeException e) {
                    cell = "<error>";
                }
                cells.add(cell == null ? "<none>" : cell);
            }
            switch (includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject) {
                case "None" -> { }
                case "Object" -> row.set("object", o);
                default -> {
                    ObjectNode partial = row.putObject("object");
                    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                    partial.set("metadata", o.path("metadata"));
                }
            }
        }
        return t;
    }

    /** "NOMINATED NODE" → "Nominated Node": kubectl prints the titles upper-cased again. */
    private static String title(String header) {
        StringBuilder sb = new StringBuilder();
        boolean start = true;
        for (char c : header.toCharArray()) {
            sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = c == ' ' || c == '-';
        }
        return sb.toString();
    }

    /** The columns' view: now, and other kinds fetched once per table. */
    private static PrintContext context(ClusterStore store) {
        Instant now = Instant.now();
        Map<Kind<?>, List<?>> related = new HashMap<>();
        return new PrintContext() {
            @Override
            public Instant now() {
                return now;
            }

            @Override
            @SuppressWarnings("unchecked")
            public <U extends HasMetadata> List<U> related(Kind<U> kind) {
                return (List<U>) related.computeIfAbsent(kind, k -> store.list(kind));
            }
        };
    }
}
