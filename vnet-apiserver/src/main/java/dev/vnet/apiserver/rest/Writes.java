package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.admission.AdmissionContext;
import dev.vnet.apiserver.admission.Admissions;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.InvalidManifestException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Manifests;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The REST write verbs (create, update, patch, delete, deletecollection and the status subresource), each through
 * the same strict decoding, validation and admission as {@code vnet apply}: an object written over REST is one
 * {@code vnet apply} could have written. As the API server does for a resource with a status subresource, the main
 * resource's writes keep the stored status (a create stores none), and {@code /status} writes only the status.
 */
final class Writes {
    private static final String AT = "\u0001";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ClusterStore store;
    private final AdmissionContext admission;

    Writes(ClusterStore store, AdmissionContext admission) {
        this.store = store;
        this.admission = admission;
    }

    // ---- create, update, patch ----

    <T extends HasMetadata> KubeResponse create(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        writable(kind, "create");
        List<String> warnings = new ArrayList<>();
        ObjectNode doc = body(r);
        T want = decode(kind, doc, t.namespace(), null, r, warnings);
        want = kind.withStatus(want, null);
        return KubeResponse.of(201, createObject(kind, want), warnings);
    }

    private <T extends HasMetadata> ObjectNode createObject(Kind<T> kind, T want) throws KubeStatus {
        String name = want.getMetadata().getName();
        String key = ClusterStore.key(want);
        if (store.get(kind, key).isPresent()) {
            throw KubeStatus.alreadyExists(kind, name);
        }
        T write = admit(kind, want, null);
        try {
            long revision = store.create(kind, key, write);
            return RestObjects.render(kind, write, revision);
        } catch (ClusterStore.ConflictException e) {
            throw KubeStatus.alreadyExists(kind, name);
        }
    }

    <T extends HasMetadata> KubeResponse update(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        writable(kind, "update");
        return replace(kind, t, body(r), r);
    }

    <T extends HasMetadata> KubeResponse patch(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        writable(kind, "patch");
        Optional<ClusterStore.Versioned<T>> have = store.get(kind, t.key());
        if (have.isEmpty()) {
            if (r.contentType().equals("application/apply-patch+yaml")) {
                List<String> warnings = new ArrayList<>();
                T want = kind.withStatus(decode(kind, body(r), t.namespace(), t.name(), r, warnings), null);
                return KubeResponse.of(201, createObject(kind, want), warnings);
            }
            throw KubeStatus.notFound(kind, t.name());
        }
        ObjectNode current = RestObjects.stored(kind, have.get().value(), have.get().revision());
        JsonNode patched = applyPatch(current, r);
        if (!(patched instanceof ObjectNode doc)) {
            throw KubeStatus.badRequest("the patched " + kind.singular() + " is not an object");
        }
        if (t.subresource() != null) {
            return writeStatus(kind, t, doc);
        }
        return replace(kind, t, doc, r);
    }

    /** PUT of the status subresource: the body's status replaces the stored one, nothing else changes. */
    <T extends HasMetadata> KubeResponse updateStatus(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        writable(kind, "update");
        return writeStatus(kind, t, body(r));
    }

    private <T extends HasMetadata> KubeResponse writeStatus(Kind<T> kind, Target t, ObjectNode doc) throws KubeStatus {
        ClusterStore.Versioned<T> have = store.get(kind, t.key()).orElseThrow(() -> KubeStatus.notFound(kind, t.name()));
        checkVersion(kind, t.name(), doc, have.revision());
        T updated;
        try {
            updated = kind.withStatus(have.value(), doc.path("status"));
        } catch (JacksonException | IllegalArgumentException e) {
            throw KubeStatus.badRequest(kind.kind() + " status cannot be read: " + e.getMessage());
        }
        if (updated.equals(have.value())) {
            return KubeResponse.ok(RestObjects.render(kind, have.value(), have.revision()));
        }
        try {
            long revision = store.update(kind, t.key(), updated, have.revision());
            return KubeResponse.ok(RestObjects.render(kind, updated, revision));
        } catch (ClusterStore.ConflictException e) {
            throw modified(kind, t.name());
        }
    }

