package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.node.streams.KubeletStreams;
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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The real kubectl against a real lab's pods through {@link KubeletStreams}: exec enters the pod's network
 * namespace (its eth0 has the pod's IP), exit codes and stdin come back, logs and logs -f show the container's
 * output, and port-forward reaches the whoami server on the pod's 127.0.0.1. The API server is a tiny one of
 * this test's on 127.0.0.1 (discovery, the pod GET from the lab, the subresources), over plain HTTP.
 */
@Tag("integration")
class PodStreamsIntegrationTest {
    private static final String KUBECTL = "/usr/bin/kubectl";
    private static final Pattern SUB = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/([a-z]+)");
    private static final Pattern POD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)");

    @TempDir
    static Path dir;
    private static TestLab lab;
    private static String shell;
    private static String web;
    private static EventLoopGroup group;
    private static Channel server;

    @BeforeAll
    static void start() throws Exception {
        lab = TestLab.start(1);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of(KUBECTL)), "no kubectl at " + KUBECTL);
        shell = lab.pod("shell");
        web = lab.pod("web");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers:
                  - {name: shell, image: busybox, command: [sh, -c, "echo started; exec sleep infinity"]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers:
                  - {name: web, image: whoami, ports: [{containerPort: 8080}]}
                """.formatted(shell, web));
        KubeletStreams streams = new KubeletStreams(lab.lab);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new Router(streams));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: t, cluster: {server: "http://127.0.0.1:%d"}}]
                users: [{name: t, user: {}}]
                contexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]
                current-context: t
                """.formatted(((InetSocketAddress) server.localAddress()).getPort()));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** Discovery of the core group, the pod GET from the lab, and the subresources to the streams. */
    private static final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final KubeletStreams streams;

        Router(KubeletStreams streams) {
            this.streams = streams;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            Matcher sub = SUB.matcher(q.path());
            if (sub.matches()) {
                streams.handle(ctx, req, q, sub.group(1), sub.group(2), sub.group(3));
                return;
            }
            Matcher pod = POD.matcher(q.path());
            String body = switch (q.path()) {
                case "/api" -> "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}";
                case "/apis" -> "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}";
                case "/api/v1" -> "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[{\"name\":"
                        + "\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\"]}]}";
                default -> null;
            };
            if (body == null && pod.matches()) {
                JsonNode items = lab.call("get", "kind", "pods", "name", pod.group(2), "namespace", pod.group(1))
                        .path("list").path("items");
                body = items.size() == 1 ? items.get(0).toString() : null;
            }
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    body == null ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.OK, Unpooled.copiedBuffer(
                    body == null ? "{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":404}" : body,
                    StandardCharsets.UTF_8));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    private static ProcessBuilder kubectl(String... args) {
        List<String> argv = new ArrayList<>(List.of(KUBECTL, "--kubeconfig", dir.resolve("kubeconfig").toString(),
                "--cache-dir", dir.resolve("cache").toString(), "--request-timeout", "20s"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("HOME", dir.toString());
        pb.environment().remove("KUBECONFIG");
        return pb;
    }

    private static TestLab.Result run(String stdin, String... args) throws Exception {
        Process p = kubectl(args).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kubectl " + String.join(" ", args));
        return new TestLab.Result(p.exitValue(), out);
    }

    @Test
    void execRunsInThePodsNetworkNamespace() throws Exception {
        TestLab.Result addr = run(null, "exec", shell, "--", "ip", "-o", "-4", "addr", "show", "eth0");
        assertEquals(0, addr.exit(), addr.out());
        assertTrue(addr.out().contains(lab.podIp(shell) + "/"), addr.out());
        TestLab.Result host = run(null, "exec", shell, "--", "hostname");
        assertEquals(0, host.exit(), host.out());
        assertTrue(!host.out().isBlank(), host.out());
        assertEquals(3, run(null, "exec", shell, "--", "sh", "-c", "exit 3").exit());
        TestLab.Result cat = run("from stdin\n", "exec", "-i", shell, "--", "cat");
        assertEquals("from stdin\n", cat.out());
    }

    @Test
    void logsAndFollow() throws Exception {
        TestLab.Result logs = run(null, "logs", shell);
        assertEquals(0, logs.exit(), logs.out());
        assertEquals("started\n", logs.out());
        Process follow = kubectl("logs", "-f", shell).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("started", r.readLine());
            assertTrue(follow.isAlive(), "logs -f goes on while the container runs");
        } finally {
            follow.destroy();
            follow.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void portForwardReachesThePodsServer() throws Exception {
        Process pf = kubectl("port-forward", "pod/" + web, ":8080").redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(pf.getInputStream(), StandardCharsets.UTF_8));
            String first = r.readLine();
            Matcher m = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 8080").matcher(String.valueOf(first));
            assertTrue(m.find(), "kubectl said: " + first);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(m.group(1)))) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.") && answer.contains(" 200 "), answer);
                assertTrue(answer.contains(web), "whoami names its pod: " + answer);
            }
        } finally {
            pf.destroy();
            pf.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
