package dev.vnet.node.workload;

import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/**
 * agnhost's {@code serve-hostname}: the pod's hostname on --port (9376), over HTTP (the default; --close ends
 * each connection after its answer), or raw over TCP (--tcp: written, then the connection closes) and UDP
 * (--udp: one datagram back for each received), the latter two only with --http=false. With none of them it
 * serves nothing and runs until stopped, as agnhost does.
 */
final class ServeHostname {
    static final int DEFAULT_PORT = 9376;

    private ServeHostname() {
    }

    static Workload open(String containerName, PodInfo pod, int port, boolean http, boolean tcp, boolean udp,
            boolean close, Path logFile) throws IOException {
        if (http) {
            return new Http(containerName, pod, NetNs.call(pod.netns(), () -> new ServerSocket(port, 128)), close,
                    Clock.systemUTC(), logFile);
        }
        if (!tcp && !udp) {
            return new PauseContainer(containerName, logFile);
        }
        ServerSocket t = tcp ? NetNs.call(pod.netns(), () -> new ServerSocket(port, 128)) : null;
        DatagramSocket u;
        try {
            u = udp ? NetNs.call(pod.netns(), () -> new DatagramSocket(new InetSocketAddress(port))) : null;
        } catch (IOException e) {
            if (t != null) {
                t.close();
            }
            throw e;
        }
        return new Raw(containerName, pod, t, u, Clock.systemUTC(), logFile);
    }

    /** The HTTP mode: every request is answered with the hostname. */
    static final class Http extends HttpBuiltin {
        private final PodInfo pod;
        private final boolean close;
        private final Clock clock;

        Http(String containerName, PodInfo pod, ServerSocket listener, boolean close, Clock clock, Path logFile) {
            super(containerName, logFile, listener);
            this.pod = pod;
            this.close = close;
            this.clock = clock;
            start("serve-hostname-" + pod.podName());
            logAsIs(Agnhost.goLog(clock, "Serving on port " + port() + "."));
        }

        @Override
        Response answer(HttpRequest request, Socket socket) {
            InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
            logAsIs(Agnhost.goLog(clock, "HTTP request from " + remote.getAddress().getHostAddress() + ":"
                    + remote.getPort()));
            Response r = Response.text(200, "OK", pod.hostname());
            return close ? r.closing() : r;
        }
    }

    /** The raw modes: TCP and/or UDP on one port. */
    static final class Raw extends BuiltinServer {
        private final PodInfo pod;
        private final ServerSocket tcp;
        private final DatagramSocket udp;
        private final Clock clock;

        /** Serves on sockets already bound; either may be null. */
        Raw(String containerName, PodInfo pod, ServerSocket tcp, DatagramSocket udp, Clock clock, Path logFile) {
            super(containerName, logFile);
            this.pod = pod;
            this.tcp = tcp;
            this.udp = udp;
            this.clock = clock;
            if (tcp != null) {
                daemon("serve-hostname-tcp-" + pod.podName(),
                        () -> acceptLoop(tcp, "serve-hostname-conn-" + pod.podName(), this::serve));
            }
            if (udp != null) {
                daemon("serve-hostname-udp-" + pod.podName(), this::udpLoop);
            }
            int port = tcp != null ? tcp.getLocalPort() : udp.getLocalPort();
            logAsIs(Agnhost.goLog(clock, "Serving on port " + port + "."));
        }

        private void serve(Socket s) throws IOException {
            logAsIs(Agnhost.goLog(clock, "TCP request from " + s.getRemoteSocketAddress().toString().substring(1)));
            s.getOutputStream().write(pod.hostname().getBytes(StandardCharsets.UTF_8));
        }

        private void udpLoop() {
            byte[] buf = new byte[16];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            byte[] name = pod.hostname().getBytes(StandardCharsets.UTF_8);
            while (running) {
                try {
                    p.setLength(buf.length);
                    udp.receive(p);
                    logAsIs(Agnhost.goLog(clock, "UDP request from " + p.getSocketAddress().toString().substring(1)));
                    udp.send(new DatagramPacket(name, name.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        @Override
        public void close() {
            stopRunning();
            if (tcp != null) {
                try {
                    tcp.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
            if (udp != null) {
                udp.close();
            }
            closeConnections();
        }
    }
}
