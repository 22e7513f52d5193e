package dev.vnet.apiserver.api;

import dev.vnet.ingress.tls.Pem;
import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * v1 Secrets: named bytes, such as the certificate and key an Ingress or a Gateway listener terminates TLS with.
 * As the API server keeps them: {@code data} holds base64 values, {@code stringData} is merged into it on write
 * (and never stored), the type defaults to Opaque, and a {@code kubernetes.io/tls} Secret must carry a
 * certificate and its key. {@code describe} shows each key's size, never its value; {@code -o yaml} shows the
 * base64, as kubectl does.
 */
public final class SecretKind {
    public static final String OPAQUE = "Opaque";
    public static final String TLS = "kubernetes.io/tls";
    public static final String TLS_CERT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    /** The API server's limit on the bytes of one Secret's data. */
    static final int MAX_SIZE = 1024 * 1024;
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    public static final Kind<Secret> KIND = Kind.of(Secret.class)
            .validation(SecretKind::validate)
            .actsOn("type", "data", "stringData", "immutable")
            .column(Column.of("NAME", s -> s.getMetadata().getName()))
            .column(Column.of("TYPE", SecretKind::type))
            .column(Column.of("DATA", s -> Integer.toString(mergedData(s).size())))
            .column(Column.of("AGE", (s, ctx) -> Ages.of(s, ctx.now()), false))
            .describer(SecretKind::describe)
            .build();

    private SecretKind() {
    }

    /** The type, Opaque when none is given. */
    public static String type(Secret s) {
        return s.getType() == null || s.getType().isEmpty() ? OPAQUE : s.getType();
    }

    /** {@code data} with {@code stringData} merged over it (base64-encoded), as the API server stores it. */
    public static Map<String, String> mergedData(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            out.putAll(s.getData());
        }
        if (s.getStringData() != null) {
            s.getStringData().forEach((k, v) -> out.put(k, Base64.getEncoder().encodeToString(
                    (v == null ? "" : v).getBytes(StandardCharsets.UTF_8))));
        }
        return out;
    }

    /** The Secret as stored: stringData merged into data, the type filled in. */
    public static Secret normalized(Secret s) {
        return new SecretBuilder(s).withType(type(s)).withData(mergedData(s)).withStringData(null).build();
    }

    /** The bytes of one key, or null when the Secret has no such key. */
    public static byte[] value(Secret s, String key) {
        String v = mergedData(s).get(key);
        return v == null ? null : decode(v);
    }

    /** The certificate chain and key of a {@code kubernetes.io/tls} Secret; the error names tls.crt or tls.key. */
    public static TlsMaterial tls(Secret s) throws Pem.TlsDataException {
        String ns = s.getMetadata().getNamespace();
        String source = (ns == null || ns.isEmpty() ? "" : ns + "/") + s.getMetadata().getName();
        return Pem.parse(source, text(value(s, TLS_CERT)), text(value(s, TLS_KEY)));
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Base64 as Go's decoder reads it (line breaks ignored); IllegalArgumentException when it is not. */
    private static byte[] decode(String v) {
        return Base64.getDecoder().decode(v.replace("\r", "").replace("\n", ""));
    }

    static void validate(Secret s) throws InvalidManifestException {
        Names.validateMetadata(s);
        String what = Names.what(s);
        long size = 0;
        if (s.getData() != null) {
            for (Map.Entry<String, String> e : s.getData().entrySet()) {
                String field = "data[" + e.getKey() + "]";
                Names.check(what, field, keyProblem(e.getKey()));
                try {
                    size += decode(e.getValue() == null ? "" : e.getValue()).length;
                } catch (IllegalArgumentException bad) {
                    Names.check(what, field, "Invalid value: not valid base64 (" + bad.getMessage()
                            + "): give the value base64-encoded, or put it as text in stringData");
                }
            }
        }
        if (s.getStringData() != null) {
            for (Map.Entry<String, String> e : s.getStringData().entrySet()) {
                Names.check(what, "stringData[" + e.getKey() + "]", keyProblem(e.getKey()));
                size += e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (size > MAX_SIZE) {
            Names.check(what, "data", "Too long: must have at most " + MAX_SIZE + " bytes");
        }
        if (TLS.equals(type(s))) {
            try {
                tls(s);
            } catch (Pem.TlsDataException e) {
                String m = e.getMessage();
                String prefix = e.field() + ": ";
                Names.check(what, "data[" + e.field() + "]", m.startsWith(prefix) ? m.substring(prefix.length()) : m);
            }
        }
    }

    private static String keyProblem(String key) {
        if (key.isEmpty() || key.length() > 253 || !KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            return "Invalid value: \"" + Manifests.clean(key) + "\": a key is letters, digits, '-', '_' or '.' "
                    + "(at most 253, e.g. tls.crt or KEY_NAME)";
        }
        return null;
    }

    /** kubectl's: the head, the type, then each key with its size in bytes (never the value). */
    private static Description describe(Secret s, DescribeContext ctx) {
        Description d = Description.head(s).line("").line("Type:  " + type(s)).line("").line("Data").line("====");
        Map<String, String> data = new TreeMap<>(mergedData(s));
        int width = data.keySet().stream().mapToInt(String::length).max().orElse(0) + 1 + 2;
        data.forEach((k, v) -> {
            String size;
            try {
                size = decode(v).length + " bytes";
            } catch (IllegalArgumentException e) {
                size = "not valid base64";
            }
            d.line(String.format("%-" + width + "s%s", k + ":", size));
        });
        return d;
    }
}
