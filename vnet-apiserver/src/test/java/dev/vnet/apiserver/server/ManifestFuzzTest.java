package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.store.MemoryStore;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * `vnet apply` against mutated manifests: every file is either applied or refused with one line, never a crash;
 * a refused file stores nothing (the store's revision does not move).
 */
class ManifestFuzzTest {
    private static final List<String> SEEDS = List.of("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web-1, labels: {app: web}}
            spec:
              containers:
              - name: web
                image: whoami
                ports: [{containerPort: 8080, name: http}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: http}]
            """, """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny, namespace: default}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Ingress, Egress]
              ingress:
              - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
                ports: [{port: 80, endPort: 90, protocol: TCP}]
            """, """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: shop}
            spec:
              rules:
              - host: shop.example
                http:
                  paths:
                  - {path: /cart, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
            """, """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-a, labels: {team: a}}
            """);
    private static final String[] TOKENS = {":", "- ", "{", "}", "[", "]", "\n", "  ", "\t", "\"", "'", "&a", "*a",
            "!!binary", "~", "null", "-1", "99999999999", "kind: Pod", "apiVersion: v9", "---", "#", "%", "@", "?"};

    private static ApiBackend backend(MemoryStore store) {
        return new ApiBackend() {
            @Override
            public dev.vnet.apiserver.store.ClusterStore store() {
                return store;
            }

            @Override
            public dev.vnet.apiserver.admission.ServiceAllocator allocator() {
                return dev.vnet.apiserver.admission.ServiceAllocator.forNetwork(
                        dev.vnet.apiserver.ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1");
            }

            @Override
            public java.time.Duration settleTimeout() {
                return java.time.Duration.ZERO;
            }
        };
    }

    private static String mutate(String text, Random r) {
        StringBuilder s = new StringBuilder(text);
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits && s.length() > 0; e++) {
            int at = r.nextInt(s.length());
            switch (r.nextInt(4)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 2 -> s.setCharAt(at, (char) (32 + r.nextInt(95)));
                default -> {
                    int end = Math.min(s.length(), at + r.nextInt(20));
                    s.delete(at, end);
                }
            }
        }
        return s.toString();
    }

    @Test
    void mutatedManifestsAreAppliedOrRefusedInOneLineAndARefusalStoresNothing() {
        Random r = new Random(1202);
        int refused = 0;
        int applied = 0;
        for (int i = 0; i < 1500; i++) {
            try (MemoryStore store = new MemoryStore()) {
                dev.vnet.apiserver.ClusterBootstrap.ensureNamespaces(store);
                Handlers api = new Handlers();
                ResourceApi.register(api, backend(store), Kinds.builtIn());
                String text = mutate(SEEDS.get(r.nextInt(SEEDS.size())), r);
                long before = store.revision();
                JsonNode reply = api.apply(Operation.APPLY.request().put("text", text).put("source", "fuzz.yaml"));
                if (reply.path("ok").asBoolean(false)) {
                    applied++;
                    continue;
                }
                refused++;
                String error = reply.path("error").asString("");
                assertTrue(!error.isBlank() && !error.startsWith("internal error"), "a crash, not a refusal: " + error
                        + "\n--- for ---\n" + text);
                assertTrue(error.lines().count() <= 3, "a refusal is short: " + error);
                assertEquals(before, store.revision(), "a refused file stored something:\n" + text);
            }
        }
        assertTrue(refused > 100 && applied > 10, "refused " + refused + ", applied " + applied);
    }
}
