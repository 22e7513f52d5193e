package dev.vnet.ingress.proxy;

import static dev.vnet.ingress.proxy.ProxyTestKit.LOOPBACK;
import static dev.vnet.ingress.proxy.ProxyTestKit.awaitLine;
import static dev.vnet.ingress.proxy.ProxyTestKit.backend;
import static dev.vnet.ingress.proxy.ProxyTestKit.forward;
import static dev.vnet.ingress.proxy.ProxyTestKit.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.ingress.proxy.ProxyTestKit.Client;
import dev.vnet.ingress.proxy.ProxyTestKit.FakeTable;
import dev.vnet.ingress.proxy.ProxyTestKit.Response;
import dev.vnet.ingress.proxy.ProxyTestKit.Seen;
import dev.vnet.ingress.proxy.ProxyTestKit.Upstream;
import dev.vnet.ingress.route.Action;
import dev.vnet.ingress.route.Request;
import dev.vnet.ingress.route.RouteTable.Listener;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy over plain HTTP on 127.0.0.1, routing by path through a fake table to JDK upstream servers. */
class IngressProxyTest {
    static Upstream a;
    static Upstream b;
    static Upstream c;
    static IngressProxy proxy;
    static int port;
    static int dead1;
    static int dead2;
    static final Queue<String> log = new ConcurrentLinkedQueue<>();
    static final AtomicReference<Request> lastRequest = new AtomicReference<>();

    @BeforeAll
    static void start() throws IOException {
        a = new Upstream("a");
        b = new Upstream("b");
        c = new Upstream("c");
        dead1 = freePort();
        dead2 = freePort();
        port = freePort();
        proxy = new IngressProxy(LOOPBACK, log::add,
                IngressProxy.Options.defaults().withUpstreamReadTimeout(Duration.ofMillis(500)).withMaxBodyBytes(64 << 10));
        proxy.install(new FakeTable(Set.of(new Listener(port, false)), IngressProxyTest::route));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        a.close();
        b.close();
        c.close();
    }

    static Action route(Request r) {
        lastRequest.set(r);
        Action.Endpoint d1 = new Action.Endpoint("127.0.0.1", dead1);
        Action.Endpoint d2 = new Action.Endpoint("127.0.0.1", dead2);
        String p = r.path();
        if (p.startsWith("/missing")) {
            return new Action.Respond("no rule", 404, "default backend - 404");
        } else if (p.startsWith("/noep")) {
            return new Action.Respond("ingress default/web", 503, "no ready endpoints for default/web:80");
        } else if (p.startsWith("/err")) {
            return new Action.Respond("httproute default/r", 500, "backend default/nope:80 not found");
        } else if (p.startsWith("/old")) {
            return new Action.Redirect("filter", 308, "https://foo.bar.com/new");
        } else if (p.startsWith("/mod")) {
            return new Action.Forward("mod", List.of(backend("default/a:80", 1, a.endpoint())),
                    new Action.HeaderChanges(Map.of("X-Env", "canary"), Map.of("X-Tag", "added"), List.of("X-Remove-Me")));
        } else if (p.startsWith("/split")) {
            return forward(backend("default/a:80", 90, a.endpoint()), backend("default/b:80", 10, b.endpoint()));
        } else if (p.startsWith("/retry-endpoint")) {
            return forward(backend("default/retry-ep:80", 1, d1, a.endpoint()));
        } else if (p.startsWith("/retry-backend")) {
            return forward(backend("default/dead:80", 1, d1), backend("default/b:80", 1, b.endpoint()));
        } else if (p.startsWith("/dead")) {
            return forward(backend("default/all-dead:80", 1, d1, d2));
        } else if (p.startsWith("/ka")) {
            return forward(backend("default/c:80", 1, c.endpoint()));
        }
        return forward(backend("default/a:80", 1, a.endpoint()));
    }

    @Test
    void forwardsBodyAndStatus() throws IOException {
        try (Client cl = new Client(port)) {
            Response r = cl.send("POST", "foo.bar.com", "/status/201?x=1", "hello");
            assertEquals(201, r.status());
            assertEquals("a POST /status/201?x=1 hello", r.body());
            assertEquals("a", r.header("X-Upstream"));
            assertEquals("text/plain", r.header("Content-Type"));
            assertEquals("5", a.last().header("Content-Length"));
        }
    }

