package dev.vnet.node.policy;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * What the data plane really does with a new TCP connection from a pod, as the NetworkPolicy conformance tests
 * ask it: connects from inside the pod's network namespace to each target at once, and waits for the answers.
 * An accepted or refused connection (a SYN-ACK or a RST came back) was let through; a connection with no answer
 * before the timeout was dropped on the way, which is what a denying policy does.
 */
public final class ConnectProbe {
    /** What became of one connection. */
    public enum Result {
        /** The target accepted it. */
        CONNECTED(true),
        /** The target's host answered with a RST: nothing listens there, but the network let it through. */
        REFUSED(true),
        /** An ICMP error came back (no route, host unreachable). */
        UNREACHABLE(false),
        /** No answer: dropped on the way, as a policy drops. */
        TIMEOUT(false);

        private final boolean reached;

        Result(boolean reached) {
            this.reached = reached;
        }

        /** Whether the connection got to the target's host. */
        public boolean reached() {
            return reached;
        }
    }

    public record Target(int ip, int port) {
        @Override
        public String toString() {
            return Ipv4Address.toString(ip) + ":" + port;
        }
    }

    private ConnectProbe() {
    }

    /** Connects from namespace {@code netns} to every target, in parallel, each given {@code timeoutMillis}. */
    public static List<Result> run(String netns, List<Target> targets, long timeoutMillis) throws IOException {
        List<SocketChannel> channels = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            // Sockets belong to the namespace they are made in; the connects may then go on from here.
            NetNs.call(netns, () -> {
                for (int i = 0; i < targets.size(); i++) {
                    channels.add(SocketChannel.open());
                }
                return null;
            });
            for (int i = 0; i < targets.size(); i++) {
                Target t = targets.get(i);
                SocketChannel ch = channels.get(i);
                ch.configureBlocking(false);
                results.add(null);
                try {
                    if (ch.connect(new InetSocketAddress(InetAddress.getByAddress(new Ipv4Address(t.ip()).toBytes()),
                            t.port()))) {
                        results.set(i, Result.CONNECTED);
                    } else {
                        ch.register(selector, SelectionKey.OP_CONNECT, i);
                    }
                } catch (IOException e) {
                    results.set(i, failure(e));
                }
            }
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            int pending = (int) results.stream().filter(r -> r == null).count();
            while (pending > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    break;
                }
                selector.select(left);
                for (SelectionKey k : selector.selectedKeys()) {
                    int i = (Integer) k.attachment();
                    try {
                        ((SocketChannel) k.channel()).finishConnect();
                        results.set(i, Result.CONNECTED);
                    } catch (IOException e) {
                        results.set(i, failure(e));
                    }
                    k.cancel();
                    pending--;
                }
                selector.selectedKeys().clear();
            }
            results.replaceAll(r -> r == null ? Result.TIMEOUT : r);
            return results;
        } finally {
            for (SocketChannel ch : channels) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a socket that never connected
                }
            }
        }
    }

    private static Result failure(IOException e) {
        if (e instanceof NoRouteToHostException) {
            return Result.UNREACHABLE;
        }
        if (e instanceof ConnectException && e.getMessage() != null && e.getMessage().contains("refused")) {
            return Result.REFUSED;
        }
        return Result.UNREACHABLE;
    }
}
