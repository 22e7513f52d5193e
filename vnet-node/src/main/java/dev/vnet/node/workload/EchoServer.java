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
        super(containerName, logFile);
        this.tcp = NetNs.call(pod.netns(), () -> new ServerSocket(port, 64));
        try {
            this.udp = NetNs.call(pod.netns(), () -> new DatagramSocket(new InetSocketAddress(port)));
        } catch (IOException e) {
            tcp.close();
            throw e;
        }
        daemon("echo-tcp-" + pod.podName(), this::acceptLoop);
        daemon("echo-udp-" + pod.podName(), this::udpLoop);
        log("echo listening on tcp and udp :" + port);
    }

    private void acceptLoop() {
        while (running) {
            try {
                Socket s = tcp.accept();
                daemon("echo-conn", () -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            log("tcp connection from " + s.getRemoteSocketAddress());
            in.transferTo(out);
        } catch (IOException ignored) {
            // The peer went away.
        }
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

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        running = false;
        try {
            tcp.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        udp.close();
    }
}