    @Test
    void routesOnHostWithoutPortAndPathWithoutQuery() throws IOException {
        try (Client cl = new Client(port)) {
            cl.get("Foo.Bar.COM:8080", "/some/path?q=1&r=2", "X-Custom: One");
        }
        Request r = lastRequest.get();
        assertEquals(port, r.port());
        assertEquals(false, r.tls());
        assertEquals("foo.bar.com", r.host());
        assertEquals("GET", r.method());
        assertEquals("/some/path", r.path());
        assertEquals("One", r.header("x-custom"));
        assertEquals(List.of("One"), r.headers().get("x-custom"));
        assertEquals("/some/path?q=1&r=2", a.last().uri());
    }

    @Test
    void setsForwardedHeadersAndReplacesTheClientsOwn() throws IOException {
        try (Client cl = new Client(port)) {
            cl.get("Foo.Bar.com:8080", "/fwd", "X-Forwarded-For: 6.6.6.6", "X-Real-IP: 6.6.6.6",
                    "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example", "X-Forwarded-Port: 1");
        }
        Seen s = a.last();
        assertEquals("/fwd", s.uri());
        assertEquals("Foo.Bar.com:8080", s.header("Host"));
        assertEquals("127.0.0.1", s.header("X-Forwarded-For"));
        assertEquals("127.0.0.1", s.header("X-Real-IP"));
        assertEquals("http", s.header("X-Forwarded-Proto"));
        assertEquals("Foo.Bar.com:8080", s.header("X-Forwarded-Host"));
        assertEquals(Integer.toString(port), s.header("X-Forwarded-Port"));
        assertTrue(s.header("X-Request-ID").matches("[0-9a-f]{32}"), s.header("X-Request-ID"));
    }

