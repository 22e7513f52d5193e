package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;

/**
 * A Kubernetes API over a fresh memory store (the namespaces default and kube-system made), on a free port of
 * 127.0.0.1 with credentials in a test directory, and an HTTP client that trusts its CA and sends its token.
 */
final class KubeHarness implements AutoCloseable {
    final MemoryStore store = new MemoryStore();
    final KubeApiServer server;
    final HttpClient http;
    final KubeCredentials credentials;

    KubeHarness(Path dir) throws Exception {
        ClusterBootstrap.ensureNamespaces(store);
        credentials = KubeCredentials.loadOrCreate(dir.resolve("kube"));
        server = KubeApiServer.start(backend(store), Kinds.builtIn(), credentials, 0);
        http = HttpClient.newBuilder().sslContext(trusting(credentials.caPem())).connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    static ApiBackend backend(ClusterStore store) {
        return new ApiBackend() {
            @Override
            public ClusterStore store() {
                return store;
            }

            @Override
            public ServiceAllocator allocator() {
                return ServiceAllocator.forNetwork(ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1", "node-2");
            }

            @Override
            public Duration settleTimeout() {
                return Duration.ZERO;
            }
        };
    }

    static SSLContext trusting(String caPem) throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes()));
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    record Reply(int code, JsonNode body, HttpResponse<String> raw) {}

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + credentials.token());
    }

    Reply send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = r.body().isEmpty() || !r.body().startsWith("{") ? null : Json.MAPPER.readTree(r.body());
        return new Reply(r.statusCode(), body, r);
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    Reply get(String path, String accept) throws IOException, InterruptedException {
        return send(request(path).header("Accept", accept).GET());
    }

    Reply post(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Reply put(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    Reply patch(String path, String type, String body) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", type)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE());
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }
}
