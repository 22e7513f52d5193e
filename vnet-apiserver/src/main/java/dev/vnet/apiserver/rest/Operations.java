package dev.vnet.apiserver.rest;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.Streaming;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;
import java.util.logging.Logger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * vnet's own operations as the API group {@code vnet.dev/v1}, served by the same API server as the Kubernetes
 * kinds, with the same token: trace, capture, conntrack, flows, stats, policy check, logs, the lab's status. Each
 * operation is a resource that is only created, as TokenReview or SubjectAccessReview are: {@code POST
 * /apis/vnet.dev/v1/OPERATION} with the request as JSON answers with the result as JSON, or with a Status naming
 * what went wrong ({@code kubectl create --raw /apis/vnet.dev/v1/conntrack -f request.json}).
 *
 * <p>Two operations answer with more than one object: a capture streams pcap in a chunked response until the
 * client hangs up, and a port-forward is a WebSocket ({@code GET ...?request=JSON} with an upgrade) whose binary
 * messages carry the connection's bytes both ways; the client's Close frame ends its sending side only, as a
 * half-closed TCP connection does, and the server's Close follows once the pod's side has ended too.
 */
final class Operations {
    private static final Logger LOG = Logger.getLogger(Operations.class.getName());
    static final String GROUP_VERSION = "vnet.dev/v1";
    static final String PREFIX = "/apis/" + GROUP_VERSION + "/";
    private static final int MAX_FRAME = 1 << 20;
    /** Bytes a stream may have written and not yet sent before its writer waits: a capture never outruns TCP. */
    private static final long STREAM_HIGH_WATER = 1 << 20;

    private final Handlers handlers;
    private final Streaming streaming;

    Operations(Handlers handlers, Streaming streaming) {
        this.handlers = handlers;
        this.streaming = streaming;
    }

    /**
     * Whether {@code path} names one of these operations; other paths of the group (the SubnetLease kind, which is
     * vnet.dev/v1 too) are resources.
     */
    boolean serves(String path) {
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        String op = path.substring(PREFIX.length());
        return handlers.ops().contains(op) || (streaming != null && (streaming.handles(op) || streaming.pipes(op)));
    }

    /** Every operation served, by its name in the URL. */
    Set<String> names() {
        return handlers.ops();
    }

    /**
     * Answers {@code req} for the operation named by the rest of its path; returns at once, the work going on
     * {@code workers} (a handler may wait: a delete waits for its pods to stop). {@code send} writes one whole
     * answer.
     */
    void serve(ChannelHandlerContext ctx, FullHttpRequest req, String path, ExecutorService workers,
               EventLoopGroup loops, BiConsumer<ChannelHandlerContext, KubeResponse> send) {
        String op = path.substring(PREFIX.length());
        boolean pipe = streaming != null && streaming.pipes(op);
        boolean stream = streaming != null && streaming.handles(op);
        if (!pipe && !stream && !handlers.ops().contains(op)) {
            send.accept(ctx, KubeResponse.error(new KubeStatus(404, "NotFound", GROUP_VERSION + " has no operation \""
                    + op + "\": the operations are " + String.join(", ", handlers.ops()))));
            return;
        }
        ObjectNode request;
        try {
            request = pipe ? pipeRequest(req) : body(req);
        } catch (KubeStatus s) {
            send.accept(ctx, KubeResponse.error(s));
            return;
        }
        request.put("op", op);
        if (pipe) {
            upgrade(ctx, req, request, workers, loops, send);
        } else if (stream) {
            workers.execute(() -> stream(ctx, request, send));
        } else {
            workers.execute(() -> send.accept(ctx, answer(handlers.apply(request))));
        }
    }

    private static ObjectNode body(FullHttpRequest req) throws KubeStatus {
        if (!req.method().name().equals("POST")) {
            throw KubeStatus.methodNotAllowed("the operations of " + GROUP_VERSION + " are created: POST the request "
                    + "as JSON (kubectl create --raw PATH -f FILE)");
        }
        String text = req.content().toString(java.nio.charset.StandardCharsets.UTF_8);
        return parse(text.isBlank() ? "{}" : text);
    }

