package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.Action.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/**
 * Idle keep-alive connections per endpoint (ip:port), as nginx's upstream keepalive: a request takes the most
 * recently used idle one (least likely to have been closed by the server meanwhile) and opens a new connection only
 * when none is idle; after a complete response that allows keep-alive the connection goes back. At most
 * {@code maxIdlePerEndpoint} idle ones are kept per endpoint, each at most {@code upstreamIdleTimeout}. New
 * connections are opened on the event loop of the client connection that needs one, so that its exchange mostly
 * stays on one thread. Thread-safe.
 */
final class UpstreamPool {
    private final IngressProxy.Options options;
    private final Counters counters;
    private final Map<Endpoint, Deque<UpstreamConnection>> idle = new ConcurrentHashMap<>();
    private final ChannelGroup all = new DefaultChannelGroup("upstreams", GlobalEventExecutor.INSTANCE);

    UpstreamPool(IngressProxy.Options options, Counters counters) {
        this.options = options;
        this.counters = counters;
    }

    /** An idle connection to {@code e}, or (none, or {@code fresh}) a new one opened on {@code loop}. */
    Future<UpstreamConnection> acquire(Endpoint e, EventLoop loop, boolean fresh) {
        if (!fresh) {
            Deque<UpstreamConnection> q = idle.get(e);
            for (UpstreamConnection c = q == null ? null : q.pollFirst(); c != null; c = q.pollFirst()) {
                if (c.channel.isActive()) {
                    c.reused = true;
                    counters.upstreamConnectsReused.increment();
                    return loop.newSucceededFuture(c);
                }
            }
        }
        Promise<UpstreamConnection> p = loop.newPromise();
        Bootstrap b = new Bootstrap().group(loop).channel(Transport.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        UpstreamConnection c = new UpstreamConnection(ch, e, UpstreamPool.this);
                        ch.pipeline().addLast(
                                new IdleStateHandler(0, 0, options.upstreamIdleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                new HttpClientCodec(), c.readMark(), new HttpObjectAggregator(options.maxBodyBytes()), c);
                    }
                });
        ChannelFuture cf = b.connect(new InetSocketAddress(e.ip(), e.port()));
        cf.addListener(f -> {
            if (f.isSuccess()) {
                counters.upstreamConnectsOpened.increment();
                all.add(cf.channel());
                p.setSuccess(cf.channel().pipeline().get(UpstreamConnection.class));
            } else {
                p.setFailure(f.cause());
            }
        });
        return p;
    }

    /** Gives {@code c} back after a complete exchange; closes it when it may not be kept or the pool is full. */
    void release(UpstreamConnection c, boolean keepAlive) {
        if (!keepAlive || !c.channel.isActive()) {
            c.channel.close();
            return;
        }
        boolean[] kept = {false};
        idle.compute(c.endpoint, (k, q) -> {
            Deque<UpstreamConnection> d = q == null ? new ConcurrentLinkedDeque<>() : q;
            if (d.size() < options.maxIdlePerEndpoint()) {
                d.offerFirst(c);
                kept[0] = true;
            }
            return d;
        });
        if (!kept[0]) {
            c.channel.close();
        }
    }

    /** Drops a closed connection from the idle list (its endpoint's list too once empty). */
    void forget(UpstreamConnection c) {
        idle.computeIfPresent(c.endpoint, (k, q) -> {
            q.remove(c);
            return q.isEmpty() ? null : q;
        });
    }

    /** Idle connections to {@code e} now. */
    int idle(Endpoint e) {
        Deque<UpstreamConnection> q = idle.get(e);
        return q == null ? 0 : q.size();
    }

    void close() {
        all.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        idle.clear();
    }
}
