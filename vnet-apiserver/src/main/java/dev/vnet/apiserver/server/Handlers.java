package dev.vnet.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vnet.apiserver.api.Manifests;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The operations one API server answers, by name: the resource verbs (apply, get, delete), the node's own
 * (logs, conntrack, trace...) and the lab's (down), each registered by the component that implements it.
 * Answers are {@code {"ok":true,...}} or {@code {"ok":false,"error":"one line"}}.
 */
public final class Handlers implements Function<JsonNode, ObjectNode> {
    private static final ObjectMapper JSON = Manifests.JSON;

    /** One operation: a request in, an answer out, or an error whose message is the one line to show. */
    @FunctionalInterface
    public interface Handler {
        ObjectNode handle(JsonNode request) throws ApiException, Manifests.InvalidManifestException;
    }

    private final Map<String, Handler> byOp = new TreeMap<>();

    public Handlers add(String op, Handler handler) {
        if (byOp.putIfAbsent(op, handler) != null) {
            throw new IllegalStateException("operation " + op + " is registered twice");
        }
        return this;
    }

    public java.util.Set<String> ops() {
        return java.util.Collections.unmodifiableSet(byOp.keySet());
    }

    @Override
    public ObjectNode apply(JsonNode req) {
        String op = req.path("op").asText();
        Handler h = byOp.get(op);
        if (h == null) {
            return error("unknown request \"" + op + "\"");
        }
        try {
            return h.handle(req);
        } catch (ApiException | Manifests.InvalidManifestException e) {
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
