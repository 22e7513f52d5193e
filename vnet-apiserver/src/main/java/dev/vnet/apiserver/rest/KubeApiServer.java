package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.server.ApiBackend;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.Logger;
import tools.jackson.databind.JsonNode;

/**
 * The lab's Kubernetes API over HTTPS on 127.0.0.1, so the real kubectl works against a local lab: discovery,
 * OpenAPI, the resource verbs with watch and server-side printing ({@link KubeApi}), and the pod subresources that
 * stream (log, exec, attach, portforward), handed to a {@link PodStreams} (501 until one is given). Every request
 * must carry the lab's bearer token; others get a 401 Status.
 *
 * <p>Threads: Netty's event loops do TLS and HTTP; each request is then served on a worker thread (the verbs read
 * and write the store, and a delete waits for its pod to stop), and a watch's events are written from the store's
 * watch thread. HTTP/1.1 only (no ALPN), which kubectl speaks as well as HTTP/2.
 */
public final class KubeApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubeApiServer.class.getName());
    /** kube-apiserver's port. */
    public static final int DEFAULT_PORT = 6443;
    private static final int MAX_BODY = 8 * 1024 * 1024;
    private static final List<String> STREAMED = List.of("log", "exec", "attach", "portforward");

    private final KubeApi api;
    private final KubeCredentials credentials;
    private final EventLoopGroup boss;
    private final EventLoopGroup loops;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final Channel listener;
    private volatile PodStreams podStreams;

    private KubeApiServer(KubeApi api, KubeCredentials credentials, int port) throws IOException {
        this.api = api;
        this.credentials = credentials;
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kube-api-accept", true),
                NioIoHandler.newFactory());
        this.loops = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("kube-api-io", true),
                NioIoHandler.newFactory());
        this.workers = Executors.newCachedThreadPool(new DefaultThreadFactory("kube-api-request", true));
        this.timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("kube-api-timer", true));
        SslContext tls;
        try {
            tls = SslContextBuilder.forServer(credentials.server().key(),
                    credentials.server().chain().toArray(new X509Certificate[0])).build();
        } catch (IOException | RuntimeException e) {
            shutdownThreads();
            throw new IOException("cannot use the API server's certificate: " + e.getMessage(), e);
        }
        ServerBootstrap b = new ServerBootstrap().group(boss, loops).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpServerKeepAliveHandler(), new HttpObjectAggregator(MAX_BODY), new Handler());
                    }
                });
        Channel bound;
        try {
            bound = bind(b, port);
        } catch (IOException e) {
            shutdownThreads();
            throw e;
        }
        this.listener = bound;
    }

    /** Binds 127.0.0.1:{@code port}, or any free port when that one is taken (or {@code port} is 0). */
    private static Channel bind(ServerBootstrap b, int port) throws IOException {
        if (port != 0) {
            try {
                return b.bind(new InetSocketAddress("127.0.0.1", port)).syncUninterruptibly().channel();
            } catch (Exception e) { // a BindException, thrown undeclared by Netty's sync
                LOG.info("kube API: port " + port + " is taken, using a free one");
            }
        }
        try {
            return b.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    /**
     * Serves {@code backend}'s store with {@code kinds} on 127.0.0.1:{@code port} (another port if taken), with
     * {@code credentials}; records the URL in the credentials' directory.
     */
    public static KubeApiServer start(ApiBackend backend, Kinds kinds, KubeCredentials credentials, int port)
            throws IOException {
        KubeApiServer s = new KubeApiServer(new KubeApi(backend, kinds), credentials, port);
        credentials.publish(s.url());
        LOG.info("kube API serving: url=" + s.url() + " credentials=" + credentials.dir());
        return s;
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** https://127.0.0.1:PORT */
    public String url() {
        return "https://127.0.0.1:" + port();
    }

    public KubeCredentials credentials() {
        return credentials;
    }

    /** Who serves log, exec, attach and portforward from now on (null: 501 again). */
    public void podStreams(PodStreams streams) {
        this.podStreams = streams;
    }

    @Override
    public void close() {
        credentials.unpublish();
        listener.close().syncUninterruptibly();
        shutdownThreads();
    }

    private void shutdownThreads() {
        timer.shutdownNow();
        workers.shutdownNow();
        boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                send(ctx, KubeResponse.error(KubeStatus.badRequest("malformed HTTP request")), keepAlive);
                return;
            }
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
            if (!auth.regionMatches(true, 0, "Bearer ", 0, 7) || !credentials.accepts(auth.substring(7).strip())) {
                send(ctx, KubeResponse.error(new KubeStatus(401, "Unauthorized", "Unauthorized: send the lab's "
                        + "token (`vnet kubeconfig` writes a kubeconfig with it)")), keepAlive);
                return;
            }
            byte[] body = new byte[req.content().readableBytes()];
            req.content().readBytes(body);
            KubeRequest r = KubeRequest.of(req.method().name(), req.uri(), req.headers().get(HttpHeaderNames.CONTENT_TYPE),
                    req.headers().get(HttpHeaderNames.ACCEPT), body);
            Target t = api.target(r.path());
            if (t != null && t.kind().equals(PodKind.KIND) && t.name() != null && t.subresource() != null
                    && STREAMED.contains(t.subresource())) {
                streamed(ctx, req, r, t);
                return;
            }
            workers.execute(() -> {
                try {
                    if (api.isWatch(r)) {
                        watch(ctx, r);
                    } else {
                        send(ctx, api.handle(r), keepAlive);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "kube API request failed: " + r.method() + " " + r.path(), e);
                    send(ctx, KubeResponse.error(new KubeStatus(500, "InternalError", "internal error: " + e)), false);
                }
            });
        }

        private void streamed(ChannelHandlerContext ctx, FullHttpRequest req, KubeRequest r, Target t) {
            PodStreams streams = podStreams;
            if (streams == null || !streams.subresources().contains(t.subresource())) {
                send(ctx, KubeResponse.error(new KubeStatus(501, "NotImplemented", "pods/" + t.subresource()
                        + " is not served by this lab's Kubernetes API yet: use `vnet " + (t.subresource()
                        .equals("portforward") ? "port-forward" : t.subresource().equals("log") ? "logs"
                        : "exec") + "`")), HttpUtil.isKeepAlive(req));
                return;
            }
            req.content().resetReaderIndex();
            streams.handle(ctx, req, new QueryStringDecoder(req.uri()), t.namespace(), t.name(), t.subresource());
        }

        private void watch(ChannelHandlerContext ctx, KubeRequest r) {
            ChunkedSink sink = new ChunkedSink(ctx);
            try {
                api.watch(r, timer, sink);
                sink.open(); // headers go out now, even if no event is due yet
            } catch (KubeStatus s) {
                send(ctx, KubeResponse.error(s), true);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "kube API watch failed: " + r.path(), e);
                send(ctx, KubeResponse.error(new KubeStatus(500, "InternalError", "internal error: " + e)), false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.FINE, "kube API connection failed", cause);
            if (cause instanceof RuntimeException) {
                LOG.log(Level.WARNING, "kube API request failed", cause);
            }
            ctx.close();
        }
    }

    private static void send(ChannelHandlerContext ctx, KubeResponse r, boolean keepAlive) {
        byte[] body = r.raw() != null ? r.raw() : Json.MAPPER.writeValueAsBytes(r.body());
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.code()),
                Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.raw() != null ? r.rawType() : "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        for (String w : r.warnings()) {
            res.headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A watch's response: chunked JSON, one event per line; written from whichever thread has an event. */
    private static final class ChunkedSink implements Watches.Sink {
        private final ChannelHandlerContext ctx;
        private boolean started;

        ChunkedSink(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        synchronized void open() {
            if (!started) {
                started = true;
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.writeAndFlush(head);
            }
        }

        @Override
        public synchronized boolean send(JsonNode event) {
            if (!ctx.channel().isActive()) {
                return false;
            }
            open();
            byte[] line = (Json.MAPPER.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(line)));
            return true;
        }

        @Override
        public synchronized void end() {
            if (ctx.channel().isActive()) {
                open();
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }

        @Override
        public void onClose(Runnable r) {
            ctx.channel().closeFuture().addListener(f -> r.run());
        }
    }
}
