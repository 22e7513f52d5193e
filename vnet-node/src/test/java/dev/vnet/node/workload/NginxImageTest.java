package dev.vnet.node.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in nginx and nginxdemos/hello over real loopback sockets (no root needed). */
class NginxImageTest {
    private static final PodInfo POD = new PodInfo("web-7f9c", "default", "unused", "10.244.1.5", "node-1", "web-7f9c");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-07-01T10:00:05Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private NginxServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String base(NginxServer.Page page) throws IOException {
        ServerSocket listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        server = new NginxServer("web", POD, page, listener, CLOCK, dir.resolve("web.log"));
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersWithTheWelcomePageNamingThePod() throws Exception {
        String base = base(NginxServer.Page.WELCOME);

        for (String path : List.of("/", "/index.html", "/?x=1")) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).build());

            assertEquals(200, r.statusCode(), path);
            assertEquals("nginx", r.headers().firstValue("server").orElse(""));
            assertEquals("text/html", r.headers().firstValue("content-type").orElse(""));
            assertEquals("Tue, 01 Jul 2025 10:00:05 GMT", r.headers().firstValue("date").orElse(""));
            assertTrue(r.body().contains("<title>Welcome to nginx!</title>"), r.body());
            assertTrue(r.body().contains("<h1>Welcome to nginx!</h1>"), r.body());
            assertTrue(r.body().contains("Served by pod web-7f9c (10.244.1.5) on node node-1."), r.body());
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405AsNginxAnswersThem() throws Exception {
        String base = base(NginxServer.Page.WELCOME);

        HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(base + "/nope")).build());
        HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(base + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("a=1")).build());

        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("<title>404 Not Found</title>"), missing.body());
        assertTrue(missing.body().contains("<center>nginx</center>"), missing.body());
        assertEquals(405, post.statusCode());
        assertTrue(post.body().contains("405 Not Allowed"), post.body());
    }

    @Test
    void headHasTheLengthButNoBody() throws Exception {
        String base = base(NginxServer.Page.WELCOME);
        HttpResponse<String> get = send(HttpRequest.newBuilder(URI.create(base + "/")).build());

        HttpResponse<String> head = send(HttpRequest.newBuilder(URI.create(base + "/"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());

        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(String.valueOf(get.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                head.headers().firstValue("content-length").orElse(""));
    }

    @Test
    void writesTheAccessLogInNginxsCombinedFormat() throws Exception {
        String base = base(NginxServer.Page.WELCOME);
        HttpResponse<String> ok = send(HttpRequest.newBuilder(URI.create(base + "/"))
                .header("User-Agent", "curl/8.5.0").header("Referer", "http://example.test/").build());
        send(HttpRequest.newBuilder(URI.create(base + "/missing?q=1")).header("User-Agent", "Wget").build());

        List<String> lines = Files.readAllLines(dir.resolve("web.log"));

        assertEquals("2025/07/01 10:00:05 [notice] nginx (vnet built-in) serving on :"
                + URI.create(base).getPort() + " in pod web-7f9c", lines.get(0));
        assertEquals("127.0.0.1 - - [01/Jul/2025:10:00:05 +0000] \"GET / HTTP/1.1\" 200 "
                + ok.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + " \"http://example.test/\" \"curl/8.5.0\"", lines.get(1));
        assertTrue(lines.get(2).startsWith("127.0.0.1 - - [01/Jul/2025:10:00:05 +0000] \"GET /missing?q=1 HTTP/1.1\" 404 "),
                lines.get(2));
        assertTrue(lines.get(2).endsWith(" \"-\" \"Wget\""), lines.get(2));
    }

    @Test
    void helloAnswersEveryUriWithTheServerThatAnswered() throws Exception {
        String base = base(NginxServer.Page.HELLO);

        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/any/path?x=1")).build());

        assertEquals(200, r.statusCode());
        assertEquals("text/plain", r.headers().firstValue("content-type").orElse(""));
        List<String> lines = r.body().lines().toList();
        assertEquals("Server address: 127.0.0.1:" + URI.create(base).getPort(), lines.get(0));
        assertEquals("Server name: web-7f9c", lines.get(1));
        assertEquals("Date: 01/Jul/2025:10:00:05 +0000", lines.get(2));
        assertEquals("URI: /any/path?x=1", lines.get(3));
        assertTrue(lines.get(4).matches("Request ID: [0-9a-f]{32}"), lines.get(4));
    }
}
