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
 * made from inside the outside namespace to the first node whose API accepts it, node-1 first. TLS goes end to
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
        try (client; SocketChannel upstream = connect()) {
            if (upstream == null) {
                return; // no node answers: the client sees the connection close
            }
            BytePipe.join(client, upstream, "api-forward-back");
        } catch (IOException e) {
            LOG.fine("api forwarder: " + e.getMessage());
        }
    }

    /** A connection to the first node that accepts one, made inside the outside namespace; null if none does. */
    private SocketChannel connect() throws IOException {
        List<String> tried = new ArrayList<>();
        for (InetSocketAddress node : nodes) {
            SocketChannel ch = NetNs.call(outsideNs, SocketChannel::open);
            try {
                ch.socket().connect(node, CONNECT_MILLIS);
                return ch;
            } catch (IOException e) {
                ch.close();
                tried.add(node.getAddress().getHostAddress() + " (" + e.getMessage() + ")");
            }
        }
        LOG.warning("api forwarder: no node's API accepts a connection: " + String.join(", ", tried));
        return null;
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
