package dev.vnet.ingress.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.ingress.route.Request;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a request reaches the route table: host, path and headers. */
class ProxyRequestViewTest {
    @Test
    void hostWithoutPortInLowerCase() {
        assertEquals("foo.bar.com", ClientHandler.hostOf("Foo.Bar.COM:8080"));
        assertEquals("foo.bar.com", ClientHandler.hostOf("foo.bar.com."));
        assertEquals("[::1]", ClientHandler.hostOf("[::1]:80"));
        assertEquals("10.0.0.1", ClientHandler.hostOf("10.0.0.1"));
        assertEquals("", ClientHandler.hostOf(null));
    }

    @Test
    void absoluteFormTargets() {
        assertEquals("/a/b?c=d", ClientHandler.originForm("http://Foo.example:81/a/b?c=d"));
        assertEquals("/?q", ClientHandler.originForm("http://foo.example?q"));
        assertEquals("/", ClientHandler.originForm("https://foo.example"));
        assertEquals("/x?y", ClientHandler.originForm("/x?y"));
    }

    @Test
    void theTablesView() {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.DELETE, "/api/v1?x=1");
        r.headers().add("Host", "API.example.com:30080").add("X-Multi", "1").add("x-multi", "2");
        Request v = ClientHandler.routeRequest(30080, false, r);
        assertEquals(new Request(30080, false, "api.example.com", "DELETE", "/api/v1", v.headers(), "x=1"), v);
        assertEquals(List.of("1", "2"), v.headers().get("x-multi"));
        assertEquals("API.example.com:30080", v.header("HOST"));

        DefaultFullHttpRequest abs = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "http://Other.example/p?q");
        abs.headers().add("Host", "ignored.example");
        Request a = ClientHandler.routeRequest(80, false, abs);
        assertEquals("other.example", a.host());
        assertEquals("/p", a.path());
        r.release();
        abs.release();
    }
}
