package dev.vnet.apiserver.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Kubernetes-shaped manifests (multi-document YAML or JSON) strictly, as {@code kubectl apply} does
 * with strict field validation: an unknown field, a duplicate key or an unknown kind is an error that names
 * the document and the field path, and nothing of the file is applied.
 */
public final class Manifests {
    public static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));
    public static final ObjectMapper JSON = configure(new ObjectMapper());

    private Manifests() {}

    private static ObjectMapper configure(ObjectMapper m) {
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.enable(SerializationFeature.INDENT_OUTPUT);
        return m;
    }

    /** Thrown for a manifest that cannot be applied; the message is one line for the user. */
    public static final class InvalidManifestException extends Exception {
        public InvalidManifestException(String message) {
            super(message);
        }
    }

    /** Parses every document of {@code text}; {@code source} names the file in messages. */
    public static List<Object> parse(String text, String source) throws InvalidManifestException {
        List<Object> out = new ArrayList<>();
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (IOException | RuntimeException e) {
            String where = source + " document " + (docs.size() + 1);
            String field = fieldOf(e);
            if (field != null && String.valueOf(e.getMessage()).startsWith("Duplicate field")) {
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
            out.add(toResource(doc, where));
        }
        if (out.isEmpty()) {
            throw new InvalidManifestException(source + ": no resources found");
        }
        return out;
    }

    private static Object toResource(JsonNode doc, String where) throws InvalidManifestException {
        String kind = doc.path("kind").asText("");
        String apiVersion = doc.path("apiVersion").asText("");
        if (kind.isEmpty() || apiVersion.isEmpty()) {
            throw new InvalidManifestException(where + ": apiVersion and kind are required");
        }
        String name = doc.path("metadata").path("name").asText("");
        where = where + " (" + clean(kind) + (name.isEmpty() ? "" : " " + clean(name)) + ")";
        Class<?> type = switch (kind) {
            case Pod.KIND -> Pod.class;
            case Service.KIND -> Service.class;
            default -> throw new InvalidManifestException(where + ": unknown kind \"" + clean(kind)
                    + "\": vnet knows Pod and Service");
        };
        if (!"v1".equals(apiVersion)) {
            throw new InvalidManifestException(where + ": apiVersion \"" + clean(apiVersion) + "\" is not served for "
                    + kind + ": use v1");
        }
        try {
            return YAML.treeToValue(doc, type);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidManifestException(where + ": unknown field \"" + path(e) + "\"");
        } catch (JsonMappingException e) {
            throw new InvalidManifestException(where + ": bad value at \"" + path(e) + "\": " + oneLine(e));
        } catch (JsonProcessingException e) {
            throw new InvalidManifestException(where + ": " + oneLine(e));
        }
    }

    /** The field path of a mapping error as kubectl prints it: spec.containers[0].imagee */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** A YAML syntax error as one line: what is wrong, then where ("line 4, column 1"). */
    private static String describe(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
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
        if (where == null && e instanceof JsonProcessingException j && j.getLocation() != null
                && j.getLocation().getLineNr() > 0) {
            where = "line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
        }
        if (where != null) {
            sb.append(" (").append(where).append(')');
        }
        return clean(sb.toString());
    }

    /** The field path where a streaming parse error happened, from the parser's context, or null. */
    private static String fieldOf(Exception e) {
        if (!(e instanceof com.fasterxml.jackson.core.JsonParseException p) || p.getProcessor() == null) {
            return null;
        }
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        com.fasterxml.jackson.core.JsonStreamContext ctx = p.getProcessor().getParsingContext();
        String dup = String.valueOf(e.getMessage()).replaceFirst("(?s)^Duplicate field '([^']*)'.*", "$1");
        parts.push(dup);
        for (ctx = ctx == null ? null : ctx.getParent(); ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
            if (ctx.inArray()) {
                parts.push("[" + Math.max(0, ctx.getCurrentIndex()) + "]");
            } else if (ctx.getCurrentName() != null) {
                parts.push(ctx.getCurrentName());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            sb.append(sb.length() == 0 || part.startsWith("[") ? "" : ".").append(part);
        }
        return clean(sb.toString());
    }

    /** User text put into a one-line message: control characters escaped. */
    private static String clean(String s) {
        return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    private static String oneLine(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return clean((nl < 0 ? m : m.substring(0, nl)).strip());
    }
}
