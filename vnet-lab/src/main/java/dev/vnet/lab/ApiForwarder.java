package dev.vnet.lab;

import dev.vnet.apiserver.api.BytePipe;
import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * How kubectl on this machine reaches a multi-process lab ({@code vnet up --store etcd}), whose API servers are
 * the node processes on lab addresses (192.168.56.1N:6443) that the root namespace must never send to: a
 * listener on this machine's 127.0.0.1:6443 (another port if taken), and for each connection a TCP connection
 * made from inside the outside namespace to the first node whose API answers, node-1 first. TLS goes end to
 * end: every node's certificate names 127.0.0.1 and is signed by the cluster's one CA, so whichever node
 * answers, the client trusts it; a node that is down is skipped, as a load balancer in front of several
 * kube-apiservers would.
 *
 * <p>Run as its own process ({@link #main}), started and stopped by {@link ProcessLab} by PID; it writes
 * {@code STATE/kube/server} so {@code vnet kubeconfig} prints a kubeconfig for it.
 */
public final class ApiForwarder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiForwarder.class.getName());
    private static final int CONNECT_MILLIS = 1000;
    /** How long a node may take to answer a ClientHello before the next one is tried. */
    private static final int ANSWER_MILLIS = 2000;

    private final String outsideNs;
    private final List<InetSocketAddress> nodes;
    private final ServerSocketChannel server;
    private volatile boolean open = true;

    private ApiForwarder(String outsideNs, List<InetSocketAddress> nodes, ServerSocketChannel server) {
        this.outsideNs = outsideNs;
        this.nodes = List.copyOf(nodes);
        this.server = server;
    }

    /** Listens on 127.0.0.1:{@code port} (any free port if taken) and forwards to {@code nodes}, in order. */
    public static ApiForwarder start(String outsideNs, List<InetSocketAddress> nodes, int port) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            s.close();
            s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        ApiForwarder f = new ApiForwarder(outsideNs, nodes, s);
        Thread t = new Thread(f::acceptLoop, "api-forward-accept");
        t.start();
        return f;
    }

    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void acceptLoop() {
        while (open) {
            try {
                SocketChannel client = server.accept();
                Thread t = new Thread(() -> forward(client), "api-forward");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (open) {
                    LOG.warning("api forwarder: accept failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    private void forward(SocketChannel client) {
        try (client) {
            // The client speaks first (TLS's ClientHello): it is sent to each node in turn until one answers
            // within ANSWER_MILLIS, so a node that is hung (its kernel still accepts connections) is skipped too.
            java.nio.ByteBuffer hello = java.nio.ByteBuffer.allocate(16 * 1024);
            if (client.read(hello) <= 0) {
                return;
            }
            hello.flip();
            List<String> tried = new ArrayList<>();
            for (InetSocketAddress node : nodes) {
                SocketChannel upstream = NetNs.call(outsideNs, SocketChannel::open);
                try {
                    upstream.socket().connect(node, CONNECT_MILLIS);
                    upstream.write(hello.duplicate());
                    upstream.socket().setSoTimeout(ANSWER_MILLIS);
                    byte[] first = new byte[16 * 1024];
                    int n = upstream.socket().getInputStream().read(first); // the socket's stream honours the timeout
                    if (n <= 0) {
                        throw new IOException("closed without answering");
                    }
                    upstream.socket().setSoTimeout(0);
                    java.nio.ByteBuffer answer = java.nio.ByteBuffer.wrap(first, 0, n);
                    while (answer.hasRemaining()) {
                        client.write(answer);
                    }
                    try (upstream) {
                        BytePipe.join(client, upstream, "api-forward-back");
                    }
                    return;
                } catch (IOException e) {
                    upstream.close();
                    tried.add(node.getAddress().getHostAddress() + " (" + e.getMessage() + ")");
                }
            }
            LOG.warning("api forwarder: no node's API answers: " + String.join(", ", tried));
        } catch (IOException e) {
            LOG.fine("api forwarder: " + e.getMessage());
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
    }

    /**
     * {@code ApiForwarder STATE_DIR OUTSIDE_NS NODE_IP:PORT...}: forwards until killed, with the URL in
     * STATE_DIR/kube/server meanwhile.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ApiForwarder STATE_DIR OUTSIDE_NS NODE_IP:PORT...");
            System.exit(2);
        }
        Path kube = Path.of(args[0]).resolve("kube");
        List<InetSocketAddress> nodes = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            int c = args[i].lastIndexOf(':');
            nodes.add(new InetSocketAddress(InetAddress.getByName(args[i].substring(0, c)),
                    Integer.parseInt(args[i].substring(c + 1))));
        }
        ApiForwarder f = start(args[1], nodes, dev.vnet.apiserver.rest.KubeApiServer.DEFAULT_PORT);
        Files.createDirectories(kube);
        Path server = kube.resolve("server");
        Files.writeString(server, "https://127.0.0.1:" + f.port() + "\n");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(server);
            } catch (IOException ignored) {
                // Removed by `vnet down` anyway.
            }
        }));
        System.out.println("api forwarder: https://127.0.0.1:" + f.port() + " -> " + nodes + " through " + args[1]);
    }
}
