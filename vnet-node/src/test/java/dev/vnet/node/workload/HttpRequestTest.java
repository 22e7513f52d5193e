package dev.vnet.node.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpRequestTest {
    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static HttpRequest parse(String text) throws IOException {
        return HttpRequest.read(stream(text));
    }

    @Test
    void readsTheRequestLineAndHeadersInOrder() throws IOException {
        HttpRequest r = parse("GET /a?b=1 HTTP/1.1\r\nHost: web\r\nUser-Agent:  curl/8 \r\nAccept: */*\r\n\r\n");

        assertEquals("GET", r.method());
        assertEquals("/a?b=1", r.target());
        assertEquals("HTTP/1.1", r.version());
        assertEquals(List.of(new HttpRequest.Header("Host", "web"), new HttpRequest.Header("User-Agent", "curl/8"),
                new HttpRequest.Header("Accept", "*/*")), r.headers());
        assertEquals("curl/8", r.header("user-agent"));
    }

    @Test
    void acceptsBareLineFeedsAndLeadingEmptyLines() throws IOException {
        HttpRequest r = parse("\r\n\nGET / HTTP/1.0\nHost: web\n\n");

        assertEquals("HTTP/1.0", r.version());
        assertEquals("web", r.header("Host"));
    }

    @Test
    void readsRequestsOneAfterAnotherAndNullAtTheEnd() throws IOException {
        InputStream in = stream("POST /1 HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET /2 HTTP/1.1\r\n\r\n");

        HttpRequest first = HttpRequest.read(in);
        first.skipBody(in);
        assertEquals("/1", first.target());
        assertEquals("/2", HttpRequest.read(in).target());
        assertNull(HttpRequest.read(in), "closed between requests");
    }

    @Test
    void theEndOfTheStreamInsideAHeadIsAnError() {
        assertThrows(EOFException.class, () -> parse("GET / HTTP/1.1\r\nHost: w"));
        assertThrows(EOFException.class, () -> parse("GET / HTTP/1.1\r\nHost: web\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/2\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: web\r\n folded\r\n\r\n",
    })
    void refusesAMalformedHead(String text) {
        assertThrows(ProtocolException.class, () -> parse(text));
    }

    @Test
    void refusesAHeadLargerThanTheLimit() {
        String big = "GET / HTTP/1.1\r\nX: " + "a".repeat(HttpRequest.MAX_HEAD) + "\r\n\r\n";

        assertThrows(ProtocolException.class, () -> parse(big));
    }

    @Test
    void refusesABadContentLength() throws IOException {
        HttpRequest r = parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n");

        assertThrows(ProtocolException.class, () -> r.skipBody(stream("")));
    }

    @ParameterizedTest
    @CsvSource({
        "HTTP/1.1, '', true",
        "HTTP/1.1, 'Connection: close', false",
        "HTTP/1.1, 'Connection: Keep-Alive', true",
        "HTTP/1.0, '', false",
        "HTTP/1.0, 'Connection: keep-alive', true",
        "HTTP/1.1, 'Transfer-Encoding: chunked', false",
    })
    void keepsTheConnectionAsTheVersionAndHeadersSay(String version, String header, boolean keepAlive)
            throws IOException {
        HttpRequest r = parse("GET / " + version + "\r\n" + (header.isEmpty() ? "" : header + "\r\n") + "\r\n");

        assertEquals(keepAlive, r.keepAlive());
    }

    @Test
    void knowsWhenTheClientWaitsForContinue() throws IOException {
        assertTrue(parse("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n").expectsContinue());
        assertFalse(parse("PUT / HTTP/1.1\r\n\r\n").expectsContinue());
    }
}
