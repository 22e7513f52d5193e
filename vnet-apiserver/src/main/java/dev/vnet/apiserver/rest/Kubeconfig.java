package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A kubeconfig for the lab's API: cluster {@code vnet} (its server and the CA, inline), user {@code vnet} (the
 * token) and context {@code vnet}, made current. {@link #merge} adds them to an existing kubeconfig the way
 * {@code kubectl config set-*} would: entries named vnet are replaced, everything else is kept.
 */
public final class Kubeconfig {
    public static final String NAME = "vnet";

    private Kubeconfig() {
    }

    /** The kubeconfig of the lab whose credentials are in {@code kubeDir}; fails when its API is not running. */
    public static String forLab(Path kubeDir) throws IOException {
        Path server = kubeDir.resolve("server");
        if (!Files.isRegularFile(server)) {
            throw new IOException("the lab's Kubernetes API is not running (no " + server + "): start it with "
                    + "`vnet up`");
        }
        return text(Files.readString(server).strip(), Files.readString(kubeDir.resolve("ca.crt")),
                Files.readString(kubeDir.resolve("token")).strip());
    }

    public static String text(String server, String caPem, String token) {
        return Json.YAML.writeValueAsString(tree(server, caPem, token));
    }

    private static ObjectNode tree(String server, String caPem, String token) {
        ObjectNode c = Json.object();
        c.put("apiVersion", "v1").put("kind", "Config");
        c.putArray("clusters").add(cluster(server, caPem));
        c.putArray("users").add(user(token));
        c.putArray("contexts").add(context());
        c.put("current-context", NAME);
        c.putObject("preferences");
        return c;
    }

    private static ObjectNode cluster(String server, String caPem) {
        ObjectNode e = Json.object().put("name", NAME);
        e.putObject("cluster").put("server", server).put("certificate-authority-data",
                Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)));
        return e;
    }

    private static ObjectNode user(String token) {
        ObjectNode e = Json.object().put("name", NAME);
        e.putObject("user").put("token", token);
        return e;
    }

    private static ObjectNode context() {
        ObjectNode e = Json.object().put("name", NAME);
        e.putObject("context").put("cluster", NAME).put("user", NAME).put("namespace", "default");
        return e;
    }

    /**
     * Adds the lab's cluster, user and context to the kubeconfig {@code file} (made, mode 0600, if missing) and
     * makes its context current. A file that is not a kubeconfig is left alone, with an error that says so.
     */
    public static void merge(Path file, String kubeconfigText) throws IOException {
        ObjectNode lab = (ObjectNode) Json.YAML.readTree(kubeconfigText);
        ObjectNode into;
        if (Files.isRegularFile(file) && Files.size(file) > 0) {
            JsonNode had;
            try {
                had = Json.YAML.readTree(Files.readString(file));
            } catch (JacksonException e) {
                throw new IOException(file + " is not a kubeconfig (not YAML): fix or move it, or pass another "
                        + "file with --kubeconfig-file");
            }
            if (had == null || had.isNull() || had.isMissingNode()) {
                into = Json.object();
            } else if (!(had instanceof ObjectNode o)) {
                throw new IOException(file + " is not a kubeconfig (not a mapping): fix or move it");
            } else {
                into = o;
            }
        } else {
            into = Json.object();
        }
        into.put("apiVersion", "v1").put("kind", "Config");
        for (String list : new String[] {"clusters", "users", "contexts"}) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            for (JsonNode e : into.path(list)) {
                if (!NAME.equals(e.path("name").asString(""))) {
                    out.add(e);
                }
            }
            lab.path(list).forEach(out::add);
            into.set(list, out);
        }
        into.put("current-context", NAME);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".vnet-tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Json.YAML.writeValueAsString(into));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes {@code text} to {@code file}, mode 0600 (it holds the token). */
    public static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
