package dev.vnet.node.streams;

import dev.vnet.apiserver.rest.PodStreams;
import dev.vnet.node.api.NodeHost;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * kubelet's streaming pod subresources for the pods this process runs, in the protocols kubectl 1.32 speaks:
 * {@code log} (plain text, chunked with follow), {@code exec} and {@code attach} (WebSocket,
 * {@code v5.channel.k8s.io}; see {@link ChannelSession}) and {@code portforward} (SPDY/3.1 tunnelled in a
 * WebSocket, {@code SPDY/3.1+portforward.k8s.io}; see {@link SpdyPortForward}). kubectl tries these first and
 * falls back to plain SPDY only if the upgrade is refused; vnet does not serve plain SPDY, and says so.
 *
 * <p>A local lab builds it from itself: {@code new KubeletStreams(lab)} (a {@link NodeHost}: every node's pods
 * are in that process). Nothing here blocks the event loop: commands, followed logs and forwarded connections
 * run on threads of their own. The request stays the caller's (it may release it once {@link #handle} returns).
 */
public final class KubeletStreams implements PodStreams {
    private static final Set<String> SUBRESOURCES = Set.of("log", "exec", "attach", "portforward");
    /** gorilla/websocket sends messages of any size; a long stdin line should not close the session. */
    private static final int MAX_FRAME = 16 << 20;
    /** How long attach waits for a pod to start (kubectl run waits a minute for it to run, by default). */
    private static final long START_WAIT_MILLIS = 60_000;

    private final PodTarget.Lookup pods;
    private final Exec.Launcher launcher;
    private final SpdyPortForward.Connector connector;
    private final PodLogs logs;
    /** The stdinOnce pipes an attach has had: only the first attach of such a container gets its input. */
    private final Set<java.io.OutputStream> firstAttach = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

    /** The streams of {@code host}'s pods: commands and connections enter each pod's network namespace. */
    public KubeletStreams(NodeHost host) {
        this(PodTarget.of(host), Exec.inNetns(), SpdyPortForward::connectInside, Clock.systemUTC());
    }

    KubeletStreams(PodTarget.Lookup pods, Exec.Launcher launcher, SpdyPortForward.Connector connector, Clock clock) {
        this.pods = pods;
        this.launcher = launcher;
        this.connector = connector;
        this.logs = new PodLogs(clock);
    }

    @Override
    public Set<String> subresources() {
        return SUBRESOURCES;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, String namespace,
                       String pod, String subresource) {
        try {
            if (subresource.equals("attach")) {
                attach(ctx, request, query, namespace, pod);
                return;
            }
            PodTarget target = pods.find(namespace, pod);
            switch (subresource) {
                case "log" -> logs.serve(ctx.channel(), HttpUtil.isKeepAlive(request),
                        target.container(PodLogs.param(query, "container")),
                        logs.options(query));
                case "exec" -> exec(ctx, request, query, target);
                case "portforward" -> portForward(ctx, request, target);
                default -> throw StreamStatus.Refusal.notFound("the server could not find the requested resource"
                        + " (pods/" + subresource + ")");
            }
        } catch (StreamStatus.Refusal refusal) {
            StreamStatus.respond(ctx, refusal);
        }
    }

    private void exec(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, PodTarget target)
            throws StreamStatus.Refusal {
        target.container(PodLogs.param(query, "container"));
        List<String> command = query.parameters().getOrDefault("command", List.of());
        if (command.isEmpty()) {
            throw StreamStatus.Refusal.badRequest("you must specify at least one command for the container");
        }
        boolean stdin = PodLogs.flag(query, "stdin");
        boolean stdout = PodLogs.flag(query, "stdout");
        boolean stderr = PodLogs.flag(query, "stderr");
        boolean tty = PodLogs.flag(query, "tty");
        if (!stdin && !stdout && !stderr) {
            throw StreamStatus.Refusal.badRequest("you must specify at least one of stdin, stdout, stderr");
        }
        String protocol = channelProtocol(request, "exec");
        ChannelSession session = new ChannelSession(() -> {
            Exec.checkRunnable(command.get(0));
            try {
                return Exec.process(launcher.launch(target.netns(), command, tty, stdin), command, tty, stdin);
            } catch (IOException e) {
                throw new StreamStatus.Refusal(500, "InternalError", "error executing command in container: "
                        + e.getMessage());
            }
        }, protocol, stdout, stderr, target.name() + " " + command.get(0));
        upgrade(ctx, request, protocol, session, session::start);
    }

    /**
     * attach: the container's output, and its stdin when its spec keeps one open. A pod that has not started yet
     * is waited for (as kubelet's attach waits for its container), up to {@link #START_WAIT_MILLIS}.
     */
    private void attach(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query,
                        String namespace, String pod) throws StreamStatus.Refusal {
        PodTarget found;
        try {
            found = pods.find(namespace, pod);
        } catch (StreamStatus.Refusal r) {
            if (!r.waiting) {
                throw r;
            }
            found = null;
        }
        PodTarget known = found;
        String wanted = PodLogs.param(query, "container");
        if (known != null) {
            known.container(wanted); // a wrong name is refused before the upgrade
        }
        boolean stdin = PodLogs.flag(query, "stdin");
        String protocol = channelProtocol(request, "attach");
        ChannelSession session = new ChannelSession(() -> {
            PodTarget target = known != null ? known : awaitStarted(namespace, pod);
            return attached(target, target.container(wanted), stdin);
        }, protocol, PodLogs.flag(query, "stdout"), PodLogs.flag(query, "stderr"), pod + " attach");
        upgrade(ctx, request, protocol, session, session::start);
    }

