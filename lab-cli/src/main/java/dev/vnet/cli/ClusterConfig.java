package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * Where the CLI finds a multi-machine cluster: {@code --store} and {@code --token-file}, or the config file a
 * node's provisioning writes ({@code /etc/vnet/config.yaml}):
 * <pre>
 *   store: etcd://192.168.56.11:2379
 *   tokenFile: /etc/vnet/token
 * </pre>
 */
record ClusterConfig(String store, String token) {
    static final Path DEFAULT_FILE = Path.of("/etc/vnet/config.yaml");
    static final Path DEFAULT_TOKEN = Path.of("/etc/vnet/token");

    /** The cluster to use, or null for the local lab. */
    static ClusterConfig resolve(String storeOption, Path tokenOption, Path configFile) throws ApiException {
        JsonNode file = read(configFile);
        String store = storeOption != null ? storeOption : file.path("store").asString(null);
        if (store == null || store.equals("memory")) {
            return null;
        }
        if (!store.startsWith("etcd://")) {
            throw new ApiException("--store must be etcd://HOST:PORT (or memory for the local lab), not " + store);
        }
        Path token = tokenOption != null ? tokenOption
                : file.hasNonNull("tokenFile") ? Path.of(file.path("tokenFile").asString()) : DEFAULT_TOKEN;
        try {
            return new ClusterConfig(store, Files.readString(token).strip());
        } catch (IOException e) {
            throw new ApiException("cannot read the cluster token " + token + " (" + e.getMessage()
                    + "): run as root, or pass --token-file");
        }
    }

    private static JsonNode read(Path file) throws ApiException {
        if (file == null || !Files.exists(file)) {
            return Json.object();
        }
        try {
            JsonNode n = Json.YAML.readTree(file.toFile());
            return n == null || n.isMissingNode() ? Json.object() : n;
        } catch (tools.jackson.core.JacksonException e) {
            throw new ApiException("the config file " + file + " is not valid YAML: " + e.getMessage().lines()
                    .findFirst().orElse(""));
        }
    }
}
