package dev.vnet.ingress.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The responses the proxy makes itself: nginx's small HTML error pages, and redirects. */
final class Pages {
    private Pages() {}

    /**
     * An nginx-style page for {@code status}, with {@code detail} (why: "default backend - 404", "no ready
     * endpoints for default/web:80") under the title so that a learner reading curl's output sees the reason.
     */
    static FullHttpResponse error(int status, String detail) {
        HttpResponseStatus s = HttpResponseStatus.valueOf(status);
        String title = status + " " + s.reasonPhrase();
        String body = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title
                + "</h1></center>\r\n" + (detail == null || detail.isEmpty() ? "" : "<center>" + html(detail)
                + "</center>\r\n") + "<hr><center>vnet ingress</center>\r\n</body>\r\n</html>\r\n";
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }

    /** A redirect: the status and Location, no body. */
    static FullHttpResponse redirect(int status, String location) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.LOCATION, location);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
