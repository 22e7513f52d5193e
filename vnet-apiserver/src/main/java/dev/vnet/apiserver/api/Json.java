package dev.vnet.apiserver.api;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * vnet's one JSON and YAML configuration, for resources (the fabric8 Kubernetes model) and for the API's own
 * messages: fields in declaration order, duplicate keys refused, unknown properties of vnet's own records
 * refused. (Kubernetes resources keep unknown fields aside instead; {@link Manifests} reports them.)
 */
public final class Json {
    /** Compact JSON: the API's wire format and the store's values. */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Indented JSON, as {@code -o json} prints it. */
    public static final JsonMapper PRETTY = MAPPER.rebuild().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** YAML as kubectl prints it: no "---" before the document, quotes only where needed. */
    public static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .build();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** A deep copy of a resource, through its JSON form: the model types are mutable, stored values must not be. */
    @SuppressWarnings("unchecked")
    public static <T> T copy(T value) {
        return value == null ? null : (T) MAPPER.convertValue(value, value.getClass());
    }

    public static <T> T convert(JsonNode tree, Class<T> type) {
        return MAPPER.treeToValue(tree, type);
    }
}