    /** A WebSocket's request travels in the URL: a browser-style upgrade has no body. */
    private static ObjectNode pipeRequest(FullHttpRequest req) throws KubeStatus {
        if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            throw KubeStatus.badRequest("a port-forward is a WebSocket: GET with an upgrade and ?request=JSON");
        }
        var q = new QueryStringDecoder(req.uri()).parameters().get("request");
        return parse(q == null || q.isEmpty() ? "{}" : q.get(0));
    }

    private static ObjectNode parse(String text) throws KubeStatus {
        try {
            if (Json.MAPPER.readTree(text) instanceof ObjectNode o) {
                return o;
            }
        } catch (tools.jackson.core.JacksonException e) {
            throw KubeStatus.badRequest("the request is not JSON: " + e.getOriginalMessage());
        }
        throw KubeStatus.badRequest("the request must be a JSON object");
    }

    /** A handler's answer as HTTP: the object itself, or its one-line error as a Status. */
    static KubeResponse answer(ObjectNode reply) {
        if (reply.path("ok").asBoolean(false)) {
            return KubeResponse.ok(reply);
        }
        return KubeResponse.error(failure(reply.path("error").asString("the request failed")));
    }

    private static KubeStatus failure(String message) {
        return message.contains(" not found") ? new KubeStatus(404, "NotFound", message)
                : KubeStatus.badRequest(message);
    }

    // ---- a stream (capture) ----

    private void stream(ChannelHandlerContext ctx, ObjectNode request, BiConsumer<ChannelHandlerContext,
            KubeResponse> send) {
        CountDownLatch gone = new CountDownLatch(1);
        Channel ch = ctx.channel();
        ch.closeFuture().addListener(f -> gone.countDown());
        ChunkedOut out = new ChunkedOut(ctx);
        try {
            streaming.stream(request, out, gone);
            out.finish();
        } catch (ApiException e) {
            if (out.started) {
                ch.close(); // the stream began: all the client can learn is that it ended
            } else {
                send.accept(ctx, KubeResponse.error(failure(e.getMessage())));
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine("stream ended: " + e.getMessage());
            ch.close();
        }
    }

    /** The stream's bytes as HTTP chunks; the head goes out with the first byte. */
    private static final class ChunkedOut extends OutputStream {
        private final ChannelHandlerContext ctx;
        boolean started;

        ChunkedOut(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!ctx.channel().isActive()) {
                throw new IOException("the client went away");
            }
            start();
            var f = ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(b, off, len)));
            if (ctx.channel().unsafe().outboundBuffer() != null
                    && ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes() > STREAM_HIGH_WATER) {
                f.awaitUninterruptibly(); // a slow reader slows the capture down, it does not fill the heap
            }
        }

        private void start() {
            if (!started) {
                started = true;
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.write(head);
            }
        }

        void finish() {
            if (ctx.channel().isActive()) {
                start();
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    // ---- a pipe (port-forward) ----

    /**
     * Answers the WebSocket handshake, then waits for the client's first message (a text, the request again: the
     * client speaks first, so nothing of the server's can arrive in the same read as the 101 response, which some
     * clients lose), connects the far end on a worker and says how that went in a text message ({"ok":true}, or
     * the one-line error and a Close). The client sends no bytes before that answer.
     */
    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, ObjectNode request, ExecutorService workers,
                         EventLoopGroup loops, BiConsumer<ChannelHandlerContext, KubeResponse> send) {
        String url = "wss://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
        WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, false, MAX_FRAME)
                .newHandshaker(req);
        if (hs == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        Channel client = ctx.channel();
        ClientSide clientSide = new ClientSide();
        clientSide.onHello = () -> workers.execute(() -> connect(client, clientSide, request, loops));
        ctx.pipeline().addBefore(ctx.name(), "vnet-pipe", clientSide);
        hs.handshake(client, req).addListener(f -> {
            if (!f.isSuccess()) {
                client.close();
            }
        });
    }

    private void connect(Channel client, ClientSide clientSide, ObjectNode request, EventLoopGroup loops) {
        SocketChannel far;
        try {
            far = streaming.openPipe(request);
        } catch (ApiException | IOException e) {
            String msg = e instanceof ApiException ? e.getMessage() : "cannot connect: " + e.getMessage();
            client.writeAndFlush(new TextWebSocketFrame(Handlers.error(msg).toString()));
            client.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        NioSocketChannel pod = new NioSocketChannel(far);
        pod.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        pod.config().setAutoRead(false); // nothing of the pod's may reach the client before {"ok":true}
        pod.pipeline().addLast(new PodSide(client, clientSide.ends));
        clientSide.pod = pod;
        client.closeFuture().addListener(f -> pod.close());
        loops.next().register(pod).addListener(r -> {
            if (r.isSuccess()) {
                client.writeAndFlush(new TextWebSocketFrame(Handlers.ok().toString()))
                        .addListener(w -> pod.config().setAutoRead(true));
            } else {
                closeQuietly(far);
                client.close();
            }
        });
    }

    /**
     * The client's messages, written to the pod's socket; its Close shuts that socket's sending side once what
     * came before it is written. Each direction ends on its own: the connection closes once both have.
     */
    private static final class ClientSide extends ChannelInboundHandlerAdapter {
        /** Set once connected; the client sends nothing before it has read {"ok":true}. */
        volatile NioSocketChannel pod;
        /** Connects the far end: run once, on the client's first text message. */
        Runnable onHello;
        private boolean greeted;
        /** How many of the two directions have ended; whoever ends the second closes the connection. */
        final java.util.concurrent.atomic.AtomicInteger ends = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            NioSocketChannel pod = this.pod;
            if (msg instanceof TextWebSocketFrame text) {
                text.release();
                if (!greeted) {
                    greeted = true;
                    onHello.run();
                }
                return;
            }
            if ((msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) && pod == null) {
                ((WebSocketFrame) msg).release();
                ctx.close(); // bytes before the answer: not a vnet client
            } else if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ByteBuf data = ((WebSocketFrame) msg).content();
                pod.writeAndFlush(data).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                close.release();
                if (pod != null && pod.isActive()) {
                    // The client has sent everything: the answer may still come. Shut only after what is queued.
                    pod.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                        pod.shutdownOutput();
                        if (ends.incrementAndGet() == 2) {
                            ctx.close(); // the pod had ended first: its Close is out, both are done
                        }
                    });
                } else {
                    ctx.close();
                }
            } else if (msg instanceof WebSocketFrame other) {
                other.release();
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * The pod's bytes, sent to the client as binary messages; the end of them is the server's Close, after which
     * what the client still sends goes on to the pod (a half-closed connection, as the pod left it).
     */
    private static final class PodSide extends ChannelInboundHandlerAdapter {
        private final Channel client;
        private final java.util.concurrent.atomic.AtomicInteger ends;
        private boolean closeSent;

        PodSide(Channel client, java.util.concurrent.atomic.AtomicInteger ends) {
            this.client = client;
            this.ends = ends;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            client.writeAndFlush(new BinaryWebSocketFrame((ByteBuf) msg))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !closeSent) {
                closeSent = true;
                var sent = client.writeAndFlush(new CloseWebSocketFrame(1000, ""));
                if (ends.incrementAndGet() == 2) {
                    sent.addListener(ChannelFutureListener.CLOSE); // the client had ended first: both are done
                    ctx.close();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            endClient(ctx);
        }

        private void endClient(ChannelHandlerContext ctx) {
            if (client.isActive() && !closeSent) {
                closeSent = true;
                client.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            } else {
                client.close();
            }
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
            client.close();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
