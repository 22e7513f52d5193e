package dev.vnet.node.workload;

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
import java.util.ArrayList;
import java.util.List;

/**
 * What the built-in HTTP servers (whoami, nginx, agnhost) share: kept-alive HTTP/1.1 connections read with
 * {@link HttpRequest}, "100 Continue" when asked, a 400 for a malformed head, HEAD without a body, and each
 * response (status line, headers and body) in one write. Written as two segments on a TCP_NODELAY socket, the
 * body would wait under Nagle for the client's delayed ACK of the headers, ~40 ms on every kept-alive request
 * after the first. A subclass only answers requests.
 */
abstract class HttpBuiltin extends BuiltinServer {
    /** A kept-alive connection with no request for this long is closed, so idle clients do not hold threads. */
    static final int IDLE_TIMEOUT_MILLIS = 60_000;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** An answer: status, headers other than Content-Length and Connection, body; {@code close} ends the connection. */
    record Response(int status, String reason, List<HttpRequest.Header> headers, byte[] body, boolean close) {
        static Response text(int status, String reason, String body) {
            return new Response(status, reason, List.of(new HttpRequest.Header("Content-Type",
                    "text/plain; charset=utf-8")), body.getBytes(StandardCharsets.UTF_8), false);
        }

        Response withHeader(String name, String value) {
            List<HttpRequest.Header> all = new ArrayList<>(headers);
            all.add(new HttpRequest.Header(name, value));
            return new Response(status, reason, List.copyOf(all), body, close);
        }

        Response closing() {
            return new Response(status, reason, headers, body, true);
        }
    }

    private final ServerSocket listener;

    HttpBuiltin(String containerName, Path logFile, ServerSocket listener) {
        super(containerName, logFile);
        this.listener = listener;
    }

    /** Starts accepting; a subclass calls it last in its constructor, once its own fields are set. */
    final void start(String threadName) {
        daemon(threadName, () -> acceptLoop(listener, threadName + "-conn", this::serve));
    }

    final int port() {
        return listener.getLocalPort();
    }

    /** The answer to one request that came on {@code socket}; also writes the access log. */
    abstract Response answer(HttpRequest request, Socket socket);

    /** The answer to a malformed request head; the connection closes after it. */
    Response badRequest(String why, Socket socket) {
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        log(remote.getAddress().getHostAddress() + ":" + remote.getPort() + " 400 " + why);
        return Response.text(400, "Bad Request", why + "\n");
    }

    private void serve(Socket s) throws IOException {
        s.setSoTimeout(IDLE_TIMEOUT_MILLIS);
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
                out.write(bytes(badRequest(e.getMessage(), s), false, "close"));
                return;
            }
            if (request == null) {
                return; // the client closed between requests
            }
            Response r = answer(request, s);
            boolean keepAlive = request.keepAlive() && !r.close();
            // HTTP/1.1 keeps the connection unless told otherwise; an HTTP/1.0 client that asked is told yes.
            String connection = !keepAlive ? "close" : request.version().equals("HTTP/1.0") ? "keep-alive" : null;
            out.write(bytes(r, request.method().equals("HEAD"), connection));
            if (!keepAlive) {
                return;
            }
        }
    }

    /**
     * Status line, headers and body (none for HEAD, its Content-Length still the body's) in one array, for one
     * write; {@code connection} is the Connection header's value, or null for none.
     */
    private static byte[] bytes(Response r, boolean head, String connection) {
        StringBuilder h = new StringBuilder(256);
        h.append("HTTP/1.1 ").append(r.status()).append(' ').append(r.reason()).append("\r\n");
        for (HttpRequest.Header header : r.headers()) {
            h.append(header.name()).append(": ").append(header.value()).append("\r\n");
        }
        h.append("Content-Length: ").append(r.body().length).append("\r\n");
        if (connection != null) {
            h.append("Connection: ").append(connection).append("\r\n");
        }
        h.append("\r\n");
        byte[] headBytes = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        int bodyLength = head ? 0 : r.body().length;
        byte[] all = new byte[headBytes.length + bodyLength];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(r.body(), 0, all, headBytes.length, bodyLength);
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
