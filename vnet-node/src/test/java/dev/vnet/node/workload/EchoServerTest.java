package dev.vnet.node.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in echo over real loopback sockets (root namespace's 127.0.0.1; no root needed). */
class EchoServerTest {
    @TempDir
    Path dir;

    private CountingServerSocket tcp;
    private DatagramSocket udp;
    private EchoServer server;

    @BeforeEach
    void start() throws IOException {
        tcp = new CountingServerSocket();
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server = new EchoServer("echo", "echo-1", tcp, udp, dir.resolve("echo.log"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void tcpEchoesOnANoDelaySocket() throws IOException {
        try (Socket c = new Socket(tcp.getInetAddress(), tcp.getLocalPort())) {
            c.setSoTimeout(5_000);
            byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
            c.getOutputStream().write(ping);

            assertArrayEquals(ping, c.getInputStream().readNBytes(ping.length));
            assertTrue(tcp.accepted.get(0).getTcpNoDelay(), "TCP_NODELAY on the accepted socket");
        }
    }

    @Test
    void udpEchoesEachDatagram() throws IOException {
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            c.setSoTimeout(5_000);
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            c.send(new DatagramPacket(ping, ping.length, udp.getLocalSocketAddress()));
            DatagramPacket back = new DatagramPacket(new byte[64], 64);
            c.receive(back);

            assertEquals("ping", new String(back.getData(), 0, back.getLength(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void closingTheServerEndsOpenConnections() throws IOException {
        try (Socket c = new Socket(tcp.getInetAddress(), tcp.getLocalPort())) {
            c.setSoTimeout(5_000);
            InputStream in = c.getInputStream();
            c.getOutputStream().write('x');
            assertEquals('x', in.read());

            server.close();

            int next;
            try {
                next = in.read();
            } catch (SocketException reset) {
                next = -1;
            }
            assertEquals(-1, next);
        }
    }
}
