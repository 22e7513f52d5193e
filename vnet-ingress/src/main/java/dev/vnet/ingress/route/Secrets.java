package dev.vnet.ingress.route;

import dev.vnet.ingress.tls.Pem;
import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** TLS Secrets by namespace/name, read once per compilation (fabric8 keeps Secret.data base64-encoded). */
final class Secrets {
    static final String TLS_TYPE = "kubernetes.io/tls";

    /** The material of a Secret, or the one-line reason it cannot be used. */
    record Loaded(TlsMaterial material, String error) {}

    private final Map<String, Secret> byName = new HashMap<>();
    private final Map<String, Loaded> loaded = new HashMap<>();

    Secrets(Iterable<Secret> secrets) {
        for (Secret s : secrets) {
            byName.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s);
        }
    }

    Loaded load(String namespace, String name) {
        return loaded.computeIfAbsent(namespace + "/" + name, this::read);
    }

    private Loaded read(String key) {
        Secret s = byName.get(key);
        if (s == null) {
            return new Loaded(null, "secret " + key + " not found");
        }
        if (!TLS_TYPE.equals(s.getType())) {
            return new Loaded(null, "secret " + key + " is of type " + s.getType() + ", not " + TLS_TYPE);
        }
        Map<String, String> data = s.getData() == null ? Map.of() : s.getData();
        try {
            return new Loaded(Pem.parse(key, decode(data.get("tls.crt")), decode(data.get("tls.key"))), null);
        } catch (Pem.TlsDataException e) {
            return new Loaded(null, "secret " + key + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return new Loaded(null, "secret " + key + ": data is not base64 (" + e.getMessage() + ")");
        }
    }

    private static String decode(String b64) {
        return b64 == null ? null : new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.US_ASCII);
    }
}
