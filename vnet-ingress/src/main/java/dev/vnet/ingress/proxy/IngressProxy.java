package dev.vnet.ingress.proxy;

import dev.vnet.ingress.route.Action;
import dev.vnet.ingress.route.Request;
import dev.vnet.ingress.route.RouteTable;
import dev.vnet.ingress.route.RouteTable.Listener;
import dev.vnet.ingress.tls.TlsMaterial;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The ingress controller's HTTP/HTTPS reverse proxy (ingress-nginx's nginx): it serves whichever {@link RouteTable}
 * was installed last, on the table's listener ports.
 *
 * <p>Per request: the table routes it ({@link Action}); a Forward goes to a backend picked by weight and one of its
 * endpoints, over a pooled keep-alive HTTP/1.1 connection, with X-Forwarded-* set; a Redirect or Respond is answered
 * here. One access log line per request, in ingress-nginx's format. HTTPS listeners pick their certificate by SNI
 * from the table, with a self-signed default. Bodies are aggregated up to {@code maxBodyBytes} (16 MiB: beyond it a
 * request gets 413, a response 502); HTTP/2 and WebSocket upgrades are not handled.
 *
 * <p>Tables: {@link #install} swaps the table (a volatile: each request reads it once, so a request in flight keeps
 * its table), then opens the listeners the new table adds and closes those it drops; connections of a dropped
 * listener close once their current response is sent.
 *
 * <p>Threads: one boss thread accepts on every listener (accepting is rare next to reading); the workers, one per
 * core, carry the client connections and the upstream connections alike. A connection stays on one event loop, so
 * more workers than cores would only add switching; and an upstream connection is opened on the loop of the client
 * that needs it, so most exchanges never change thread.
 */
