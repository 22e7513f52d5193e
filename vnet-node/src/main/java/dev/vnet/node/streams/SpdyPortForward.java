package dev.vnet.node.streams;

import dev.vnet.core.linux.NetNs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Logger;

/**
 * kubectl's port-forward as kubelet serves it: a SPDY/3.1 session carried as a byte stream in the binary
 * messages of a WebSocket (subprotocol {@code SPDY/3.1+portforward.k8s.io}). For each local connection the
 * client opens two SPDY streams with the same {@code requestID} header: first {@code streamType: error}, then
 * {@code streamType: data} with the {@code port}. The data stream is joined to a TCP connection made to
 * 127.0.0.1:PORT inside the pod's network namespace (so a server bound to the pod's loopback is reached, and no
 * packet crosses the data plane); the error stream carries the one line that says why, if that fails.
 *
 * <pre>
 *   pipeline:  WebSocket codec ─ {@link Tunnel} (frames ⇄ bytes) ─ {@link Codec} (SPDY frames) ─ {@link Session}
 *   per pair:  data FIN from the client → shutdownOutput of the pod connection
 *              the pod connection's EOF → data FIN, then error FIN (kubectl waits for it to finish the connection)
 *              RST_STREAM from the client, or the session's end → the pod connection closed
 * </pre>
 *
 * <p>Flow control: the Go client (spdystream) neither sends nor honours SPDY WINDOW_UPDATEs, so none are sent and
 * windows are not enforced; a slow client slows the pod instead, since each frame waits until it has gone out.
 * Each stream reply carries one header, because an empty compressed header block is not one the Go framer reads.
 */
final class SpdyPortForward {
    private static final Logger LOG = Logger.getLogger(SpdyPortForward.class.getName());
    static final String PROTOCOL = "SPDY/3.1+portforward.k8s.io";
    private static final int CHUNK = 32 * 1024;
    /** Loopback connects are answered at once; this bounds a pod whose backlog is full. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final byte[] END = new byte[0];

    /** Opens a TCP connection to {@code port} on the loopback of namespace {@code netns}. */
    @FunctionalInterface
    interface Connector {
        SocketChannel connect(String netns, int port) throws IOException;
    }

    private final PodTarget pod;
    private final Connector connector;

    SpdyPortForward(PodTarget pod, Connector connector) {
        this.pod = pod;
        this.connector = connector;
    }

    /** The handlers of one session, in pipeline order. */
    List<ChannelHandler> handlers() {
        return List.of(new Tunnel(), new Codec(), new Session());
    }

