package dev.vnet.apiserver.server;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.InvalidManifestException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Operation;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The operations one API server answers (each an {@link Operation}): the resource verbs (apply, get, delete), the node's own
 * (logs, conntrack, trace...) and the lab's (down), each registered by the component that implements it.
 * Answers are {@code {"ok":true,...}} or {@code {"ok":false,"error":"one line"}}.
 */
public final class Handlers implements Function<JsonNode, ObjectNode> {
    private static final ObjectMapper JSON = Json.MAPPER;

    /** One operation: a request in, an answer out, or an error whose message is the one line to show. */
    @FunctionalInterface
    public interface Handler {
        ObjectNode handle(JsonNode request) throws ApiException, InvalidManifestException;
    }

    private final Map<String, Handler> byOp = new TreeMap<>();

    public Handlers add(Operation op, Handler handler) {
        if (byOp.putIfAbsent(op.wire(), handler) != null) {
            throw new IllegalStateException("operation " + op + " is registered twice");
        }
        return this;
    }

    public java.util.Set<String> ops() {
        return java.util.Collections.unmodifiableSet(byOp.keySet());
    }

    @Override
    public ObjectNode apply(JsonNode req) {
        String op = req.path("op").asString("");
        Handler h = byOp.get(op);
        if (h == null) {
            return error("unknown request \"" + op + "\"");
        }
        try {
            return h.handle(req);
        } catch (ApiException | InvalidManifestException e) {
            return error(e.getMessage());
        }
    }

    public static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    public static ObjectNode error(String message) {
        return JSON.createObjectNode().put("ok", false).put("error", message);
    }
}
