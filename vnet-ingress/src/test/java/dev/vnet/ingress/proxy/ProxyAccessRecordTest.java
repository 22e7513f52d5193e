package dev.vnet.ingress.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class ProxyAccessRecordTest {
    static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 2, 1, 2, 3, 0, ZoneOffset.UTC);

    @Test
    void forwardedRequestInIngressNginxFormat() {
        AccessRecord r = new AccessRecord("10.244.1.1", "GET /api HTTP/1.1", null, "curl/8.5.0", 76, 1_000_000_000L,
                "5e2b7a0c9f6d4e1a8b3c2d1e0f9a8b7c");
        r.upstreamName = "default-api-80";
        r.attempt("10.244.2.3:8080", 200, 612, 2_000_000);
        r.status = 200;
        r.bodyBytes = 612;
        assertEquals("10.244.1.1 - - [02/Dec/2026:01:02:03 +0000] \"GET /api HTTP/1.1\" 200 612 \"-\" \"curl/8.5.0\" 76 "
                + "0.002 [default-api-80] [] 10.244.2.3:8080 612 0.002 200 5e2b7a0c9f6d4e1a8b3c2d1e0f9a8b7c",
                r.format(NOW, 1_002_000_000L));
    }

    @Test
    void retriesAreListedAndNoUpstreamIsADash() {
        AccessRecord r = new AccessRecord("10.244.1.1", "GET / HTTP/1.1", "http://a/", "x", 40, 0, "id");
        r.upstreamName = "default-dead-80";
        r.alternativeName = "default-web-80";
        r.attempt("10.244.2.9:80", 502, 0, 1_000_000);
        r.attempt("10.244.3.4:80", 200, 5, 3_000_000);
        r.status = 200;
        r.bodyBytes = 5;
        assertTrue(r.format(NOW, 5_000_000).endsWith("\"http://a/\" \"x\" 40 0.005 [default-dead-80] [default-web-80] "
                + "10.244.2.9:80, 10.244.3.4:80 0, 5 0.001, 0.003 502, 200 id"), r.format(NOW, 5_000_000));

        AccessRecord none = new AccessRecord("10.244.1.1", "GET /nope HTTP/1.1", null, null, 40, 0, "id");
        none.status = 404;
        none.bodyBytes = 150;
        assertEquals("10.244.1.1 - - [02/Dec/2026:01:02:03 +0000] \"GET /nope HTTP/1.1\" 404 150 \"-\" \"-\" 40 0.000 "
                + "[-] [] - - - - id", none.format(NOW, 0));
    }

    @Test
    void quotesAndControlCharactersAreEscapedAsNginxDoes() {
        AccessRecord r = new AccessRecord("1.2.3.4", "GET /\"x HTTP/1.1", null, "evil\" agent\\", 1, 0, "id");
        String line = r.format(NOW, 0);
        assertTrue(line.contains("\"GET /\\x22x HTTP/1.1\""), line);
        assertTrue(line.contains("\"evil\\x22 agent\\x5C\""), line);
    }

    @Test
    void requestIdsAre32HexDigits() {
        String id = AccessRecord.newRequestId();
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertTrue(!id.equals(AccessRecord.newRequestId()));
    }
}
