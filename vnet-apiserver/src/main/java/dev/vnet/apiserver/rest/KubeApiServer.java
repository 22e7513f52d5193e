package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.core.linux.NetNs;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
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
import java.util.concurrent.CopyOnWriteArrayList;
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
 * must carry the lab's bearer token (a wrong one gets a 401 Status), except the anonymous GETs of /version and the
 * health checks, which a real cluster allows too; without a token anything else is a 403. Pods get no
 * ServiceAccount token mounted: in a pod, {@code curl -k https://kubernetes.default.svc/version} answers, and the
 * resources need the lab's token.
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
    /** What anyone may read without a token (kube-apiserver's system:public-info-viewer role). */
    private static final java.util.Set<String> PUBLIC_INFO = java.util.Set.of("/version", "/healthz",
            "/livez", "/readyz");

    private final KubeApi api;
    private final KubeCredentials credentials;
    private final EventLoopGroup boss;
    private final EventLoopGroup loops;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final SslContext tls;
    private final Channel listener;
    /** Listeners inside network namespaces (the in-cluster address), closed with the server. */
    private final List<Channel> inCluster = new CopyOnWriteArrayList<>();
    private volatile PodStreams podStreams;
    private volatile Operations operations;
    private volatile PodStreamProxy podProxy;

    private KubeApiServer(KubeApi api, KubeCredentials credentials, int port, InetSocketAddress address)
            throws IOException {
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
        this.tls = tls;
        Channel bound;
        try {
            bound = address != null ? bindExactly(bootstrap().channel(NioServerSocketChannel.class), address)
                    : bind(bootstrap().channel(NioServerSocketChannel.class), port);
        } catch (IOException e) {
            shutdownThreads();
            throw e;
        }
        this.listener = bound;
    }

    /** A listener's bootstrap but for its channel: TLS, HTTP/1.1 and the {@link Handler} on each connection. */
    private ServerBootstrap bootstrap() {
        return new ServerBootstrap().group(boss, loops)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpServerKeepAliveHandler(), new HttpObjectAggregator(MAX_BODY), new Handler());
                    }
                });
    }

    private static Channel bindExactly(ServerBootstrap b, InetSocketAddress address) throws IOException {
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("cannot listen on " + address.getAddress().getHostAddress() + ":" + address.getPort()
                    + ": " + f.cause().getMessage() + " (is another API server running there?)", f.cause());
        }
        return f.channel();
    }

    /** Binds 127.0.0.1:{@code port}, or any free port when that one is taken (or {@code port} is 0). */
    private static Channel bind(ServerBootstrap b, int port) throws IOException {
        if (port != 0) {
            ChannelFuture f = b.bind(new InetSocketAddress("127.0.0.1", port)).awaitUninterruptibly();
            if (f.isSuccess()) {
                return f.channel();
            }
            LOG.info("kube API: port " + port + " is taken, using a free one");
        }
        ChannelFuture f = b.bind(new InetSocketAddress("127.0.0.1", 0)).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("cannot listen on 127.0.0.1: " + f.cause().getMessage(), f.cause());
        }
        return f.channel();
    }

    /**
     * Serves {@code backend}'s store with {@code kinds} on 127.0.0.1:{@code port} (another port if taken), with
     * {@code credentials}; records the URL in the credentials' directory.
     */
    public static KubeApiServer start(ApiBackend backend, Kinds kinds, KubeCredentials credentials, int port)
            throws IOException {
        KubeApiServer s = new KubeApiServer(new KubeApi(backend, kinds), credentials, port, null);
        credentials.publish(s.url());
        LOG.info("kube API serving: url=" + s.url() + " credentials=" + credentials.dir());
        return s;
    }

    /**
     * Serves on {@code address} exactly (a node process's underlay address, port 6443), failing if it is taken:
     * clients find a node's API by its address, so it cannot move to another port.
     */
    public static KubeApiServer listenOn(ApiBackend backend, Kinds kinds, KubeCredentials credentials,
                                         InetSocketAddress address) throws IOException {
        KubeApiServer s = new KubeApiServer(new KubeApi(backend, kinds), credentials, 0, address);
        LOG.info("kube API serving: url=" + s.url());
        return s;
    }

    /**
     * Also listens on {@code address} inside network namespace {@code netns}, with the same certificate and
     * handlers: the address pods reach the API at, through the {@code default/kubernetes} Service (a node's
     * underlay address, as kube-apiserver listens on its host's). The socket is made inside the namespace and
     * then served by the same event loops as the one on 127.0.0.1.
     */
    public InetSocketAddress listenIn(String netns, InetSocketAddress address) throws IOException {
        java.nio.channels.ServerSocketChannel socket = NetNs.call(netns, java.nio.channels.ServerSocketChannel::open);
        ChannelFactory<ServerChannel> inNamespace = () -> new NioServerSocketChannel(socket);
        ChannelFuture f = bootstrap().channelFactory(inNamespace).bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            socket.close();
            throw new IOException("cannot listen on " + address.getAddress().getHostAddress() + ":" + address.getPort()
                    + " in namespace " + netns + ": " + f.cause().getMessage(), f.cause());
        }
        Channel ch = f.channel();
        inCluster.add(ch);
        LOG.info("kube API serving in namespace " + netns + " at " + ch.localAddress());
        return (InetSocketAddress) ch.localAddress();
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** https://ADDRESS:PORT of the main listener (127.0.0.1 for a local lab). */
    public String url() {
        return "https://" + ((InetSocketAddress) listener.localAddress()).getAddress().getHostAddress() + ":" + port();
    }

    /**
     * Serves vnet's own operations ({@code handlers}, and {@code streaming}'s captures and port-forwards) as API
     * group vnet.dev/v1 on this server, with its token: the CLI's one way into a lab or a node.
     */
    public void operations(dev.vnet.apiserver.server.Handlers handlers, dev.vnet.apiserver.server.Streaming streaming) {
        this.operations = new Operations(handlers, streaming);
        api.operations(handlers.ops());
    }

    public KubeCredentials credentials() {
        return credentials;
    }

    /**
     * In a cluster of node processes: the streams of a pod that another node runs go to that node's API
     * ({@code nodeOfPod} says where, or null for this one), as kube-apiserver hands them to the pod's kubelet.
     */
    public void proxyPodStreams(java.util.function.Function<String, InetSocketAddress> nodeOfPod, String caPem) {
        this.podProxy = new PodStreamProxy(nodeOfPod, caPem);
    }

    /** Who serves log, exec, attach and portforward from now on (null: 501 again). */
    public void podStreams(PodStreams streams) {
        this.podStreams = streams;
    }

    @Override
    public void close() {
        credentials.unpublish();
        listener.close().syncUninterruptibly();
        inCluster.forEach(ch -> ch.close().syncUninterruptibly());
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
            KubeStatus refused = authenticate(req);
            if (refused != null) {
                send(ctx, KubeResponse.error(refused), keepAlive);
                return;
            }
            Operations ops = operations;
            String path = new QueryStringDecoder(req.uri()).path();
            if (ops != null && path.startsWith(Operations.PREFIX) && (ops.serves(path) || api.target(path) == null)) {
                ops.serve(ctx, req, path, workers, loops, (c, answer) -> send(c, answer, keepAlive));
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

        /**
         * Null when {@code req} may go on: it carries the lab's token, or it has no credentials at all and only
         * reads the public information (as system:anonymous may on a real cluster). A wrong token is a 401, no
         * token for anything else a 403, as kube-apiserver answers.
         */
        private KubeStatus authenticate(FullHttpRequest req) {
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth == null) {
                String path = new QueryStringDecoder(req.uri()).path();
                if (req.method().name().equals("GET") && PUBLIC_INFO.contains(path)) {
                    return null;
                }
                return new KubeStatus(403, "Forbidden", "forbidden: User \"system:anonymous\" cannot "
                        + req.method().name().toLowerCase(java.util.Locale.ROOT) + " path \"" + path + "\": send the "
                        + "lab's token (`vnet kubeconfig` writes a kubeconfig with it)");
            }
            if (!auth.regionMatches(true, 0, "Bearer ", 0, 7) || !credentials.accepts(auth.substring(7).strip())) {
                return new KubeStatus(401, "Unauthorized", "Unauthorized: send the lab's token (`vnet kubeconfig` "
                        + "writes a kubeconfig with it)");
            }
            return null;
        }

        private void streamed(ChannelHandlerContext ctx, FullHttpRequest req, KubeRequest r, Target t) {
            PodStreamProxy proxy = podProxy;
            InetSocketAddress elsewhere = proxy == null ? null : proxy.target(t.namespace(), t.name());
            if (elsewhere != null) {
                req.content().resetReaderIndex();
                proxy.forward(ctx, req, elsewhere, this);
                return;
            }
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
