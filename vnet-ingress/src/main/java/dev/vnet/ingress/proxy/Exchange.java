package dev.vnet.ingress.proxy;

import dev.vnet.ingress.proxy.Balancer.Choice;
import dev.vnet.ingress.route.Action.Backend;
import dev.vnet.ingress.route.Action.Forward;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One forwarded request: pick a backend and endpoint, take a connection from the pool, send, wait for the answer.
 * A failed connect (refused, or no answer within the connect timeout) is retried once elsewhere ({@link
 * Balancer#retry}), then answered 502, as nginx's proxy_next_upstream "error timeout" with two tries. A pooled
 * connection that closes before answering was probably closed by the upstream while idle: the request is sent again
 * on a new connection to the same endpoint, without counting as the retry. No answer within the read timeout (no
 * byte for that long) is a 504. Everything here runs on the client connection's event loop; upstream events hop
 * onto it.
 */
final class Exchange {
    private final ClientHandler client;
    private final EventLoop loop;
    private final Forward action;
    /** The request as it goes upstream; owned here, a retained duplicate per attempt. */
    private final FullHttpRequest request;
    private final AccessRecord rec;
    private final IngressProxy proxy;
    private Choice choice;
    private boolean retried;
    private boolean staleRetried;
    private boolean finished;
    private long attemptStart;
    private UpstreamConnection conn;
    private ScheduledFuture<?> timer;

    Exchange(ClientHandler client, EventLoop loop, Forward action, FullHttpRequest request, AccessRecord rec,
            IngressProxy proxy) {
        this.client = client;
        this.loop = loop;
        this.action = action;
        this.request = request;
        this.rec = rec;
        this.proxy = proxy;
    }

    void start() {
        Choice c = proxy.balancer.pick(action.backends());
        if (c == null) {
            fail(500, "every backend of the route has weight 0");
            return;
        }
        if (c.endpoint() == null) {
            rec.upstreamName = upstreamName(c.backend());
            fail(c.backend().failStatus(), c.backend().failStatus() == 503 ? "no ready endpoints for "
                    + c.backend().service() : "backend " + c.backend().service() + " cannot be resolved");
            return;
        }
        rec.upstreamName = upstreamName(c.backend());
        attempt(c, false);
    }

    private void attempt(Choice c, boolean fresh) {
        choice = c;
        attemptStart = System.nanoTime();
        proxy.pool.acquire(c.endpoint(), loop, fresh).addListener(f -> connected(c, f));
    }

    private void connected(Choice c, Future<?> f) {
        if (finished) {
            if (f.isSuccess()) {
                proxy.pool.release((UpstreamConnection) f.getNow(), true);
            }
            return;
        }
        if (!f.isSuccess()) {
            rec.attempt(c.endpoint().toString(), 502, 0, System.nanoTime() - attemptStart);
            Choice alt = retried ? null : proxy.balancer.retry(action.backends(), c);
            if (alt != null) {
                retried = true;
                proxy.counters.upstreamRetries.increment();
                if (!alt.backend().equals(c.backend())) {
                    rec.alternativeName = upstreamName(alt.backend());
                }
                attempt(alt, false);
            } else {
                fail(502, "cannot connect to " + c.endpoint() + " (" + f.cause().getMessage() + ")");
            }
            return;
        }
        conn = (UpstreamConnection) f.getNow();
        conn.send(this, request.retainedDuplicate());
        scheduleTimeout(proxy.options().upstreamReadTimeout().toNanos());
    }

    /** The upstream's complete response (taken). Any thread. */
    void upstreamResponded(UpstreamConnection from, FullHttpResponse response) {
        onLoop(() -> {
            if (finished || from != conn) {
                response.release();
                from.channel.close();
                return;
            }
            finish();
            rec.attempt(from.endpoint.toString(), response.status().code(), response.content().readableBytes(),
                    System.nanoTime() - attemptStart);
            proxy.pool.release(from, HttpUtil.isKeepAlive(response));
            client.forwarded(response);
        });
    }

    /** The connection failed or closed before the response was complete. Any thread. */
    void upstreamFailed(UpstreamConnection from, Throwable cause, boolean sawResponse) {
        onLoop(() -> {
            if (finished || from != conn) {
                return;
            }
            cancelTimer();
            conn = null;
            if (from.reused && !sawResponse && !staleRetried) {
                staleRetried = true;
                attempt(choice, true);
                return;
            }
            rec.attempt(from.endpoint.toString(), 502, 0, System.nanoTime() - attemptStart);
            fail(502, "upstream " + from.endpoint + " failed: " + cause.getMessage());
        });
    }

    /** The client closed its connection: stop waiting, drop the upstream connection (its answer has no reader). */
    void clientGone() {
        if (!finished) {
            finish();
            if (conn != null) {
                conn.abandon();
            }
        }
    }

    private void scheduleTimeout(long nanos) {
        UpstreamConnection watched = conn;
        timer = loop.schedule(() -> {
            if (finished || conn != watched) {
                return;
            }
            long quiet = System.nanoTime() - watched.lastReadNanos;
            long limit = proxy.options().upstreamReadTimeout().toNanos();
            if (quiet < limit) {
                scheduleTimeout(limit - quiet);
                return;
            }
            rec.attempt(watched.endpoint.toString(), 504, 0, System.nanoTime() - attemptStart);
            watched.abandon();
            conn = null;
            fail(504, "upstream " + watched.endpoint + " sent nothing for "
                    + proxy.options().upstreamReadTimeout().toMillis() + " ms");
        }, nanos, TimeUnit.NANOSECONDS);
    }

    private void fail(int status, String detail) {
        finish();
        client.answer(Pages.error(status, detail));
    }

    private void finish() {
        finished = true;
        cancelTimer();
        request.release();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void onLoop(Runnable r) {
        if (loop.inEventLoop()) {
            r.run();
        } else {
            loop.execute(r);
        }
    }

    private String services() {
        return String.join(", ", action.backends().stream().map(Backend::service).toList());
    }

    /** ingress-nginx's upstream name: "namespace-service-port" from "namespace/service:port". */
    static String upstreamName(Backend b) {
        return b.service().replace('/', '-').replace(':', '-');
    }
}
