package dev.vnet.node.model;

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
        } catch (IOException e) {
            throw new InvalidManifestException(source + ": not valid YAML: " + oneLine(e));
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
        where = where + " (" + kind + (name.isEmpty() ? "" : " " + name) + ")";
        Class<?> type = switch (kind) {
            case Pod.KIND -> Pod.class;
            default -> throw new InvalidManifestException(where + ": unknown kind \"" + kind
                    + "\": vnet knows Pod");
        };
        if (!"v1".equals(apiVersion)) {
            throw new InvalidManifestException(where + ": apiVersion \"" + apiVersion + "\" is not served for "
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

    private static String oneLine(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
