package dev.vnet.ingress.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vnet.ingress.route.Action.HeaderChanges;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyForwardHeadersTest {
    static final ForwardHeaders.Origin ORIGIN = new ForwardHeaders.Origin("10.244.1.1", true, 443, "rid");

    @Test
    void theWholeUpstreamHeaderSet() {
        HttpHeaders in = new DefaultHttpHeaders()
                .add("Host", "Foo.Bar.com")
                .add("User-Agent", "curl/8.5.0")
                .add("Connection", "keep-alive, X-Hop")
                .add("X-Hop", "1")
                .add("Keep-Alive", "timeout=5")
                .add("Upgrade", "websocket")
                .add("Proxy-Connection", "keep-alive")
                .add("TE", "trailers")
                .add("Expect", "100-continue")
                .add("Content-Length", "3")
                .add("X-Forwarded-For", "6.6.6.6")
                .add("X-Forwarded-Prefix", "/evil")
                .add("X-Real-IP", "6.6.6.6")
                .add("Accept", "*/*");
        HttpHeaders out = ForwardHeaders.toUpstream(in, ORIGIN, "10.0.0.1:443", 3, HeaderChanges.NONE);
        List<String> lines = new ArrayList<>();
        out.forEach(h -> lines.add(h.getKey() + ": " + h.getValue()));
        assertEquals(List.of(
                "Host: Foo.Bar.com",
                "User-Agent: curl/8.5.0",
                "Accept: */*",
                "X-Request-ID: rid",
                "X-Real-IP: 10.244.1.1",
                "X-Forwarded-For: 10.244.1.1",
                "X-Forwarded-Host: Foo.Bar.com",
                "X-Forwarded-Port: 443",
                "X-Forwarded-Proto: https",
                "X-Forwarded-Scheme: https",
                "X-Scheme: https",
                "content-length: 3"), lines);
    }

    @Test
    void aRequestWithoutHostGetsTheListenersAddress() {
        HttpHeaders out = ForwardHeaders.toUpstream(new DefaultHttpHeaders(), ORIGIN, "10.0.0.1:443", 0,
                HeaderChanges.NONE);
        assertEquals("10.0.0.1:443", out.get("Host"));
        assertEquals("10.0.0.1:443", out.get("X-Forwarded-Host"));
        assertNull(out.get("Content-Length"), "no body, no length");
    }

    @Test
    void changesComeLastAndMayOverrideTheProxysOwn() {
        HttpHeaders in = new DefaultHttpHeaders().add("Host", "h").add("X-Tag", "a").add("X-Drop", "1");
        HttpHeaders out = ForwardHeaders.toUpstream(in, ORIGIN, "l", 0, new HeaderChanges(
                Map.of("x-forwarded-proto", "http"), Map.of("X-Tag", "b"), List.of("x-drop")));
        assertEquals("http", out.get("X-Forwarded-Proto"));
        assertEquals(List.of("a", "b"), out.getAll("X-Tag"));
        assertNull(out.get("X-Drop"));
    }

    @Test
    void responseHopByHopHeadersAreDropped() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "close, X-Internal").add("X-Internal", "1")
                .add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked").add("Content-Type", "text/plain");
        ForwardHeaders.fromUpstream(h);
        assertEquals(List.of("Content-Type"), new ArrayList<>(h.names()));
    }
}