    /** Update with {@code doc} as the new object: a stale resourceVersion in it is a conflict. */
    private <T extends HasMetadata> KubeResponse replace(Kind<T> kind, Target t, ObjectNode doc, KubeRequest r)
            throws KubeStatus {
        ClusterStore.Versioned<T> have = store.get(kind, t.key()).orElseThrow(() -> KubeStatus.notFound(kind, t.name()));
        checkVersion(kind, t.name(), doc, have.revision());
        List<String> warnings = new ArrayList<>();
        T want = decode(kind, doc, t.namespace(), t.name(), r, warnings);
        want = kind.withStatus(want, kind.status(have.value()));
        T write = admit(kind, want, have.value());
        if (write == null) {
            return KubeResponse.of(200, RestObjects.render(kind, have.value(), have.revision()), warnings);
        }
        try {
            long revision = store.update(kind, t.key(), write, have.revision());
            return KubeResponse.of(200, RestObjects.render(kind, write, revision), warnings);
        } catch (ClusterStore.ConflictException e) {
            throw modified(kind, t.name());
        }
    }

    private static JsonNode applyPatch(ObjectNode current, KubeRequest r) throws KubeStatus {
        return switch (r.contentType()) {
            case "application/merge-patch+json" -> Patches.mergePatch(current, json(r));
            case "application/strategic-merge-patch+json" -> Patches.strategicMerge(current, json(r));
            case "application/apply-patch+yaml" -> Patches.strategicMerge(current, yaml(r));
            case "application/json-patch+json" -> Patches.jsonPatch(current, json(r));
            default -> throw new KubeStatus(415, "UnsupportedMediaType", "the body of a patch must be "
                    + "application/json-patch+json, application/merge-patch+json, "
                    + "application/strategic-merge-patch+json or application/apply-patch+yaml, not \""
                    + r.contentType() + "\"");
        };
    }

    private static void checkVersion(Kind<?> kind, String name, JsonNode doc, long revision) throws KubeStatus {
        String asked = doc.path("metadata").path("resourceVersion").asString("");
        if (!asked.isEmpty() && !asked.equals(Long.toString(revision))) {
            throw modified(kind, name);
        }
    }

    private static KubeStatus modified(Kind<?> kind, String name) {
        return KubeStatus.conflict(kind, name, "the object has been modified; please apply your changes to the "
                + "latest version and try again");
    }

    // ---- delete ----

    <T extends HasMetadata> KubeResponse delete(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        if (kind.equals(dev.vnet.apiserver.api.NodeKind.KIND) && admission instanceof RestAdmissionContext rest && rest.nodesDeletable()) {
            var node = dev.vnet.apiserver.server.NodeRemoval.get(store, t.name());
            if (node == null) {
                throw KubeStatus.notFound(kind, t.name());
            }
            try {
                dev.vnet.apiserver.server.NodeRemoval.remove(store, t.name());
            } catch (ApiException e) {
                throw new KubeStatus(409, "Conflict", e.getMessage());
            }
            return KubeResponse.ok(RestObjects.render(kind, kind.cast(node), store.revision()));
        }
        writable(kind, "delete");
        ClusterStore.Versioned<T> have = store.get(kind, t.key()).orElseThrow(() -> KubeStatus.notFound(kind, t.name()));
        JsonNode options = r.body().length == 0 ? Json.object() : json(r);
        String rv = options.path("preconditions").path("resourceVersion").asString("");
        String uid = options.path("preconditions").path("uid").asString("");
        if ((!rv.isEmpty() && !rv.equals(Long.toString(have.revision())))
                || (!uid.isEmpty() && !uid.equals(have.value().getMetadata().getUid()))) {
            throw KubeStatus.conflict(kind, t.name(), "the precondition of the delete does not match the object");
        }
        return KubeResponse.ok(deleteObject(kind, t.key(), have));
    }

