package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class KubeconfigTest {
    @TempDir
    Path dir;

    @Test
    void credentialsAreKeptAcrossStartsWithSecretsMode0600() throws Exception {
        KubeCredentials a = KubeCredentials.loadOrCreate(dir.resolve("kube"));
        KubeCredentials b = KubeCredentials.loadOrCreate(dir.resolve("kube"));
        assertEquals(a.token(), b.token());
        assertEquals(a.ca().chain().get(0), b.ca().chain().get(0));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kube/token"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kube/ca.key"))));
        b.server().chain().get(0).verify(a.ca().chain().get(0).getPublicKey());
        assertTrue(b.server().chain().get(0).getSubjectAlternativeNames().toString().contains("127.0.0.1"));
        assertTrue(a.accepts(a.token()));
    }

    @Test
    void mergeReplacesTheVnetEntriesAndKeepsTheOthers() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: https://p}\n"
                + "- name: vnet\n  cluster: {server: https://old}\nusers: []\ncontexts: []\ncurrent-context: prod\n");
        Kubeconfig.merge(file, Kubeconfig.text("https://127.0.0.1:6443", "PEM", "t0ken"));
        JsonNode c = Json.YAML.readTree(Files.readString(file));
        assertEquals("vnet", c.path("current-context").asString());
        assertEquals(2, c.path("clusters").size());
        assertEquals("prod", c.path("clusters").get(0).path("name").asString());
        assertEquals("https://127.0.0.1:6443", c.path("clusters").get(1).path("cluster").path("server").asString());
        assertEquals("t0ken", c.path("users").get(0).path("user").path("token").asString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
}
