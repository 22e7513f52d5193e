package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Reads Kubernetes-shaped manifests (multi-document YAML or JSON) strictly, as {@code kubectl apply} does
 * with strict field validation: an unknown field, a duplicate key or an unknown kind is an error that names
 * the document and the field path, and nothing of the file is applied. A field Kubernetes knows but vnet does
 * not act on ({@code resources}, probes, tolerations...) is accepted, and named in the document's warnings.
 */
public final class Manifests {
    private Manifests() {}

    /**
     * One document of a manifest.
     *
     * @param ignored the fields it sets that vnet accepts but does not act on, indices written {@code []}
     */
    public record Document(Kind<?> kind, HasMetadata object, List<String> ignored) {}

    /** Parses every document of {@code text} against the built-in kinds; {@code source} names the file. */
    public static List<Document> parse(String text, String source) throws InvalidManifestException {
        return parse(text, source, Kinds.builtIn());
    }

    public static List<Document> parse(String text, String source, Kinds kinds) throws InvalidManifestException {
        List<Document> out = new ArrayList<>();
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = Json.YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (JacksonException | IllegalStateException e) {
            String where = source + " document " + (docs.size() + 1);
            String field = duplicateField(e);
            if (field != null) {
                throw new InvalidManifestException(where + ": duplicate field \"" + field + "\"");
            }
            throw new InvalidManifestException(where + ": not valid YAML: " + describe(e));
        }
        int index = 0;
        for (JsonNode doc : docs) {
            index++;
            if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
                continue; // an empty document between two "---"
            }
            String where = source + " document " + index;
            if (!doc.isObject()) {
                throw new InvalidManifestException(where + ": expected a mapping with apiVersion, kind and metadata");
            }
            out.add(toDocument(doc, where, kinds));
        }
        if (out.isEmpty()) {
            throw new InvalidManifestException(source + ": no resources found");
        }
        return out;
    }

    /** Reads one object of a known kind from its JSON or YAML tree, strictly. */
    public static <T extends HasMetadata> T read(JsonNode doc, Kind<T> kind, String where)
            throws InvalidManifestException {
        T object;
        try {
            object = Json.convert(doc, kind.type());
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidManifestException(where + ": unknown field \"" + path(e) + "\"");
        } catch (DatabindException e) {
            throw new InvalidManifestException(where + ": bad value at \"" + path(e) + "\": " + oneLine(e));
        } catch (JacksonException | IllegalArgumentException e) {
            throw new InvalidManifestException(where + ": " + oneLine(e));
        }
        List<String> unknown = FieldPaths.unknown(object);
        if (!unknown.isEmpty()) {
            throw new InvalidManifestException(where + ": unknown field \"" + unknown.get(0) + "\"");
        }
        return object;
    }

    private static Document toDocument(JsonNode doc, String where, Kinds kinds) throws InvalidManifestException {
        String kindName = doc.path("kind").asString("");
        String apiVersion = doc.path("apiVersion").asString("");
        if (kindName.isEmpty() || apiVersion.isEmpty()) {
            throw new InvalidManifestException(where + ": apiVersion and kind are required");
        }
        String name = doc.path("metadata").path("name").asString("");
        where = where + " (" + clean(kindName) + (name.isEmpty() ? "" : " " + clean(name)) + ")";
        String at = where;
        Kind<?> kind = kinds.byKind(kindName).orElseThrow(() -> new InvalidManifestException(at + ": unknown kind \""
                + clean(kindName) + "\": vnet knows " + appliable(kinds)));
        if (!kind.apiVersion().equals(apiVersion)) {
            throw new InvalidManifestException(where + ": apiVersion \"" + clean(apiVersion) + "\" is not served for "
                    + kindName + ": use " + kind.apiVersion());
        }
        HasMetadata object = read(doc, kind, where);
        return new Document(kind, object, FieldPaths.ignored(doc, kind.actedOn()));
    }

    /** "Pod and Service": the kinds users write, for messages. */
    static String appliable(Kinds kinds) {
        List<String> names = kinds.all().stream().filter(k -> k.managedBy() == null).map(Kind::kind).toList();
        return names.size() < 2 ? String.join("", names)
                : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    /** The field path of a mapping error as kubectl prints it: spec.containers[0].imagee */
    private static String path(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** A YAML syntax error as one line: what is wrong, then where ("line 4, column 1"). */
    private static String describe(Exception e) {
        String m = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        StringBuilder sb = new StringBuilder();
        for (String line : String.valueOf(m).split("\n")) {
            // SnakeYAML adds the context, the problem, then " in 'reader', line L..." and a quoted snippet.
            if (line.isBlank() || line.startsWith(" ") || line.startsWith("\t")) {
                continue;
            }
            sb.append(sb.length() == 0 ? "" : "; ").append(line.strip());
        }
        // The problem's own mark ("in 'reader', line 4, column 1") is the last one SnakeYAML prints.
        java.util.regex.Matcher mark = java.util.regex.Pattern.compile("line (\\d+), column (\\d+)")
                .matcher(String.valueOf(m));
        String where = null;
        while (mark.find()) {
            where = "line " + mark.group(1) + ", column " + mark.group(2);
        }
        if (where == null && e instanceof JacksonException j && j.getLocation() != null
                && j.getLocation().getLineNr() > 0) {
            where = "line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
        }
        if (where != null) {
            sb.append(" (").append(where).append(')');
        }
        return clean(sb.toString());
    }

    /** The field path of a duplicate key, from the parser's context, or null for any other error. */
    private static String duplicateField(Exception e) {
        if (!(e instanceof StreamReadException p) || !String.valueOf(e.getMessage()).startsWith("Duplicate")
                || p.processor() == null) {
            return null;
        }
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        String dup = String.valueOf(e.getMessage()).replaceFirst("(?s)^Duplicate (?:field|Object property) ['\"]([^'\"]*)['\"].*",
                "$1");
        parts.push(dup);
        TokenStreamContext ctx = p.processor().streamReadContext();
        for (ctx = ctx == null ? null : ctx.getParent(); ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
            if (ctx.inArray()) {
                parts.push("[" + Math.max(0, ctx.getCurrentIndex()) + "]");
            } else if (ctx.currentName() != null) {
                parts.push(ctx.currentName());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            sb.append(sb.length() == 0 || part.startsWith("[") ? "" : ".").append(part);
        }
        return clean(sb.toString());
    }

    /** User text put into a one-line message: control characters escaped. */
    static String clean(String s) {
        return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    private static String oneLine(Exception e) {
        String m = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return clean((nl < 0 ? m : m.substring(0, nl)).strip());
    }
}
