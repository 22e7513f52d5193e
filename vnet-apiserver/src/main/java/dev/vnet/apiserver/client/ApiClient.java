package dev.vnet.apiserver.client;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Operation;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CLI's way into a lab or a node: the Kubernetes API over HTTPS, with the lab's CA and bearer token, the same
 * API kubectl uses. Resources are read and deleted with the Kubernetes verbs ({@link #list}, {@link #delete});
 * vnet's own operations (apply a whole file, trace, capture, conntrack...) are group {@code vnet.dev/v1} of that
 * API ({@link #call}, {@link #stream}, {@link #pipe}).
 */
public class ApiClient {
    /**
     * TCP and the TLS handshake (the JDK's connect timeout covers both): a refused connection fails at once, and a
     * busy two-core machine with a cold JVM may take more than a second for the handshake alone.
     */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    static final String OPERATIONS = "/apis/vnet.dev/v1/";

    /**
     * The API could not be reached, or did not answer in time: nothing was done, so the request may go to
     * another node (a cluster client fails over on this, never on an answer).
     */
    public static final class UnreachableException extends ApiException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    /** Where the server is and how to trust it; null while a local lab is not running. */
    private record Endpoint(URI base, SSLContext tls, String token) {}

    /** A local lab's {@code STATE/kube}, read at each call (the lab may start or stop meanwhile), or null. */
    private final Path kubeDir;
    private final Endpoint fixed;
    private final String where;
    private volatile HttpClient http;
    private volatile Endpoint httpFor;

    private ApiClient(Path kubeDir, Endpoint fixed, String where) {
        this.kubeDir = kubeDir;
        this.fixed = fixed;
        this.where = where;
    }

    /** For clients that answer some requests themselves (a cluster client routing to its nodes). */
    protected ApiClient() {
        this(null, null, "the cluster");
    }

    /** The client of the local lab whose state directory is {@code stateDir} (its API's URL, CA and token). */
    public static ApiClient local(Path stateDir) {
        return new ApiClient(stateDir.resolve("kube"), null, "the lab");
    }

    /** A client of the API at {@code base} (https://ADDRESS:PORT), trusting {@code caPem}, sending {@code token}. */
    public static ApiClient https(URI base, String caPem, String token) throws ApiException {
        return new ApiClient(null, new Endpoint(base, trusting(caPem), token.strip()),
                "the API at " + base.getHost() + ":" + base.getPort());
    }

    private static SSLContext trusting(String caPem) throws ApiException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                ks.setCertificateEntry("ca-" + i++, (X509Certificate) c);
            }
            if (i == 0) {
                throw new ApiException("the API's CA certificate is empty");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new ApiException("cannot read the API's CA certificate: " + e.getMessage());
        }
    }

    /** The server to talk to now; for a local lab, from its state directory. */
    private Endpoint endpoint() throws ApiException {
        if (fixed != null) {
            return fixed;
        }
        Path server = kubeDir.resolve("server");
        if (!Files.isRegularFile(server)) {
            throw new ApiException("no lab is running: start one with `vnet up -d`");
        }
        try {
            URI base = URI.create(Files.readString(server).strip());
            Endpoint have = httpFor;
            if (have != null && have.base().equals(base)) {
                return have;
            }
            return new Endpoint(base, trusting(Files.readString(kubeDir.resolve("ca.crt"))),
                    Files.readString(kubeDir.resolve("token")).strip());
        } catch (IOException | IllegalArgumentException e) {
            throw new ApiException("cannot read the lab's API credentials in " + kubeDir + " (" + e.getMessage()
                    + "): are you root? (`sudo vnet ...`)");
        }
    }

    private HttpClient http(Endpoint e) {
        HttpClient c = http;
        if (c == null || httpFor != e) {
            c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(e.tls())
                    .connectTimeout(CONNECT_TIMEOUT).build();
            http = c;
            httpFor = e;
        }
        return c;
    }

    private String stale() {
        return kubeDir == null ? where + " refused the connection: is the node process running?"
                : "no lab is running (a lab stopped without cleaning up: see " + kubeDir.resolveSibling("lab.log")
                + "); `vnet down` removes what it left, `vnet up -d` starts a new one";
    }

    /** Whether a lab (or node) answers at all. */
    public boolean labRunning() {
        try {
            return call(Operation.PING.request()).path("ok").asBoolean();
        } catch (ApiException e) {
            return false;
        }
    }

    /** Sends {@code request}; returns the answer if ok, else throws with the lab's one-line error. */
    public JsonNode call(JsonNode request) throws ApiException {
        return call(request, 0);
    }

    /** Whether the API answers a ping within {@code timeoutMillis}: a process that holds a lease may still hang. */
    public boolean answers(int timeoutMillis) {
        try {
            return call(Operation.PING.request(), timeoutMillis).path("ok").asBoolean(false);
        } catch (ApiException e) {
            return false;
        }
    }

    /** As {@link #call(JsonNode)}, failing with {@link UnreachableException} after {@code timeoutMillis} (0: wait). */
    public JsonNode call(JsonNode request, int timeoutMillis) throws ApiException {
        String op = request.path("op").asString("");
        ObjectNode body = ((ObjectNode) request).deepCopy();
        body.remove("op");
        return send("POST", OPERATIONS + op, body, timeoutMillis);
    }

    /** A Kubernetes REST request ({@code GET /api/v1/namespaces/default/pods}); the answer, or its Status as the error. */
    public JsonNode rest(String method, String path, JsonNode body) throws ApiException {
        return send(method, path, body, 0);
    }

    private JsonNode send(String method, String path, JsonNode body, int timeoutMillis) throws ApiException {
        Endpoint e = endpoint();
        HttpRequest.Builder b = HttpRequest.newBuilder(e.base().resolve(path))
                .header("Authorization", "Bearer " + e.token()).header("Accept", "application/json");
        if (timeoutMillis > 0) {
            b.timeout(Duration.ofMillis(timeoutMillis));
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> res = exchange(e, b.build(), HttpResponse.BodyHandlers.ofByteArray(), timeoutMillis);
        JsonNode reply = parse(res.body());
        if (res.statusCode() / 100 != 2) {
            throw new ApiException(message(res.statusCode(), reply));
        }
        return reply;
    }

    private <T> HttpResponse<T> exchange(Endpoint e, HttpRequest req, HttpResponse.BodyHandler<T> handler,
                                         int timeoutMillis) throws ApiException {
        try {
            return http(e).send(req, handler);
        } catch (HttpConnectTimeoutException ex) {
            throw new UnreachableException(where + " is unreachable (no answer to connect): is the node process "
                    + "running?");
        } catch (HttpTimeoutException ex) {
            throw new UnreachableException(where + " did not answer within " + timeoutMillis + " ms: is the node "
                    + "process hung?");
        } catch (ConnectException ex) {
            throw new UnreachableException(stale());
        } catch (javax.net.ssl.SSLHandshakeException ex) {
            throw new ApiException(where + " is not the server its credentials name (" + ex.getMessage()
                    + "): `vnet kubeconfig` writes them anew");
        } catch (IOException ex) {
            throw new UnreachableException(where + " is unreachable (" + ex.getMessage()
                    + "): is the node process running?");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted while waiting for " + where);
        }
    }

    private JsonNode parse(byte[] body) throws ApiException {
        if (body == null || body.length == 0) {
            return Json.object();
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (tools.jackson.core.JacksonException e) {
            throw new ApiException(where + " answered with something that is not JSON: " + e.getOriginalMessage());
        }
    }

    /** The one line of a failed answer: a Status's message, or the HTTP code. */
    private String message(int code, JsonNode reply) {
        String m = reply.path("message").asString("");
        return m.isEmpty() ? where + " answered HTTP " + code : m;
    }

    /**
     * Sends a streaming request and copies the stream it answers with to {@code sink} until it ends; throws
     * with the lab's error if it refused.
     */
    public void stream(JsonNode request, OutputStream sink) throws ApiException {
        Endpoint e = endpoint();
        String op = request.path("op").asString("");
        ObjectNode body = ((ObjectNode) request).deepCopy();
        body.remove("op");
        HttpRequest req = HttpRequest.newBuilder(e.base().resolve(OPERATIONS + op))
                .header("Authorization", "Bearer " + e.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body))).build();
        HttpResponse<InputStream> res = exchange(e, req, HttpResponse.BodyHandlers.ofInputStream(), 0);
        try (InputStream in = res.body()) {
            if (res.statusCode() / 100 != 2) {
                throw new ApiException(message(res.statusCode(), parse(in.readAllBytes())));
            }
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sink.write(buf, 0, n);
                sink.flush();
            }
        } catch (IOException ex) {
            if (ex.getMessage() != null && ex.getMessage().contains("Broken pipe")) {
                return; // the reader (e.g. head, or a closed Wireshark) stopped reading
            }
            if (ex.getMessage() != null && ex.getMessage().contains("closed")) {
                return; // the lab stopped the stream (vnet down)
            }
            throw new ApiException("the capture stream failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * Opens a pipe (a port-forward): a WebSocket to the operation, whose messages carry raw bytes both ways
     * once the far end is connected. Throws with the one-line error of the lab or node (the pod is gone,
     * nothing listens on the port) otherwise.
     */
    public WebSocketPipe pipe(JsonNode request) throws ApiException {
        Endpoint e = endpoint();
        String op = request.path("op").asString("");
        ObjectNode body = ((ObjectNode) request).deepCopy();
        body.remove("op");
        String q = URLEncoder.encode(Json.MAPPER.writeValueAsString(body), StandardCharsets.UTF_8);
        URI ws = URI.create("wss://" + e.base().getRawAuthority() + OPERATIONS + op + "?request=" + q);
        return WebSocketPipe.open(http(e), ws, e.token(), where);
    }

    // ---- the Kubernetes verbs, for the CLI's resource commands ----

    /** The URL of {@code kind}'s collection: in {@code namespace}, or of every namespace when null. */
    public static String collection(Kind<?> kind, String namespace) {
        String base = kind.apiVersion().contains("/") ? "/apis/" + kind.apiVersion() : "/api/" + kind.apiVersion();
        return kind.namespaced() && namespace != null ? base + "/namespaces/" + encode(namespace) + "/" + kind.plural()
                : base + "/" + kind.plural();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }

    /**
     * The objects of {@code kind} in {@code namespace} (all namespaces when {@code all}), or the one named
     * {@code name}, as a kubectl {@code List}: each item with its apiVersion and kind.
     */
    public JsonNode list(Kind<?> kind, String namespace, boolean all, String name) throws ApiException {
        String ns = all || !kind.namespaced() ? null : namespace == null || namespace.isEmpty() ? "default" : namespace;
        ObjectNode list = Json.object().put("apiVersion", "v1").put("kind", "List");
        ArrayNode items = list.putArray("items");
        if (name != null && !name.isEmpty()) {
            if (ns == null && kind.namespaced()) {
                for (JsonNode o : rest("GET", collection(kind, null), null).path("items")) {
                    if (o.path("metadata").path("name").asString().equals(name)) {
                        items.add(typed(kind, o));
                    }
                }
                if (items.isEmpty()) {
                    throw new ApiException(kind.resource() + " \"" + name + "\" not found");
                }
                return list;
            }
            items.add(typed(kind, rest("GET", collection(kind, ns) + "/" + encode(name), null)));
            return list;
        }
        for (JsonNode o : rest("GET", collection(kind, ns), null).path("items")) {
            items.add(typed(kind, o));
        }
        return list;
    }

    /**
     * Watches every object of {@code kind} in all namespaces ({@code ?watch=true}, as an informer does):
     * {@code event} gets each WatchEvent (its {@code type} and {@code object}) until the server ends the stream
     * (its timeout) or the connection drops, and then this returns, for the caller to watch again. Without a
     * resourceVersion the server first sends every current object as ADDED. Throws if the watch is refused or
     * the API cannot be reached.
     */
    public void watch(Kind<?> kind, java.util.function.Consumer<JsonNode> event) throws ApiException {
        watch(kind, () -> { }, event);
    }

    /** Like {@link #watch(Kind, java.util.function.Consumer)}; {@code opened} runs once the server took the watch. */
    public void watch(Kind<?> kind, Runnable opened, java.util.function.Consumer<JsonNode> event) throws ApiException {
        Endpoint e = endpoint();
        HttpRequest req = HttpRequest.newBuilder(e.base().resolve(collection(kind, null) + "?watch=true"))
                .header("Authorization", "Bearer " + e.token()).header("Accept", "application/json").GET().build();
        HttpResponse<java.util.stream.Stream<String>> res = exchange(e, req, HttpResponse.BodyHandlers.ofLines(), 0);
        try (java.util.stream.Stream<String> lines = res.body()) {
            java.util.Iterator<String> it = lines.iterator();
            if (res.statusCode() / 100 != 2) {
                StringBuilder body = new StringBuilder();
                it.forEachRemaining(body::append);
                throw new ApiException(message(res.statusCode(), parse(body.toString().getBytes(StandardCharsets.UTF_8))));
            }
            opened.run();
            while (it.hasNext()) {
                String line = it.next();
                if (!line.isBlank()) {
                    event.accept(parse(line.getBytes(StandardCharsets.UTF_8)));
                }
            }
        } catch (java.io.UncheckedIOException ex) {
            // the connection dropped mid-stream: the caller watches again
        }
    }

    private static JsonNode typed(Kind<?> kind, JsonNode o) {
        ObjectNode copy = Json.object().put("apiVersion", kind.apiVersion()).put("kind", kind.kind());
        o.properties().forEach(f -> {
            if (!f.getKey().equals("apiVersion") && !f.getKey().equals("kind")) {
                copy.set(f.getKey(), f.getValue());
            }
        });
        return copy;
    }

    /** Deletes one object, as {@code kubectl delete KIND NAME} does; the answer says it is gone. */
    public JsonNode delete(Kind<?> kind, String namespace, String name) throws ApiException {
        String ns = kind.namespaced() ? namespace == null || namespace.isEmpty() ? "default" : namespace : null;
        return rest("DELETE", collection(kind, ns) + "/" + encode(name), null);
    }

    /**
     * Deletes each object in turn, as kubectl does: {"messages":["pod \"web\" deleted",...],"errors":[...]}.
     * A missing object is an error unless {@code ignoreMissing}; a kind written by the cluster itself is refused
     * before anything is deleted.
     */
    public ObjectNode deleteEach(java.util.List<Named> targets, boolean ignoreMissing) throws ApiException {
        for (Named t : targets) {
            if (t.kind().managedBy() != null && !t.kind().equals(dev.vnet.apiserver.api.NodeKind.KIND)) {
                throw new ApiException(t.kind().plural() + " are not deleted by hand: they are written by "
                        + t.kind().managedBy());
            }
        }
        ObjectNode out = Json.object().put("ok", true);
        ArrayNode messages = out.putArray("messages");
        ArrayNode errors = out.putArray("errors");
        for (Named t : targets) {
            try {
                java.util.List<String> bound = t.kind().equals(dev.vnet.apiserver.api.NodeKind.KIND)
                        ? podsBoundTo(t.name()) : java.util.List.of();
                delete(t.kind(), t.namespace(), t.name());
                // A dead node goes with its pods (the API server deletes them, as the pod garbage collector would).
                bound.forEach(p -> messages.add("pod \"" + p + "\" deleted (it was bound to " + t.name() + ")"));
                messages.add(t.kind().singular() + " \"" + t.name() + "\" deleted");
            } catch (UnreachableException e) {
                throw e;
            } catch (ApiException e) {
                if (!(ignoreMissing && e.getMessage().endsWith("\" not found"))) {
                    errors.add(e.getMessage());
                }
            }
        }
        if (messages.isEmpty() && !errors.isEmpty()) {
            java.util.List<String> all = new java.util.ArrayList<>();
            errors.forEach(e -> all.add(e.asString()));
            throw new ApiException(String.join("; ", all));
        }
        return out;
    }

    private java.util.List<String> podsBoundTo(String node) throws ApiException {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode p : list(dev.vnet.apiserver.api.PodKind.KIND, null, true, null).path("items")) {
            if (node.equals(p.path("spec").path("nodeName").asString(""))) {
                out.add(p.path("metadata").path("name").asString());
            }
        }
        return out;
    }

    /** The objects of a manifest file, to delete: each document's kind, namespace ({@code namespace} if none) and name. */
    public static java.util.List<Named> named(String text, String source, String namespace) throws ApiException {
        java.util.List<dev.vnet.apiserver.api.Manifests.Document> docs;
        try {
            docs = dev.vnet.apiserver.api.Manifests.parse(text, source, dev.vnet.apiserver.api.Kinds.builtIn());
        } catch (dev.vnet.apiserver.api.InvalidManifestException e) {
            throw new ApiException(e.getMessage());
        }
        java.util.List<Named> out = new java.util.ArrayList<>();
        for (var d : docs) {
            String ns = d.object().getMetadata().getNamespace();
            out.add(new Named(d.kind(), ns == null || ns.isEmpty() ? namespace : ns, d.object().getMetadata().getName()));
        }
        return out;
    }

    /** One object by kind, namespace and name. */
    public record Named(Kind<?> kind, String namespace, String name) {}
}
