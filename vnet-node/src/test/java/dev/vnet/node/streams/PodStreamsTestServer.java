package dev.vnet.node.streams;

import dev.vnet.apiserver.rest.PodStreams;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The least of a Kubernetes API server that kubectl needs for logs, exec, attach and port-forward: legacy
 * discovery of the core group, a pod GET (from {@code podJson}), and the pod subresources routed to a
 * {@link PodStreams}, as the real REST server routes them. Plain HTTP on 127.0.0.1 only.
 */
final class PodStreamsTestServer implements AutoCloseable {
    private static final Pattern SUBRESOURCE = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/([a-z]+)");
    private static final Pattern POD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    final int port;

    /** {@code podJson} answers a pod GET (namespace, name), or null for 404. */
    PodStreamsTestServer(PodStreams streams, BiFunction<String, String, String> podJson) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new Router(streams, podJson));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** A kubeconfig for this server, written in {@code dir}. */
    Path kubeconfig(Path dir) throws java.io.IOException {
        Path f = dir.resolve("kubeconfig");
        Files.writeString(f, """
                apiVersion: v1
                kind: Config
                clusters: [{name: test, cluster: {server: "http://127.0.0.1:%d"}}]
                users: [{name: test, user: {}}]
                contexts: [{name: test, context: {cluster: test, user: test, namespace: default}}]
                current-context: test
                """.formatted(port));
        return f;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PodStreams streams;
        private final BiFunction<String, String, String> podJson;

        Router(PodStreams streams, BiFunction<String, String, String> podJson) {
            this.streams = streams;
            this.podJson = podJson;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            String path = q.path();
            Matcher sub = SUBRESOURCE.matcher(path);
            if (sub.matches() && streams.subresources().contains(sub.group(3))) {
                streams.handle(ctx, req, q, sub.group(1), sub.group(2), sub.group(3));
                return;
            }
            Matcher pod = POD.matcher(path);
            String body = null;
            if (path.equals("/api")) {
                body = "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                        + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}";
            } else if (path.equals("/apis")) {
                body = "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}";
            } else if (path.equals("/api/v1")) {
                StringBuilder sb = new StringBuilder("{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\","
                        + "\"resources\":[{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,"
                        + "\"kind\":\"Pod\",\"verbs\":[\"get\",\"list\"],\"shortNames\":[\"po\"]}");
                for (String s : List.of("log", "exec", "attach", "portforward")) {
                    sb.append(",{\"name\":\"pods/").append(s).append("\",\"singularName\":\"\",\"namespaced\":true,"
                            + "\"kind\":\"Pod\",\"verbs\":[\"get\",\"create\"]}");
                }
                body = sb.append("]}").toString();
            } else if (pod.matches()) {
                body = podJson.apply(pod.group(1), pod.group(2));
            }
            FullHttpResponse res = body == null
                    ? response(HttpResponseStatus.NOT_FOUND, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
                    + "\"Failure\",\"reason\":\"NotFound\",\"code\":404,\"message\":\"not found: " + path + "\"}")
                    : response(HttpResponseStatus.OK, body);
            boolean keep = HttpUtil.isKeepAlive(req);
            ctx.writeAndFlush(res).addListener(keep ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE);
        }

        private static FullHttpResponse response(HttpResponseStatus status, String json) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
            return res;
        }
    }
}