public final class IngressProxy implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IngressProxy.class.getName());

    /** Timeouts and limits; {@link #defaults()} are ingress-nginx's where it has one. */
    public record Options(Duration connectTimeout, Duration upstreamReadTimeout, Duration upstreamIdleTimeout,
            Duration clientIdleTimeout, int maxBodyBytes, int maxIdlePerEndpoint, int workerThreads) {
        public Options {
            for (Duration d : List.of(connectTimeout, upstreamReadTimeout, upstreamIdleTimeout, clientIdleTimeout)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("proxy timeouts must be positive, got " + d);
                }
            }
            if (maxBodyBytes <= 0 || maxIdlePerEndpoint < 0 || workerThreads <= 0) {
                throw new IllegalArgumentException("maxBodyBytes and workerThreads must be positive and "
                        + "maxIdlePerEndpoint not negative");
            }
        }

        /**
         * Connect 2 s (ingress-nginx's proxy-connect-timeout is 5 s; a pod network answers in microseconds), read
         * 60 s, idle upstream connections 60 s, idle clients 75 s, bodies 16 MiB, 32 idle connections per endpoint,
         * one worker per core.
         */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(60),
                    Duration.ofSeconds(75), 16 << 20, 32, Runtime.getRuntime().availableProcessors());
        }

        public Options withUpstreamReadTimeout(Duration d) {
            return new Options(connectTimeout, d, upstreamIdleTimeout, clientIdleTimeout, maxBodyBytes,
                    maxIdlePerEndpoint, workerThreads);
        }

        public Options withMaxBodyBytes(int n) {
            return new Options(connectTimeout, upstreamReadTimeout, upstreamIdleTimeout, clientIdleTimeout, n,
                    maxIdlePerEndpoint, workerThreads);
        }

        public Options withWorkerThreads(int n) {
            return new Options(connectTimeout, upstreamReadTimeout, upstreamIdleTimeout, clientIdleTimeout,
                    maxBodyBytes, maxIdlePerEndpoint, n);
        }
    }

    /** Before the first install: no listeners, every request the default backend's 404. */
    private static final RouteTable EMPTY = new RouteTable() {
        @Override
        public Set<Listener> listeners() {
            return Set.of();
        }

        @Override
        public Action route(Request request) {
            return new Action.Respond("no route table installed", 404, "default backend - 404");
        }

        @Override
        public Optional<TlsMaterial> certificate(int port, String serverName) {
            return Optional.empty();
        }
    };

    /** A bound listener, its accepted connections, and whether it is being removed. */
    static final class Bound {
        final Listener listener;
        final ChannelGroup children;
        volatile boolean closing;
        Channel server;

        Bound(Listener listener) {
            this.listener = listener;
            this.children = new DefaultChannelGroup("ingress-" + listener.port(), GlobalEventExecutor.INSTANCE);
        }
    }

    private final InetAddress bindAddress;
    private final AccessLog log;
    private final Options options;
    private final Clock clock;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final TlsContexts tls = new TlsContexts();
    final Counters counters = new Counters();
    final Balancer balancer = new Balancer();
    final UpstreamPool pool;
    private volatile RouteTable table = EMPTY;
    /** By port; guarded by this. */
    private final Map<Integer, Bound> bound = new HashMap<>();
    private boolean closed;

    public IngressProxy(InetAddress bindAddress, AccessLog log) {
        this(bindAddress, log, Options.defaults());
    }

    public IngressProxy(InetAddress bindAddress, AccessLog log, Options options) {
        this(bindAddress, log, options, Clock.systemDefaultZone());
    }

    IngressProxy(InetAddress bindAddress, AccessLog log, Options options, Clock clock) {
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
        this.log = Objects.requireNonNull(log, "log");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = clock;
        this.pool = new UpstreamPool(options, counters);
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ingress-accept", true),
                Transport.ioHandler());
        this.workers = new MultiThreadIoEventLoopGroup(options.workerThreads(),
                new DefaultThreadFactory("ingress-worker", true), Transport.ioHandler());
    }

    /**
     * Serves {@code t} from now on: new requests route through it, its new listener ports open, ports it no longer
     * lists close. Not to be called from an event loop (it waits for sockets to bind and close).
     *
     * @throws IllegalStateException naming each port that could not be bound; the table is installed anyway and the
     *     other listeners serve, and a later install tries those ports again
     */
    public synchronized void install(RouteTable t) {
        Objects.requireNonNull(t, "route table");
        if (closed) {
            throw new IllegalStateException("the ingress proxy is closed; make a new one");
        }
        Map<Integer, Listener> wanted = new HashMap<>();
        for (Listener l : t.listeners()) {
            if (l.port() < 1 || l.port() > 65535) {
                throw new IllegalArgumentException("listener port " + l.port() + " is not in 1-65535");
            }
            Listener other = wanted.put(l.port(), l);
            if (other != null && other.tls() != l.tls()) {
                throw new IllegalArgumentException("port " + l.port() + " is listed both as HTTP and as HTTPS; "
                        + "one port serves one of them");
            }
        }
        table = t;
        for (var it = bound.values().iterator(); it.hasNext(); ) {
            Bound b = it.next();
            if (!b.listener.equals(wanted.get(b.listener.port()))) {
                it.remove();
                drain(b);
            }
        }
        List<String> failures = new ArrayList<>();
        for (Listener l : wanted.values().stream().sorted(Comparator.comparingInt(Listener::port)).toList()) {
            if (!bound.containsKey(l.port())) {
                String error = open(l);
                if (error != null) {
                    failures.add(error);
                }
            }
        }
        if (!failures.isEmpty()) {
            String message = String.join("; ", failures);
            LOG.warning(message);
            throw new IllegalStateException(message);
        }
    }

    /** The listeners open now. */
    public synchronized Set<Listener> listening() {
        return bound.values().stream().map(b -> b.listener).collect(Collectors.toUnmodifiableSet());
    }

    public ProxyStats stats() {
        return counters.snapshot();
    }

    /** Closes the listeners, the client and upstream connections, and the threads. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        table = EMPTY;
        for (Bound b : bound.values()) {
            b.closing = true;
            b.server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            b.children.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        bound.clear();
        pool.close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    RouteTable table() {
        return table;
    }

    Options options() {
        return options;
    }

    AccessLog log() {
        return log;
    }

    Clock clock() {
        return clock;
    }

    /** Binds {@code l}; null when done, else why not. */
    private String open(Listener l) {
        Bound b = new Bound(l);
        ServerBootstrap sb = new ServerBootstrap().group(boss, workers).channel(Transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        b.children.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        if (l.tls()) {
                            p.addLast(new PlainHttpOnTlsPort(),
                                    new SniHandler(tls.forPort(l.port(), IngressProxy.this::table)));
                        }
                        p.addLast(new HttpServerCodec(),
                                new IdleStateHandler(0, 0, options.clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                new Aggregator(options.maxBodyBytes()),
                                new ClientHandler(IngressProxy.this, b));
                    }
                });
        ChannelFuture f = sb.bind(new InetSocketAddress(bindAddress, l.port())).awaitUninterruptibly();
        if (!f.isSuccess()) {
            return "cannot listen on " + bindAddress.getHostAddress() + ":" + l.port() + " (" + (l.tls() ? "HTTPS"
                    : "HTTP") + "): " + f.cause().getMessage() + "; free the port or choose another listener port";
        }
        b.server = f.channel();
        bound.put(l.port(), b);
        return null;
    }

    /** Stops accepting on {@code b}; its connections close when idle (now, or after their current response). */
    private static void drain(Bound b) {
        b.closing = true;
        b.server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Channel ch : b.children) {
            ch.eventLoop().execute(() -> {
                ClientHandler h = ch.pipeline().get(ClientHandler.class);
                if (h != null) {
                    h.closeIfIdle();
                } else {
                    ch.close();
                }
            });
        }
    }

    /** The body aggregator, telling the client handler of a 413 so that it gets its access log line. */
    private static final class Aggregator extends HttpObjectAggregator {
        Aggregator(int max) {
            super(max);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            ClientHandler h = ctx.pipeline().get(ClientHandler.class);
            if (h != null && oversized instanceof HttpRequest r) {
                h.oversized(r);
            }
            super.handleOversizedMessage(ctx, oversized);
        }
    }
}