    private <T extends HasMetadata> ObjectNode deleteObject(Kind<T> kind, String key, ClusterStore.Versioned<T> have)
            throws KubeStatus {
        String name = have.value().getMetadata().getName();
        try {
            Admissions.of(kind).deleting(have.value(), admission);
        } catch (ApiException e) {
            throw new KubeStatus(403, "Forbidden", e.getMessage());
        }
        if (!store.delete(kind, key)) {
            throw KubeStatus.notFound(kind, name);
        }
        Admissions.of(kind).deleted(key, admission);
        return RestObjects.render(kind, have.value(), store.revision());
    }

    /** DELETE of a collection: every object that matches the selectors, returned as a list. */
    <T extends HasMetadata> KubeResponse deleteCollection(Kind<T> kind, Target t, KubeRequest r) throws KubeStatus {
        writable(kind, "delete");
        Predicate<JsonNode> match = Selectors.parse(r.param("labelSelector"), r.param("fieldSelector"));
        ObjectNode list = Json.object();
        list.put("apiVersion", kind.apiVersion()).put("kind", kind.kind() + "List");
        ArrayNode items = list.putArray("items");
        for (ObjectNode o : RestObjects.list(store, kind, t.namespace()).items()) {
            if (match.test(o)) {
                String key = ClusterStore.key(o.path("metadata").path("namespace").asString(null),
                        o.path("metadata").path("name").asString());
                Optional<ClusterStore.Versioned<T>> have = store.get(kind, key);
                if (have.isPresent()) {
                    items.add(deleteObject(kind, key, have.get()));
                }
            }
        }
        list.putObject("metadata").put("resourceVersion", Long.toString(store.revision()));
        return KubeResponse.ok(list);
    }

    // ---- decoding, validation, admission ----

    private static void writable(Kind<?> kind, String verb) throws KubeStatus {
        if (kind.managedBy() != null) {
            throw new KubeStatus(405, "MethodNotAllowed", kind.resource() + " cannot be " + verb
                    + (verb.endsWith("e") ? "d" : "ed") + " by clients: they are written by " + kind.managedBy());
        }
    }

    /**
     * The object of a request body, read as {@code vnet apply} reads a manifest: apiVersion and kind must be the
     * URL's (filled in when left out), the namespace the URL's; unknown fields are an error with
     * {@code fieldValidation=Strict} (kubectl's default), a warning with Warn (the API's default), dropped either way.
     */
    private <T extends HasMetadata> T decode(Kind<T> kind, ObjectNode doc, String namespace, String name,
                                             KubeRequest r, List<String> warnings) throws KubeStatus {
        String apiVersion = doc.path("apiVersion").asString("");
        String kindName = doc.path("kind").asString("");
        if ((!apiVersion.isEmpty() && !apiVersion.equals(kind.apiVersion()))
                || (!kindName.isEmpty() && !kindName.equals(kind.kind()))) {
            throw KubeStatus.badRequest("the body is a " + (kindName.isEmpty() ? "?" : kindName) + " of "
                    + (apiVersion.isEmpty() ? "?" : apiVersion) + ", but the URL is for " + kind.plural() + " of "
                    + kind.apiVersion());
        }
        doc.put("apiVersion", kind.apiVersion()).put("kind", kind.kind());
        ObjectNode meta = doc.has("metadata") && doc.get("metadata").isObject() ? (ObjectNode) doc.get("metadata")
                : doc.putObject("metadata");
        meta.remove(List.of("resourceVersion", "managedFields", "selfLink"));
        if (kind.namespaced()) {
            String ns = meta.path("namespace").asString("");
            String want = namespace != null ? namespace : ns.isEmpty() ? NamespaceKind.DEFAULT : ns;
            if (!ns.isEmpty() && !ns.equals(want)) {
                throw KubeStatus.badRequest("the namespace of the provided object (" + ns + ") does not match the "
                        + "namespace sent on the request (" + want + ")");
            }
            meta.put("namespace", want);
        } else {
            meta.remove("namespace");
        }
        if (name != null) {
            String given = meta.path("name").asString("");
            if (!given.isEmpty() && !given.equals(name)) {
                throw KubeStatus.badRequest("the name of the object (" + given + ") does not match the name on the "
                        + "URL (" + name + ")");
            }
            meta.put("name", name);
        } else if (meta.path("name").asString("").isEmpty() && !meta.path("generateName").asString("").isEmpty()) {
            meta.put("name", meta.get("generateName").asString() + suffix());
        }
        String objectName = meta.path("name").asString("");
        String validation = r.param("fieldValidation");
        T object = null;
        for (int attempt = 0; object == null; attempt++) {
            try {
                object = Manifests.read(doc, kind, AT);
            } catch (InvalidManifestException e) {
                String m = e.getMessage().startsWith(AT + ": ") ? e.getMessage().substring(AT.length() + 2)
                        : e.getMessage();
                String field = m.startsWith("unknown field \"") ? m.substring(15, m.length() - 1) : null;
                if (field == null || validation.equals("Strict") || attempt > 100 || !remove(doc, field)) {
                    throw KubeStatus.badRequest(kind.kind() + " in version \"" + kind.apiVersion()
                            + "\" cannot be handled as a " + kind.kind() + ": "
                            + (field != null ? "strict decoding error: " : "") + m);
                }
                if (!validation.equals("Ignore")) {
                    warnings.add("unknown field \"" + field + "\"");
                }
            }
        }
        try {
            kind.validate(object);
        } catch (InvalidManifestException e) {
            throw KubeStatus.invalid(kind, objectName, withoutSubject(kind, e.getMessage()));
        }
        return object;
    }

