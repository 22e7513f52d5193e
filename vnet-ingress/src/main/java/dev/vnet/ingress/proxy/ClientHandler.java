package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.Action;
import dev.vnet.ingress.route.Request;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection: its requests are served one at a time in arrival order (pipelined ones wait, and reading
 * pauses meanwhile), each routed through the table current when it arrived; the connection stays open between
 * requests unless the client or the listener's removal says otherwise. All on the connection's event loop.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ClientHandler.class.getName());

    private final IngressProxy proxy;
    private final IngressProxy.Bound listener;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    private AccessRecord rec;
    private boolean keepAlive;
    private boolean http10;
    private boolean head;
    private Exchange exchange;

    ClientHandler(IngressProxy proxy, IngressProxy.Bound listener) {
        this.proxy = proxy;
        this.listener = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest r) {
            waiting.add(r);
            serveNext();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void serveNext() {
        if (busy) {
            ctx.channel().config().setAutoRead(false);
            return;
        }
        FullHttpRequest r = waiting.poll();
        if (r == null) {
            ctx.channel().config().setAutoRead(true);
            return;
        }
        busy = true;
        try {
            serve(r);
        } finally {
            r.release();
        }
    }

    private void serve(FullHttpRequest r) {
        int port = listener.listener.port();
        boolean tls = listener.listener.tls();
        String clientIp = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        String incomingId = r.headers().get("X-Request-ID");
        String reqId = incomingId == null || incomingId.isEmpty() ? AccessRecord.newRequestId() : incomingId;
        rec = new AccessRecord(clientIp, r.method() + " " + r.uri() + " " + r.protocolVersion().text(),
                r.headers().get(HttpHeaderNames.REFERER), r.headers().get(HttpHeaderNames.USER_AGENT), length(r),
                System.nanoTime(), reqId);
        http10 = r.protocolVersion().equals(HttpVersion.HTTP_1_0);
        head = r.method().equals(HttpMethod.HEAD);
        keepAlive = HttpUtil.isKeepAlive(r);
        if (r.decoderResult().isFailure()) {
            keepAlive = false;
            Throwable cause = r.decoderResult().cause();
            int status = cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof TooLongFrameException ? 431 : 400;
            answer(Pages.error(status, "the request could not be read: " + cause.getMessage()));
            return;
        }
        Request view = routeRequest(port, tls, r);
        Action action;
        try {
            action = proxy.table().route(view);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route table failed; request " + reqId, e);
            action = new Action.Respond("route table error", 500, "the route table failed: " + e.getMessage());
        }
        if (action instanceof Action.Forward f) {
            String local = ((InetSocketAddress) ctx.channel().localAddress()).getAddress().getHostAddress() + ":" + port;
            HttpHeaders headers = ForwardHeaders.toUpstream(r.headers(),
                    new ForwardHeaders.Origin(clientIp, tls, port, reqId), local, r.content().readableBytes(), f.headers());
            FullHttpRequest up = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, r.method(), originForm(r.uri()),
                    r.content().retainedDuplicate(), headers, new DefaultHttpHeaders());
            exchange = new Exchange(this, ctx.channel().eventLoop(), f, up, rec, proxy);
            exchange.start();
        } else if (action instanceof Action.Redirect d) {
            answer(Pages.redirect(d.status(), d.location()));
        } else if (action instanceof Action.Respond s) {
            answer(Pages.error(s.status(), s.reason()));
        }
    }

    /** The upstream's response (taken), relayed without its hop-by-hop headers. */
    void forwarded(FullHttpResponse response) {
        ForwardHeaders.fromUpstream(response.headers());
        int code = response.status().code();
        if (code == 204 || code == 304 || code / 100 == 1) {
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        answer(response);
    }

    /** Sends the answer to the current request (taken) and goes on with the next one. */
    void answer(FullHttpResponse response) {
        exchange = null;
        AccessRecord done = rec;
        done.status = response.status().code();
        done.bodyBytes = head ? 0 : response.content().readableBytes();
        boolean keep = keepAlive && !listener.closing;
        if (!keep) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(response).addListener(f -> {
            log(done);
            if (!keep || !f.isSuccess()) {
                ctx.close();
            } else {
                busy = false;
                rec = null;
                ctx.executor().execute(this::serveNext); // not from inside the write: pipelined requests would nest

            }
        });
    }

    /** A request over the body limit: the aggregator answers 413 itself; it still gets its log line. */
    void oversized(HttpRequest r) {
        String clientIp = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
        AccessRecord over = new AccessRecord(clientIp, r.method() + " " + r.uri() + " " + r.protocolVersion().text(),
                r.headers().get(HttpHeaderNames.REFERER), r.headers().get(HttpHeaderNames.USER_AGENT),
                HttpUtil.getContentLength(r, 0L), System.nanoTime(), AccessRecord.newRequestId());
        over.status = 413;
        log(over);
    }

    /** The listener is going away: close now when idle, else after the current response. */
    void closeIfIdle() {
        if (!busy && waiting.isEmpty()) {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        if (exchange != null) {
            exchange.clientGone();
            exchange = null;
            rec.status = 499; // nginx's "client closed request"
            rec.bodyBytes = 0;
            log(rec);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            closeIfIdle();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "client connection failed: " + ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private void log(AccessRecord r) {
        proxy.counters.request(r.status, r.requestLength, r.bodyBytes);
        proxy.log().line(r.format(ZonedDateTime.now(proxy.clock()), System.nanoTime()));
    }

    /** The request as the route table sees it. */
    static Request routeRequest(int port, boolean tls, FullHttpRequest r) {
        String uri = r.uri();
        String host = hostOf(r.headers().get(HttpHeaderNames.HOST));
        if (isAbsolute(uri)) {
            try {
                URI u = URI.create(uri); // the request line's host wins over Host (RFC 9112 section 3.2.2)
                if (u.getHost() != null) {
                    host = hostOf(u.getHost());
                }
            } catch (IllegalArgumentException e) {
                // not a URI Java can read: keep the Host header's
            }
        }
        String path = originForm(uri);
        String query = null;
        int q = path.indexOf('?');
        if (q >= 0) {
            query = path.substring(q + 1);
            path = path.substring(0, q);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : r.headers()) {
            headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue());
        }
        headers.replaceAll((k, v) -> List.copyOf(v));
        return new Request(port, tls, host, r.method().name(), path, headers, query);
    }

    /** Host without its port, lower case, without a trailing dot ("Foo.Example.:8080" is "foo.example"). */
    static String hostOf(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(0, end + 1);
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /** "/path?query" of an absolute-form target ("http://host/path?query"); others as they are. */
    static String originForm(String uri) {
        if (!isAbsolute(uri)) {
            return uri;
        }
        int i = uri.indexOf("//") + 2;
        while (i < uri.length() && uri.charAt(i) != '/' && uri.charAt(i) != '?') {
            i++;
        }
        String rest = uri.substring(i);
        return rest.startsWith("/") ? rest : "/" + rest;
    }

    private static boolean isAbsolute(String uri) {
        String u = uri.toLowerCase(Locale.ROOT);
        return u.startsWith("http://") || u.startsWith("https://");
    }

    /** $request_length: the request line, the headers and the body, as they came. */
    private static long length(FullHttpRequest r) {
        long n = r.method().name().length() + 1 + r.uri().length() + 1 + r.protocolVersion().text().length() + 2;
        for (Map.Entry<String, String> h : r.headers()) {
            n += h.getKey().length() + 2 + h.getValue().length() + 2;
        }
        return n + 2 + r.content().readableBytes();
    }
}
