package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI documents kubectl reads: {@code /openapi/v2}, and {@code /openapi/v3} with one document per group
 * version ({@code /openapi/v3/api/v1}, {@code /openapi/v3/apis/GROUP/VERSION}). Each names its kinds' paths and
 * operations (kubectl looks for the {@code fieldValidation} parameter there to know the server validates fields)
 * and a schema per kind from {@link Schemas}.
 */
final class OpenApi {
    private final Map<String, List<Kind<?>>> byGroupVersion = new LinkedHashMap<>();
    private final Kinds kinds;

    OpenApi(Kinds kinds) {
        this.kinds = kinds;
        for (Kind<?> k : kinds.all()) {
            byGroupVersion.computeIfAbsent(k.apiVersion(), x -> new java.util.ArrayList<>()).add(k);
        }
    }

    /** The document at {@code path}, or null. */
    JsonNode document(String path) {
        if (path.equals("/openapi/v2")) {
            return v2();
        }
        if (path.equals("/openapi/v3")) {
            ObjectNode index = Json.object();
            ObjectNode paths = index.putObject("paths");
            for (String gv : byGroupVersion.keySet()) {
                String rel = gv.contains("/") ? "apis/" + gv : "api/" + gv;
                paths.putObject(rel).put("serverRelativeURL", "/openapi/v3/" + rel + "?hash=" + hash(gv));
            }
            return index;
        }
        for (String gv : byGroupVersion.keySet()) {
            String rel = "/openapi/v3/" + (gv.contains("/") ? "apis/" + gv : "api/" + gv);
            if (path.equals(rel)) {
                return v3(gv);
            }
        }
        return null;
    }

    /** The media type of the OpenAPI v2 document in protobuf (gnostic's openapi_v2.Document), which kubectl asks for. */
    static final String V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /**
     * The v2 document in protobuf, as kubectl's client-side validation reads it: swagger and info only. kubectl
     * validates each object against the server (fieldValidation, which the v3 documents declare), and with no
     * v2 schema for a kind it checks nothing on its side, so an unknown kind comes back as kubectl's own
     * "no matches for kind" rather than a validation error.
     */
    static byte[] v2Protobuf() {
        java.io.ByteArrayOutputStream info = new java.io.ByteArrayOutputStream();
        field(info, 1, "vnet");
        field(info, 2, Discovery.GIT_VERSION);
        java.io.ByteArrayOutputStream doc = new java.io.ByteArrayOutputStream();
        field(doc, 1, "2.0");
        field(doc, 2, info.toByteArray());
        return doc.toByteArray();
    }

    private static void field(java.io.ByteArrayOutputStream out, int number, String value) {
        field(out, number, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One length-delimited protobuf field (wire type 2): tag, length as a varint, bytes. */
    private static void field(java.io.ByteArrayOutputStream out, int number, byte[] value) {
        out.write(number << 3 | 2);
        int len = value.length;
        while (len >= 0x80) {
            out.write(len & 0x7f | 0x80);
            len >>>= 7;
        }
        out.write(len);
        out.writeBytes(value);
    }

    private static String hash(String gv) {
        return Integer.toHexString((Discovery.GIT_VERSION + gv).hashCode());
    }

    private ObjectNode v3(String gv) {
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "vnet").put("version", Discovery.GIT_VERSION);
        ObjectNode paths = doc.putObject("paths");
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        Schemas s = new Schemas(schemas, "#/components/schemas/");
        for (Kind<?> k : byGroupVersion.get(gv)) {
            String ref = s.kind(k);
            paths.set(itemPath(k), operations(k, ref, true));
        }
        return doc;
    }

    private ObjectNode v2() {
        ObjectNode doc = Json.object();
        doc.put("swagger", "2.0");
        doc.putObject("info").put("title", "vnet").put("version", Discovery.GIT_VERSION);
        ObjectNode paths = doc.putObject("paths");
        ObjectNode definitions = doc.putObject("definitions");
        Schemas s = new Schemas(definitions, "#/definitions/");
        for (Kind<?> k : kinds.all()) {
            String ref = s.kind(k);
            paths.set(itemPath(k), operations(k, ref, false));
        }
        return doc;
    }

    private static String itemPath(Kind<?> k) {
        String base = k.group().isEmpty() ? "/api/v1" : "/apis/" + k.apiVersion();
        return base + (k.namespaced() ? "/namespaces/{namespace}/" : "/") + k.plural() + "/{name}";
    }

    /** GET, PUT, PATCH and DELETE of one object, each with its kind and the query parameters the server reads. */
    private static ObjectNode operations(Kind<?> k, String ref, boolean v3) {
        ObjectNode item = Json.object();
        for (String method : List.of("get", "put", "patch", "delete")) {
            ObjectNode op = item.putObject(method);
            op.put("operationId", method + k.kind());
            op.putObject("x-kubernetes-group-version-kind").put("group", k.group()).put("version",
                    k.apiVersion().contains("/") ? k.apiVersion().substring(k.apiVersion().indexOf('/') + 1)
                            : k.apiVersion()).put("kind", k.kind());
            var params = op.putArray("parameters");
            if (!method.equals("get") && !method.equals("delete")) {
                for (String p : List.of("dryRun", "fieldManager", "fieldValidation")) {
                    ObjectNode param = params.addObject().put("name", p).put("in", "query").put("uniqueItems", true);
                    if (v3) {
                        param.putObject("schema").put("type", "string");
                    } else {
                        param.put("type", "string");
                    }
                }
            }
            ObjectNode ok = op.putObject("responses").putObject("200").put("description", "OK");
            if (v3) {
                ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", ref);
            } else {
                ok.putObject("schema").put("$ref", ref);
            }
        }
        return item;
    }
}
