package dev.vnet.apiserver.rest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * A pod's streams (log, exec, attach, portforward) served by the node that runs it, as kube-apiserver hands them
 * to that node's kubelet: when a cluster's API server gets such a request for a pod of another node, it opens a
 * TLS connection to that node's API, sends the request on unchanged (the cluster token is every node's), and from
 * then on joins the two connections byte for byte, whatever they carry (a chunked log, a WebSocket upgrade and
 * its frames). The client's connection ends with the stream.
 */
final class PodStreamProxy {
    private static final Logger LOG = Logger.getLogger(PodStreamProxy.class.getName());

    /** Where the pod {@code namespace/name} runs, when that is another node's API; null to serve it here. */
    private final Function<String, InetSocketAddress> nodeOfPod;
    private final SslContext tls;

    PodStreamProxy(Function<String, InetSocketAddress> nodeOfPod, String caPem) {
        this.nodeOfPod = nodeOfPod;
        try {
            List<X509Certificate> cas = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                cas.add((X509Certificate) c);
            }
            this.tls = SslContextBuilder.forClient().trustManager(cas.toArray(X509Certificate[]::new)).build();
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot use the cluster's CA: " + e.getMessage(), e);
        }
    }

    /** The node API to hand the request to, or null when this server runs the pod (or nobody does). */
    InetSocketAddress target(String namespace, String name) {
        return nodeOfPod.apply(namespace + "/" + name);
    }

    /**
     * Hands {@code req} to {@code node}: the client's connection is now only TLS and a relay to the node's
     * connection, opened on the same event loop. {@code self} is the HTTP handler to take out of the way.
     */
    void forward(ChannelHandlerContext ctx, FullHttpRequest req, InetSocketAddress node, ChannelHandler self) {
        Channel client = ctx.channel();
        client.config().setAutoRead(false); // nothing more is read until the node's side is there
        FullHttpRequest copy = req.retainedDuplicate();
        new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 3000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc(), node.getAddress().getHostAddress(), node.getPort());
                        javax.net.ssl.SSLParameters params = ssl.engine().getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS"); // the node's certificate names its address
                        ssl.engine().setSSLParameters(params);
                        ch.pipeline().addLast(ssl, new HttpRequestEncoder(), new Relay(client));
                    }
                })
                .connect(node).addListener(f -> {
                    if (!f.isSuccess()) {
                        copy.release();
                        LOG.warning("cannot reach the API of " + node + " for a pod stream: " + f.cause().getMessage());
                        client.close();
                        return;
                    }
                    Channel upstream = ((io.netty.channel.ChannelFuture) f).channel();
                    upstream.writeAndFlush(copy).addListener(w -> {
                        if (!w.isSuccess()) {
                            client.close();
                            upstream.close();
                            return;
                        }
                        upstream.pipeline().remove(HttpRequestEncoder.class); // raw bytes from now on
                        // Only TLS stays in front of the relay on the client's side.
                        var p = client.pipeline();
                        for (String n : new ArrayList<>(p.names())) {
                            ChannelHandler h = p.get(n);
                            if (h != null && !(h instanceof SslHandler)) {
                                p.remove(h);
                            }
                        }
                        p.addLast(new Relay(upstream));
                        client.config().setAutoRead(true);
                        client.closeFuture().addListener(c -> upstream.close());
                        upstream.closeFuture().addListener(c -> client.close());
                    });
                });
    }

    /** Bytes in on one channel, out on the other. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Relay(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                other.writeAndFlush(b).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            other.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
            other.close();
        }
    }
}
