package dev.vnet.node.workload;

import dev.vnet.core.linux.NetNs;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The built-in {@code whoami} image: an HTTP server in the pod's namespace that answers with the pod's name,
 * IP and node and the client address it saw, so Services, load balancing and SNAT can be seen with curl.
 *
 * <p>Each response (status line, headers and body) goes out in one write on a TCP_NODELAY socket. Written
 * as two segments, the body would wait under Nagle for the client's delayed ACK of the headers, ~40 ms on
 * every kept-alive request after the first.
 */
public final class WhoamiServer extends BuiltinServer {
    /** A kept-alive connection with no request for this long is closed, so idle clients do not hold threads. */
    static final int IDLE_TIMEOUT_MILLIS = 60_000;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final PodInfo pod;
    private final ServerSocket listener;

    public WhoamiServer(String containerName, PodInfo pod, int port, Path logFile) throws IOException {
        // The listening socket must be created inside the pod's namespace; it keeps that namespace after.
        this(containerName, pod, NetNs.call(pod.netns(), () -> new ServerSocket(port, 64)), logFile);
    }

    /** Serves on a socket already bound (in the pod's namespace, or on 127.0.0.1 in tests). */
    WhoamiServer(String containerName, PodInfo pod, ServerSocket listener, Path logFile) {
        super(containerName, logFile);
        this.pod = pod;
        this.listener = listener;
        daemon("whoami-" + pod.podName(), () -> acceptLoop(listener, "whoami-conn-" + pod.podName(), this::serve));
        log("whoami listening on :" + listener.getLocalPort() + " in pod " + pod.podName());
    }

    private void serve(Socket s) throws IOException {
        s.setSoTimeout(IDLE_TIMEOUT_MILLIS);
        InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
        String client = remote.getAddress().getHostAddress() + ":" + remote.getPort();
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        while (running) {
            HttpRequest request;
            try {
                request = HttpRequest.read(in);
                if (request != null) {
                    if (request.expectsContinue()) {
                        out.write(CONTINUE);
                    }
                    request.skipBody(in);
                }
            } catch (ProtocolException e) {
                byte[] why = (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
                out.write(response(400, "Bad Request", "close", why, why.length));
                log(client + " 400 " + e.getMessage());
                return;
            }
            if (request == null) {
                return; // the client closed between requests
            }
            boolean keepAlive = request.keepAlive();
            // HTTP/1.1 keeps the connection unless told otherwise; an HTTP/1.0 client that asked is told yes.
            String connection = !keepAlive ? "close" : request.version().equals("HTTP/1.0") ? "keep-alive" : null;
            byte[] body = body(request, client);
            out.write(response(200, "OK", connection, body, request.method().equals("HEAD") ? 0 : body.length));
            log(remote.getAddress().getHostAddress() + " " + request.method() + " " + request.target() + " 200");
            if (!keepAlive) {
                return;
            }
        }
    }

    private byte[] body(HttpRequest request, String client) {
        StringBuilder text = new StringBuilder(256);
        text.append("Hostname: ").append(pod.podName()).append('\n');
        text.append("IP: ").append(pod.podIp()).append('\n');
        text.append("Node: ").append(pod.nodeName()).append('\n');
        text.append("RemoteAddr: ").append(client).append('\n');
        text.append(request.method()).append(' ').append(request.target()).append(' ').append(request.version())
                .append('\n');
        for (HttpRequest.Header h : request.headers()) {
            text.append(h.name()).append(": ").append(h.value()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Status line, headers and the first {@code bodyLength} bytes of {@code body} (0 for HEAD) in one array,
     * for one write; {@code connection} is the Connection header's value, or null for none.
     */
    private static byte[] response(int status, String reason, String connection, byte[] body, int bodyLength) {
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (connection == null ? "" : "Connection: " + connection + "\r\n")
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + bodyLength];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, bodyLength);
        return all;
    }

    @Override
    public void close() {
        stopRunning();
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        closeConnections();
    }
}