    private <T extends HasMetadata> T admit(Kind<T> kind, T want, T existing) throws KubeStatus {
        String name = want.getMetadata().getName();
        try {
            return Admissions.admit(kind, want, existing, admission);
        } catch (ApiException e) {
            String m = e.getMessage();
            if (m.contains("\" not found")) {
                return fail(new KubeStatus(404, "NotFound", m));
            }
            if (m.contains("being terminated") || m.contains("forbidden")) {
                return fail(new KubeStatus(403, "Forbidden", m));
            }
            return fail(KubeStatus.invalid(kind, name, withoutSubject(kind, m)));
        }
    }

    private static <T> T fail(KubeStatus s) throws KubeStatus {
        throw s;
    }

    /** "service default/web: spec.clusterIP: ..." → "spec.clusterIP: ...": the Status names the object already. */
    private static String withoutSubject(Kind<?> kind, String message) {
        String prefix = kind.singular() + " ";
        int colon = message.indexOf(": ");
        if (message.toLowerCase().startsWith(prefix) && colon > 0 && !message.substring(0, colon).contains(" is ")) {
            return message.substring(colon + 2);
        }
        return message;
    }

    /** Removes the field at a path as vnet names it ({@code spec.containers[0].imagee}); false if not there. */
    private static boolean remove(ObjectNode doc, String path) {
        JsonNode n = doc;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            int bracket = part.indexOf('[');
            String field = bracket < 0 ? part : part.substring(0, bracket);
            if (i == parts.length - 1 && bracket < 0) {
                return n instanceof ObjectNode o && o.remove(field) != null;
            }
            n = n.path(field);
            for (java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[(\\d+)]").matcher(part); m.find(); ) {
                n = n.path(Integer.parseInt(m.group(1)));
            }
        }
        return false;
    }

    private static String suffix() {
        String chars = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(chars.charAt(RANDOM.nextInt(chars.length())));
        }
        return sb.toString();
    }

    static ObjectNode body(KubeRequest r) throws KubeStatus {
        JsonNode n = r.contentType().contains("yaml") ? yaml(r) : json(r);
        if (!(n instanceof ObjectNode o)) {
            throw KubeStatus.badRequest("the request body must be a JSON object");
        }
        return o;
    }

    private static JsonNode json(KubeRequest r) throws KubeStatus {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (JacksonException e) {
            throw KubeStatus.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static JsonNode yaml(KubeRequest r) throws KubeStatus {
        try {
            return Json.YAML.readTree(r.body());
        } catch (JacksonException e) {
            throw KubeStatus.badRequest("the request body is not valid YAML: " + e.getOriginalMessage());
        }
    }
}
