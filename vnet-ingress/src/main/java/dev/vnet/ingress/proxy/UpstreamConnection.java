package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.Action.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * One keep-alive HTTP/1.1 connection to an endpoint, carrying one exchange at a time (no pipelining toward
 * upstreams, as nginx). Its fields belong to the connection's event loop, except the read marks the exchange's
 * timeout reads. Pipeline: all-idle timer (closes it when it has sat in the pool too long), client codec, the read
 * mark, the aggregator, this.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    final Channel channel;
    final Endpoint endpoint;
    private final UpstreamPool pool;
    /** Whether this connection served an earlier request (so a close before any answer may be a stale one). */
    volatile boolean reused;
    /** When the upstream last sent bytes (or when the request went out): the read timeout counts from here. */
    volatile long lastReadNanos;
    /** Whether any byte of the current response came in. */
    volatile boolean sawResponse;
    private Exchange current;

    UpstreamConnection(Channel channel, Endpoint endpoint, UpstreamPool pool) {
        this.channel = channel;
        this.endpoint = endpoint;
        this.pool = pool;
    }

    /** The handler to put before the aggregator: it sees each piece of the response as it arrives. */
    ChannelHandler readMark() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                lastReadNanos = System.nanoTime();
                sawResponse = true;
                ctx.fireChannelRead(msg);
            }
        };
    }

    /** Sends {@code request} (taken: released once written) for {@code ex}; the answer goes to {@code ex}. */
    void send(Exchange ex, FullHttpRequest request) {
        lastReadNanos = System.nanoTime();
        sawResponse = false;
        channel.eventLoop().execute(() -> {
            current = ex;
            channel.writeAndFlush(request).addListener(f -> {
                if (!f.isSuccess()) {
                    failed(f.cause());
                    channel.close();
                }
            });
        });
    }

    /** Drops the current exchange (timed out, or its client left) and the connection with it. */
    void abandon() {
        channel.eventLoop().execute(() -> {
            current = null;
            channel.close();
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpResponse r && r.status().code() / 100 == 1 && r.status().code() != 101) {
            r.release(); // 100 Continue, 103 Early Hints: the final response follows
            return;
        }
        Exchange ex = current;
        current = null;
        if (ex == null || !(msg instanceof FullHttpResponse response)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        ex.upstreamResponded(this, response);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.forget(this);
        failed(new IOException("upstream " + endpoint + " closed the connection"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed(cause);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && current == null) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void failed(Throwable cause) {
        Exchange ex = current;
        current = null;
        if (ex != null) {
            ex.upstreamFailed(this, cause, sawResponse);
        }
    }
}
