package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A failed request, as the Kubernetes API answers it: a meta/v1 Status with the HTTP code, the machine-readable
 * reason kubectl prints in brackets ({@code Error from server (NotFound): pods "web" not found}) and details
 * naming the object. The message is the one line a user reads.
 */
final class KubeStatus extends Exception {
    final int code;
    final String reason;
    /** details.kind: the resource (pods), or for Invalid the kind (Pod), as the API server fills it. */
    private final String kindPlural;
    private final String group;
    private final String name;
    private final String field;
    /** For Invalid: the cause's own message, without the object's name (kubectl prints it after "is invalid:"). */
    private final String cause;

    KubeStatus(int code, String reason, String message) {
        this(code, reason, message, null, null, null, null, null);
    }

    private KubeStatus(int code, String reason, String message, String kindPlural, String group, String name,
                       String field, String cause) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.kindPlural = kindPlural;
        this.group = group;
        this.name = name;
        this.field = field;
        this.cause = cause;
    }

    static KubeStatus notFound(Kind<?> kind, String name) {
        return new KubeStatus(404, "NotFound", kind.resource() + " \"" + name + "\" not found", kind.plural(),
                kind.group(), name, null, null);
    }

    static KubeStatus alreadyExists(Kind<?> kind, String name) {
        return new KubeStatus(409, "AlreadyExists", kind.resource() + " \"" + name + "\" already exists",
                kind.plural(), kind.group(), name, null, null);
    }

    static KubeStatus conflict(Kind<?> kind, String name, String why) {
        return new KubeStatus(409, "Conflict", "Operation cannot be fulfilled on " + kind.resource() + " \"" + name
                + "\": " + why, kind.plural(), kind.group(), name, null, null);
    }

    /** 422: the object breaks a rule of its kind; {@code field} is the path named first in the message, if any. */
    static KubeStatus invalid(Kind<?> kind, String name, String message) {
        String field = fieldOf(message);
        int at = field == null ? -1 : message.indexOf(field + ": ");
        String cause = at < 0 ? message : message.substring(at + field.length() + 2);
        return new KubeStatus(422, "Invalid", kind.kind() + " \"" + name + "\" is invalid: " + message,
                kind.kind(), kind.group(), name, at < 0 ? "" : field, cause);
    }

    static KubeStatus forbidden(Kind<?> kind, String name, String message) {
        return new KubeStatus(403, "Forbidden", kind.resource() + " \"" + name + "\" is forbidden: " + message,
                kind.plural(), kind.group(), name, null, null);
    }

    static KubeStatus badRequest(String message) {
        return new KubeStatus(400, "BadRequest", message);
    }

    static KubeStatus methodNotAllowed(String message) {
        return new KubeStatus(405, "MethodNotAllowed", message);
    }

    /** The path a vnet validation message starts with ("spec.ports[0].port: ..."), or null. */
    private static String fieldOf(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|: )((?:metadata|spec|status|data|type|"
                + "stringData|immutable)[A-Za-z0-9_.\\[\\]]*): ").matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** The Status object of this failure. */
    ObjectNode toJson() {
        ObjectNode s = Json.object();
        s.put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", getMessage()).put("reason", reason);
        if (name != null || kindPlural != null) {
            ObjectNode d = s.putObject("details");
            if (name != null) {
                d.put("name", name);
            }
            if (group != null && !group.isEmpty()) {
                d.put("group", group);
            }
            if (kindPlural != null) {
                d.put("kind", kindPlural);
            }
            if (field != null) {
                ArrayNode causes = d.putArray("causes");
                ObjectNode c = causes.addObject().put("reason", "FieldValueInvalid").put("message", cause);
                if (!field.isEmpty()) {
                    c.put("field", field);
                }
            }
        }
        s.put("code", code);
        return s;
    }

    /** A Status of success, as a delete of something that has no object to return answers. */
    static ObjectNode success(Kind<?> kind, String name) {
        ObjectNode s = Json.object();
        s.put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        ObjectNode d = s.putObject("details").put("name", name).put("kind", kind.plural());
        if (!kind.group().isEmpty()) {
            d.put("group", kind.group());
        }
        return s;
    }
}