    @Test
    void dropsHopByHopHeaders() throws IOException {
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/hop", "Connection: keep-alive, X-Secret", "X-Secret: 1",
                    "Keep-Alive: timeout=5", "Proxy-Authorization: Basic eDp5", "TE: trailers", "X-Kept: yes");
            assertEquals(200, r.status());
        }
        Seen s = a.last();
        assertNull(s.header("X-Secret"));
        assertNull(s.header("Keep-Alive"));
        assertNull(s.header("Proxy-Authorization"));
        assertNull(s.header("TE"));
        assertEquals("yes", s.header("X-Kept"));
    }

    @Test
    void clientKeepAliveReusesOneUpstreamConnection() throws IOException {
        ProxyStats before = proxy.stats();
        try (Client cl = new Client(port)) {
            for (int i = 0; i < 5; i++) {
                Response r = cl.get("foo.bar.com", "/ka/" + i);
                assertEquals(200, r.status());
                assertEquals("c GET /ka/" + i + " ", r.body());
            }
        }
        try (Client cl = new Client(port)) {
            assertEquals(200, cl.get("foo.bar.com", "/ka/again").status());
        }
        assertEquals(6, c.seen.size());
        assertEquals(1, c.connections(), "the upstream saw more than one connection");
        ProxyStats after = proxy.stats();
        assertEquals(1, after.upstreamConnectsOpened() - before.upstreamConnectsOpened());
        assertEquals(5, after.upstreamConnectsReused() - before.upstreamConnectsReused());
    }

    @Test
    void respondsWithNginxStylePages() throws IOException {
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/missing");
            assertEquals(404, r.status());
            assertEquals("text/html", r.header("Content-Type"));
            assertTrue(r.body().contains("<title>404 Not Found</title>"), r.body());
            assertTrue(r.body().contains("default backend - 404"), r.body());
            Response u = cl.get("foo.bar.com", "/noep");
            assertEquals(503, u.status());
            assertTrue(u.body().contains("503 Service Unavailable") && u.body().contains("no ready endpoints"), u.body());
            Response e = cl.get("foo.bar.com", "/err");
            assertEquals(500, e.status());
            assertTrue(e.body().contains("500 Internal Server Error"), e.body());
        }
    }

    @Test
    void redirectsWithLocationAndNoBody() throws IOException {
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/old");
            assertEquals(308, r.status());
            assertEquals("https://foo.bar.com/new", r.header("Location"));
            assertEquals("0", r.header("Content-Length"));
            assertEquals("", r.body());
        }
    }

    @Test
    void appliesHeaderChanges() throws IOException {
        try (Client cl = new Client(port)) {
            cl.get("foo.bar.com", "/mod", "X-Env: prod", "X-Tag: client", "X-Remove-Me: 1");
        }
        Seen s = a.last();
        assertEquals("canary", s.header("X-Env"));
        assertEquals(List.of("client", "added"), s.headers().get("x-tag"));
        assertNull(s.header("X-Remove-Me"));
    }

    @Test
    void splitsTrafficByWeight() throws IOException {
        int toB = 0;
        try (Client cl = new Client(port)) {
            for (int i = 0; i < 1000; i++) {
                Response r = cl.get("foo.bar.com", "/split");
                assertEquals(200, r.status());
                if (r.header("X-Upstream").equals("b")) {
                    toB++;
                }
            }
        }
        // 10 % of 1000 has a standard deviation of 9.5; 40 is four of them.
        assertTrue(toB > 60 && toB < 140, "backend b got " + toB + " of 1000 at weight 10/100");
    }

    @Test
    void retriesAnotherEndpointAfterAFailedConnect() throws Exception {
        long retries = proxy.stats().upstreamRetries();
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/retry-endpoint", "User-Agent: retry-endpoint-test");
            assertEquals(200, r.status());
            assertEquals("a", r.header("X-Upstream"));
        }
        assertEquals(retries + 1, proxy.stats().upstreamRetries());
        String line = awaitLine(log, l -> l.contains("retry-endpoint-test"));
        assertTrue(line.contains(" 127.0.0.1:" + dead1 + ", 127.0.0.1:" + a.endpoint().port() + " "), line);
        assertTrue(line.contains(" 502, 200 "), line);
    }

    @Test
    void retriesAnotherBackendWhenTheFirstHasOneEndpoint() throws IOException {
        long retries = proxy.stats().upstreamRetries();
        try (Client cl = new Client(port)) {
            for (int i = 0; i < 20; i++) {
                Response r = cl.get("foo.bar.com", "/retry-backend");
                assertEquals(200, r.status());
                assertEquals("b", r.header("X-Upstream"));
            }
        }
        assertTrue(proxy.stats().upstreamRetries() > retries, "half of 20 requests should have met the dead backend");
    }

    @Test
    void badGatewayWhenEveryTryFails() throws Exception {
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/dead", "User-Agent: all-dead-test");
            assertEquals(502, r.status());
            assertTrue(r.body().contains("502 Bad Gateway"), r.body());
            assertEquals(200, cl.get("foo.bar.com", "/after-502").status(), "the client connection stays usable");
        }
        String line = awaitLine(log, l -> l.contains("all-dead-test"));
        assertTrue(line.contains(" 502, 502 "), line);
        assertTrue(line.contains("[default-all-dead-80]"), line);
    }

    @Test
    void gatewayTimeoutWhenTheUpstreamIsSilent() throws IOException {
        long t0 = System.nanoTime();
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/slow");
            assertEquals(504, r.status());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 450 && ms < 2500, "504 after " + ms + " ms with a 500 ms read timeout");
    }

    @Test
    void clientThatLeavesIsLogged499() throws Exception {
        try (Client cl = new Client(port)) {
            cl.socket.getOutputStream().write(
                    "GET /slow HTTP/1.1\r\nHost: x\r\nUser-Agent: leaving-client\r\n\r\n".getBytes());
            cl.socket.getOutputStream().flush();
            Thread.sleep(100);
        }
        String line = awaitLine(log, l -> l.contains("leaving-client"));
        assertTrue(line.contains("\" 499 0 "), line);
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        try (Client cl = new Client(port)) {
            Response r = cl.send("POST", "foo.bar.com", "/big", "x".repeat(100 << 10), "User-Agent: too-big");
            assertEquals(413, r.status());
        }
        String line = awaitLine(log, l -> l.contains("too-big"));
        assertTrue(line.contains("\"POST /big HTTP/1.1\" 413 "), line);
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (Client cl = new Client(port)) {
            Response r = cl.get("foo.bar.com", "/close", "Connection: close");
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(cl.closedByPeer());
        }
    }

    @Test
    void accessLogLinesAreInIngressNginxFormat() throws Exception {
        try (Client cl = new Client(port)) {
            cl.get("foo.bar.com", "/logged?q=1", "User-Agent: log-test/1.0", "Referer: http://ref.example/");
            cl.get("foo.bar.com", "/missing", "User-Agent: log-test-404");
        }
        String fwd = awaitLine(log, l -> l.contains("log-test/1.0"));
        String pattern = "127\\.0\\.0\\.1 - - \\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\\] "
                + "\"GET /logged\\?q=1 HTTP/1\\.1\" 200 (\\d+) \"http://ref\\.example/\" \"log-test/1\\.0\" \\d+ "
                + "\\d+\\.\\d{3} \\[default-a-80\\] \\[\\] 127\\.0\\.0\\.1:" + a.endpoint().port()
                + " (\\d+) \\d+\\.\\d{3} 200 [0-9a-f]{32}";
        assertTrue(fwd.matches(pattern), fwd);
        String body = "a GET /logged?q=1 ";
        assertTrue(fwd.contains("\" 200 " + body.length() + " "), fwd);
        String notFound = awaitLine(log, l -> l.contains("log-test-404"));
        assertTrue(notFound.matches(".*\"GET /missing HTTP/1\\.1\" 404 \\d+ \"-\" \"log-test-404\" \\d+ \\d+\\.\\d{3} "
                + "\\[-\\] \\[\\] - - - - [0-9a-f]{32}"), notFound);
    }

    @Test
    void incomingRequestIdIsKept() throws Exception {
        String id = "0123456789abcdef0123456789abcdef";
        try (Client cl = new Client(port)) {
            cl.get("foo.bar.com", "/id", "X-Request-ID: " + id);
        }
        assertEquals(id, a.last().header("X-Request-ID"));
        assertTrue(awaitLine(log, l -> l.endsWith(" " + id)).contains("/id"));
    }

    @Test
    void statsCountByStatusClass() throws IOException {
        int p = freePort();
        try (IngressProxy px = new IngressProxy(LOOPBACK, l -> {})) {
            px.install(new FakeTable(Set.of(new Listener(p, false)), IngressProxyTest::route));
            try (Client cl = new Client(p)) {
                assertEquals(200, cl.get("foo.bar.com", "/stats").status());
                assertEquals(404, cl.get("foo.bar.com", "/missing").status());
                assertEquals(308, cl.get("foo.bar.com", "/old").status());
                assertEquals(200, cl.get("foo.bar.com", "/retry-endpoint").status());
            }
            long deadline = System.currentTimeMillis() + 2000;
            while (px.stats().requests() < 4 && System.currentTimeMillis() < deadline) {
                Thread.onSpinWait();
            }
            ProxyStats s = px.stats();
            assertEquals(4, s.requests());
            assertEquals(0, s.status1xx());
            assertEquals(2, s.status2xx());
            assertEquals(1, s.status3xx());
            assertEquals(1, s.status4xx());
            assertEquals(0, s.status5xx());
            assertEquals(1, s.upstreamRetries());
            assertEquals(1, s.upstreamConnectsOpened(), "the dead endpoint's connect is not counted");
            assertEquals(1, s.upstreamConnectsReused(), "the retry found a's connection idle");
            assertTrue(s.bytesReceived() > 4 * "GET / HTTP/1.1\r\n".length(), s.toString());
            assertTrue(s.bytesSent() >= "a GET /stats ".length() + "a GET /retry-endpoint ".length(), s.toString());
        }
    }

    @Test
    void javaHttpClientGetsThrough() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jdk"))
                .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("a POST /jdk payload", r.body());
    }

    @Test
    void curlGetsThroughWithResolve() throws Exception {
        String curl = ProxyTestKit.curl();
        assumeTrue(curl != null, "curl is not installed");
        String out = ProxyTestKit.run(List.of(curl, "-s", "-i", "--resolve", "foo.bar.com:" + port + ":127.0.0.1",
                "http://foo.bar.com:" + port + "/curl"));
        assertTrue(out.startsWith("HTTP/1.1 200"), out);
        assertTrue(out.contains("a GET /curl "), out);
        assertEquals("foo.bar.com:" + port, a.last().header("Host"));
    }

    @Test
    void installOpensNewListenersAndClosesDroppedOnes() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        try (IngressProxy px = new IngressProxy(LOOPBACK, l -> {})) {
            px.install(new FakeTable(Set.of(new Listener(p1, false)), r -> forward(backend("default/a:80", 1,
                    a.endpoint()))));
            Client kept = new Client(p1);
            assertEquals(200, kept.get("x", "/one").status());
            assertRefused(p2);

            px.install(new FakeTable(Set.of(new Listener(p1, false), new Listener(p2, false)),
                    r -> forward(backend("default/b:80", 1, b.endpoint()))));
            assertEquals(Set.of(new Listener(p1, false), new Listener(p2, false)), px.listening());
            assertEquals("b", kept.get("x", "/two").header("X-Upstream"), "a kept-alive client uses the new table");
            try (Client cl = new Client(p2)) {
                assertEquals("b", cl.get("x", "/three").header("X-Upstream"));
            }

            px.install(new FakeTable(Set.of(new Listener(p2, false)), r -> forward(backend("default/a:80", 1,
                    a.endpoint()))));
            assertEquals(Set.of(new Listener(p2, false)), px.listening());
            assertRefused(p1);
            assertTrue(kept.closedByPeer(), "an idle connection of a dropped listener is closed");
            kept.close();
            try (Client cl = new Client(p2)) {
                assertEquals("a", cl.get("x", "/four").header("X-Upstream"));
            }
        }
    }

    @Test
    void aRequestInFlightKeepsItsTable() throws Exception {
        int p = freePort();
        try (IngressProxy px = new IngressProxy(LOOPBACK, l -> {})) {
            px.install(new FakeTable(Set.of(new Listener(p, false)), r -> forward(backend("default/a:80", 1,
                    a.endpoint()))));
            var inFlight = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (Client cl = new Client(p)) {
                    return cl.get("x", "/delay").header("X-Upstream");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.currentTimeMillis() + 5000;
            while (a.seen.stream().noneMatch(s -> s.uri().equals("/delay")) && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            px.install(new FakeTable(Set.of(new Listener(p, false)), r -> forward(backend("default/b:80", 1,
                    b.endpoint()))));
            try (Client cl = new Client(p)) {
                assertEquals("b", cl.get("x", "/after").header("X-Upstream"));
            }
            assertEquals("a", inFlight.get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (Client cl = new Client(port)) {
            cl.socket.getOutputStream().write(("GET /delay/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /p3 HTTP/1.1\r\nHost: x\r\n\r\n").getBytes());
            cl.socket.getOutputStream().flush();
            assertEquals("a GET /delay/1 ", cl.read(false).body());
            assertEquals(404, cl.read(false).status());
            assertEquals("a GET /p3 ", cl.read(false).body());
        }
    }

    @Test
    void aPortInUseIsNamedAndTheOthersServe() throws Exception {
        int free = freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK);
                IngressProxy px = new IngressProxy(LOOPBACK, l -> {})) {
            int busy = taken.getLocalPort();
            FakeTable t = new FakeTable(Set.of(new Listener(busy, true), new Listener(free, false)),
                    r -> forward(backend("default/a:80", 1, a.endpoint())));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> px.install(t));
            assertTrue(e.getMessage().contains("127.0.0.1:" + busy + " (HTTPS)"), e.getMessage());
            try (Client cl = new Client(free)) {
                assertEquals(200, cl.get("x", "/ok").status());
            }
        }
    }

    @Test
    void aPortListedAsBothHttpAndHttpsIsRefused() throws Exception {
        int p = freePort();
        try (IngressProxy px = new IngressProxy(LOOPBACK, l -> {})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> px.install(new FakeTable(
                    Set.of(new Listener(p, true), new Listener(p, false)), r -> null)));
            assertTrue(e.getMessage().contains("port " + p), e.getMessage());
        }
    }

    private static void assertRefused(int p) {
        assertThrows(ConnectException.class, () -> new Socket(LOOPBACK, p).close(), "port " + p + " accepts");
    }
}
