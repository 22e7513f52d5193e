package dev.vnet.node.workload;

import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;

/** The built-in {@code echo} image: sends back whatever it receives, over TCP and over UDP, on one port. */
public final class EchoServer extends BuiltinServer {
    private final ServerSocket tcp;
    private final DatagramSocket udp;

    public EchoServer(String containerName, PodInfo pod, int port, Path logFile) throws IOException {
        this(containerName, pod.podName(), NetNs.call(pod.netns(), () -> new ServerSocket(port, 64)),
                pod.netns(), port, logFile);
    }

    private EchoServer(String containerName, String podName, ServerSocket tcp, String netns, int port,
            Path logFile) throws IOException {
        this(containerName, podName, tcp, openUdp(tcp, netns, port), logFile);
    }

    /** Serves on sockets already bound (in the pod's namespace, or on 127.0.0.1 in tests). */
    EchoServer(String containerName, String podName, ServerSocket tcp, DatagramSocket udp, Path logFile) {
        super(containerName, logFile);
        this.tcp = tcp;
        this.udp = udp;
        daemon("echo-tcp-" + podName, () -> acceptLoop(tcp, "echo-conn-" + podName, this::serve));
        daemon("echo-udp-" + podName, this::udpLoop);
        log("echo listening on tcp and udp :" + tcp.getLocalPort());
    }

    private static DatagramSocket openUdp(ServerSocket tcp, String netns, int port) throws IOException {
        try {
            return NetNs.call(netns, () -> new DatagramSocket(new InetSocketAddress(port)));
        } catch (IOException e) {
            tcp.close();
            throw e;
        }
    }

    private void serve(Socket s) throws IOException {
        log("tcp connection from " + s.getRemoteSocketAddress());
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        in.transferTo(out); // one write per read
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (running) {
            try {
                p.setLength(buf.length);
                udp.receive(p);
                udp.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stopRunning();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        udp.close();
        closeConnections();
    }
}