    /** The pod once it runs on one of the nodes; refused when it is not there within the wait. */
    private PodTarget awaitStarted(String namespace, String pod) throws StreamStatus.Refusal {
        long deadline = System.nanoTime() + START_WAIT_MILLIS * 1_000_000L;
        while (true) {
            try {
                return pods.find(namespace, pod);
            } catch (StreamStatus.Refusal r) {
                if (!r.waiting || System.nanoTime() > deadline) {
                    throw r;
                }
            }
            try {
                Thread.sleep(PodLogs.POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StreamStatus.Refusal(500, "InternalError", "stopped waiting for pod " + pod + " to start");
            }
        }
    }

    /**
     * Joins an attach session to container {@code c}. Without stdin it sees the output from now on. A stdinOnce
     * container's input belongs to its first attach with stdin: that one sees everything the container has
     * printed since it started, and its end closes the container's stdin; later ones get no input.
     */
    private ChannelSession.Running attached(PodTarget target, PodTarget.Container c, boolean wantStdin)
            throws StreamStatus.Refusal {
        PodTarget.Stdin in = c.stdin();
        if (wantStdin && in == null) {
            throw StreamStatus.Refusal.badRequest("container " + c.name() + " of pod " + target.name()
                    + " was started with its stdin closed, so there is no input to attach to: set stdin: true in"
                    + " its spec (kubectl run -i does), attach without -i, or use kubectl exec -i");
        }
        boolean first = wantStdin && in.once() && firstAttach.add(in.pipe());
        if (wantStdin && in.once() && !first) {
            throw StreamStatus.Refusal.badRequest("container " + c.name() + " of pod " + target.name()
                    + " had its stdin closed when its first attach ended (stdinOnce): attach without -i");
        }
        long from = first ? 0 : FollowedFile.sizeOf(c.logFile());
        return Exec.attach(c, from, wantStdin ? Exec.sessionStdin(in.pipe(), in.once()) : null, PodLogs.POLL_MILLIS);
    }

    private void portForward(ChannelHandlerContext ctx, FullHttpRequest request, PodTarget target)
            throws StreamStatus.Refusal {
        if (!isWebSocket(request) || !offered(request).contains(SpdyPortForward.PROTOCOL)) {
            throw StreamStatus.Refusal.badRequest("vnet serves port-forward as SPDY in a WebSocket ("
                    + SpdyPortForward.PROTOCOL + "), as kubectl 1.31 and newer ask for it; this request offered "
                    + describe(request));
        }
        SpdyPortForward session = new SpdyPortForward(target, connector);
        upgrade(ctx, request, SpdyPortForward.PROTOCOL, session.handlers(), ch -> { });
    }

    /** The channel protocol both sides speak: the client's first of v5 and v4. */
    private static String channelProtocol(FullHttpRequest request, String verb) throws StreamStatus.Refusal {
        if (!isWebSocket(request)) {
            throw StreamStatus.Refusal.badRequest("vnet serves " + verb + " over WebSocket only ("
                    + ChannelSession.V5 + "), as kubectl 1.30 and newer speak it; this request offered "
                    + describe(request));
        }
        for (String p : offered(request)) {
            if (p.equals(ChannelSession.V5) || p.equals(ChannelSession.V4)) {
                return p;
            }
        }
        throw StreamStatus.Refusal.badRequest("vnet's " + verb + " speaks the WebSocket subprotocols "
                + ChannelSession.V5 + " and " + ChannelSession.V4 + "; this request offered " + describe(request));
    }

    /** Answers the WebSocket handshake with {@code protocol}; {@code handlers} then get the frames. */
    private static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String protocol,
                                List<ChannelHandler> handlers, Consumer<Channel> opened) throws StreamStatus.Refusal {
        String url = "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri();
        WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, protocol, false, MAX_FRAME)
                .newHandshaker(request);
        if (hs == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        // Before the handshake, so that no frame can reach the handler behind: the WebSocket codec that the
        // handshake puts in place of HTTP's sits in front of these.
        for (int i = 0; i < handlers.size(); i++) {
            ctx.pipeline().addBefore(ctx.name(), "vnet-stream-" + i, handlers.get(i));
        }
        Channel ch = ctx.channel();
        try {
            hs.handshake(ch, request).addListener(f -> {
                if (f.isSuccess()) {
                    opened.accept(ch);
                } else {
                    ch.close();
                }
            });
        } catch (WebSocketHandshakeException e) {
            handlers.forEach(h -> ctx.pipeline().remove(h));
            throw StreamStatus.Refusal.badRequest("bad WebSocket handshake: " + e.getMessage());
        }
    }

    private static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String protocol,
                                ChannelHandler handler, Consumer<Channel> opened) throws StreamStatus.Refusal {
        upgrade(ctx, request, protocol, List.of(handler), opened);
    }

    private static boolean isWebSocket(FullHttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static List<String> offered(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
        return Arrays.stream(header.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String describe(FullHttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE, "no upgrade");
        String protocols = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        return "Upgrade: " + upgrade + (protocols == null ? "" : ", protocols " + protocols)
                + " (use kubectl 1.31 or newer)";
    }
}
