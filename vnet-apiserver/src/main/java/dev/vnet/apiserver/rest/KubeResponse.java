package dev.vnet.apiserver.rest;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A whole answer: the HTTP code, its JSON body (or, for the few answers that are not JSON, raw bytes of
 * {@code rawType}), and warnings for kubectl to print ({@code Warning:} headers).
 */
record KubeResponse(int code, JsonNode body, List<String> warnings, byte[] raw, String rawType) {
    static KubeResponse ok(JsonNode body) {
        return new KubeResponse(200, body, List.of(), null, null);
    }

    static KubeResponse of(int code, JsonNode body, List<String> warnings) {
        return new KubeResponse(code, body, List.copyOf(warnings), null, null);
    }

    static KubeResponse raw(int code, byte[] bytes, String type) {
        return new KubeResponse(code, null, List.of(), bytes, type);
    }

    static KubeResponse error(KubeStatus s) {
        return new KubeResponse(s.code, s.toJson(), List.of(), null, null);
    }
}