    /** The socket is made in the pod's namespace (it keeps it); the connect may then run on any thread. */
    static SocketChannel connectInside(String netns, int port) throws IOException {
        SocketChannel ch = NetNs.call(netns, SocketChannel::open);
        try {
            ch.socket().connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MILLIS);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** WebSocket binary messages in, their bytes out to the SPDY decoder; bytes written become binary messages. */
    static final class Tunnel extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
                ctx.fireChannelRead(((WebSocketFrame) msg).content());
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                close.release();
                ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                        .addListener(ChannelFutureListener.CLOSE);
            } else if (msg instanceof WebSocketFrame other) {
                other.release(); // text and pong frames carry nothing for SPDY
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.write(msg instanceof ByteBuf b ? new BinaryWebSocketFrame(b) : msg, promise);
        }
    }

    /** SPDY/3.1 framing and header compression; other messages (the handshake's response) pass untouched. */
    static final class Codec extends SpdyFrameCodec {
        Codec() {
            super(SpdyVersion.SPDY_3_1);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof SpdyFrame) {
                super.write(ctx, msg, promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }

    /** One forwarded connection: its two streams and the pod's end. */
    private static final class Pair {
        final String requestId;
        volatile int errorStream = -1;
        volatile int dataStream = -1;
        volatile SocketChannel socket;
        final LinkedBlockingQueue<byte[]> toPod = new LinkedBlockingQueue<>();
        volatile boolean closed;

        Pair(String requestId) {
            this.requestId = requestId;
        }

        void close() {
            closed = true;
            toPod.offer(END);
            SocketChannel s = socket;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
        }
    }

    /** The SPDY session: stream pairs, pings, resets. */
    final class Session extends ChannelInboundHandlerAdapter {
        private final Map<String, Pair> byRequest = new ConcurrentHashMap<>();
        private final Map<Integer, Pair> byStream = new ConcurrentHashMap<>();
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof SpdySynStreamFrame syn) {
                    open(syn);
                } else if (msg instanceof SpdyDataFrame data) {
                    data(data);
                } else if (msg instanceof SpdyRstStreamFrame rst) {
                    Pair p = byStream.get(rst.streamId());
                    if (p != null) {
                        forget(p);
                    }
                } else if (msg instanceof SpdyPingFrame ping) {
                    ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
                } else if (!(msg instanceof SpdyFrame)) {
                    ctx.fireChannelRead(ReferenceCountUtil.retain(msg));
                }
                // SETTINGS, WINDOW_UPDATE, GOAWAY, HEADERS: nothing to do (the close that follows a GOAWAY ends all).
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void open(SpdySynStreamFrame syn) {
            int id = syn.streamId();
            String type = syn.headers().getAsString("streamtype");
            String requestId = syn.headers().getAsString("requestid");
            SpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
            reply.headers().set("streamtype", type == null ? "" : type);
            ctx.writeAndFlush(reply);
            Pair p = byRequest.computeIfAbsent(requestId == null ? "stream-" + id : requestId, Pair::new);
            byStream.put(id, p);
            if ("error".equals(type)) {
                p.errorStream = id;
            } else if ("data".equals(type)) {
                p.dataStream = id;
                String port = syn.headers().getAsString("port");
                Thread t = new Thread(() -> forward(p, port), "port-forward " + pod.name() + ":" + port);
                t.setDaemon(true);
                t.start();
            } else {
                fail(p, "unknown stream type " + type + ": port-forward streams are of type error or data");
            }
        }

        private void data(SpdyDataFrame data) {
            Pair p = byStream.get(data.streamId());
            if (p == null || data.streamId() != p.dataStream) {
                return; // the error stream's FIN, or a stream already gone
            }
            ByteBuf content = data.content();
            if (content.isReadable()) {
                byte[] b = new byte[content.readableBytes()];
                content.readBytes(b);
                p.toPod.offer(b);
            }
            if (data.isLast()) {
                p.toPod.offer(END);
            }
        }

        /** Connects to the pod's port and copies both ways; runs on the pair's own thread. */
        private void forward(Pair p, String portText) {
            int port;
            try {
                port = Integer.parseInt(portText == null ? "" : portText);
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                fail(p, "invalid port " + portText + ": a port is a number between 1 and 65535");
                return;
            }
            try {
                p.socket = connector.connect(pod.netns(), port);
            } catch (IOException e) {
                String why = e.getMessage() != null && e.getMessage().contains("refused") ? "connection refused"
                        : String.valueOf(e.getMessage());
                fail(p, "error forwarding port " + port + " to pod " + pod.name() + ": failed to connect to"
                        + " localhost:" + port + " inside namespace " + pod.netns() + ": " + why);
                return;
            }
            if (p.closed) {
                p.close();
                return;
            }
            Thread writer = new Thread(() -> toPod(p), "port-forward-in " + pod.name() + ":" + port);
            writer.setDaemon(true);
            writer.start();
            fromPod(p);
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            forget(p);
        }

        private void toPod(Pair p) {
            try {
                while (true) {
                    byte[] b = p.toPod.take();
                    if (b == END) {
                        if (!p.closed) {
                            p.socket.shutdownOutput();
                        }
                        return;
                    }
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        p.socket.write(buf);
                    }
                }
            } catch (IOException e) {
                p.close(); // the pod reset the connection: the other direction ends too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void fromPod(Pair p) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            Channel ch = ctx.channel();
            try {
                while (p.socket.read(buf) >= 0) {
                    buf.flip();
                    ByteBuf copy = Unpooled.copiedBuffer(buf);
                    buf.clear();
                    if (!ctx.writeAndFlush(new DefaultSpdyDataFrame(p.dataStream, copy)).awaitUninterruptibly()
                            .isSuccess()) {
                        p.close();
                        return;
                    }
                }
            } catch (IOException e) {
                // Reset by the pod, or closed by the client's reset: end the streams all the same.
            }
            if (ch.isActive()) {
                ctx.write(last(p.dataStream));
                if (p.errorStream >= 0) {
                    ctx.write(last(p.errorStream));
                }
                ctx.flush();
            }
        }

        /** Tells the client why the connection cannot be made, and ends both streams. */
        private void fail(Pair p, String message) {
            LOG.fine(() -> "port-forward " + pod.name() + ": " + message);
            if (p.errorStream >= 0) {
                ctx.write(new DefaultSpdyDataFrame(p.errorStream,
                        Unpooled.copiedBuffer(message, StandardCharsets.UTF_8)));
                ctx.write(last(p.errorStream));
            }
            if (p.dataStream >= 0) {
                ctx.write(last(p.dataStream));
            }
            ctx.flush();
            forget(p);
        }

        private SpdyDataFrame last(int stream) {
            SpdyDataFrame f = new DefaultSpdyDataFrame(stream);
            f.setLast(true);
            return f;
        }

        private void forget(Pair p) {
            p.close();
            byRequest.remove(p.requestId, p);
            byStream.values().removeIf(x -> x == p);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            byRequest.values().forEach(Pair::close);
            byRequest.clear();
            byStream.clear();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.fine(() -> "port-forward " + pod.name() + ": " + cause);
            ctx.close();
        }
    }
}
