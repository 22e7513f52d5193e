package dev.vnet.node.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in whoami over real loopback sockets (root namespace's 127.0.0.1; no root needed). */
class WhoamiServerTest {
    private static final PodInfo POD = new PodInfo("web-1", "default", "unused", "10.244.1.5", "node-1");

    @TempDir
    Path dir;

    private CountingServerSocket listener;
    private WhoamiServer server;
    private Socket client;
    private InputStream in;
    private OutputStream out;

    @BeforeEach
    void start() throws IOException {
        listener = new CountingServerSocket();
        server = new WhoamiServer("web", POD, listener, dir.resolve("web.log"));
        client = new Socket(listener.getInetAddress(), listener.getLocalPort());
        client.setSoTimeout(5_000);
        in = new BufferedInputStream(client.getInputStream());
        out = client.getOutputStream();
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    @Test
    void eachKeptAliveResponseIsOneWrite() throws IOException {
        for (int i = 1; i <= 5; i++) {
            send("GET /" + i + " HTTP/1.1\r\nHost: web\r\n\r\n");
            Response r = Response.read(in);

            assertEquals(200, r.status);
            assertTrue(r.body.contains("GET /" + i + " HTTP/1.1"), r.body);
            // Headers and body in two writes would leave the body to Nagle and the client's delayed ACK.
            assertEquals(i, listener.writes.get(), "writes after " + i + " responses");
        }
        assertEquals(1, listener.accepted.size(), "one kept-alive connection");
    }

    @Test
    void acceptedConnectionsHaveNoDelay() throws IOException {
        send("GET / HTTP/1.1\r\nHost: web\r\n\r\n");
        Response.read(in);

        assertTrue(listener.accepted.get(0).getTcpNoDelay(), "TCP_NODELAY on the accepted socket");
    }

    @Test
    void answersWithThePodTheClientAndTheRequest() throws IOException {
        send("GET /path?q=1 HTTP/1.1\r\nHost: web:8080\r\nUser-Agent: test/1\r\nX-Trace: a b\r\n\r\n");
        Response r = Response.read(in);

        assertEquals("text/plain; charset=utf-8", r.headers.get("content-type"));
        assertEquals(String.valueOf(r.body.getBytes(StandardCharsets.UTF_8).length), r.headers.get("content-length"));
        assertEquals("Hostname: web-1\n"
                + "IP: 10.244.1.5\n"
                + "Node: node-1\n"
                + "RemoteAddr: 127.0.0.1:" + client.getLocalPort() + "\n"
                + "GET /path?q=1 HTTP/1.1\n"
                + "Host: web:8080\n"
                + "User-Agent: test/1\n"
                + "X-Trace: a b\n", r.body);
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        send("GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n");
        Response r = Response.read(in);

        assertEquals("close", r.headers.get("connection"));
        assertEquals(-1, in.read(), "the server closed the connection");
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws IOException {
        send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertEquals("keep-alive", Response.read(in).headers.get("connection"));

        send("GET /b HTTP/1.0\r\n\r\n");
        Response r = Response.read(in);

        assertTrue(r.body.contains("GET /b HTTP/1.0"), r.body);
        assertEquals("close", r.headers.get("connection"));
        assertEquals(-1, in.read());
    }

    @Test
    void aRequestBodyIsSkippedSoTheNextRequestFollows() throws IOException {
        send("POST /form HTTP/1.1\r\nHost: web\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /next HTTP/1.1\r\nHost: web\r\n\r\n");

        assertTrue(Response.read(in).body.contains("POST /form HTTP/1.1"));
        assertTrue(Response.read(in).body.contains("GET /next HTTP/1.1"));
    }

    @Test
    void aClientThatExpectsContinueIsToldToSend() throws IOException {
        send("PUT /big HTTP/1.1\r\nHost: web\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
        assertEquals(100, Response.readHead(in).status);

        send("abc");
        assertTrue(Response.read(in).body.contains("PUT /big HTTP/1.1"));
    }

    @Test
    void headGetsTheLengthButNoBody() throws IOException {
        send("HEAD / HTTP/1.1\r\nHost: web\r\n\r\n");
        Response head = Response.readHead(in);
        assertTrue(Integer.parseInt(head.headers.get("content-length")) > 0);

        send("GET /after HTTP/1.1\r\nHost: web\r\n\r\n");
        Response r = Response.read(in);

        assertEquals(200, r.status, "no body bytes were left before the next response");
        assertTrue(r.body.contains("GET /after"), r.body);
    }

    @Test
    void aMalformedRequestGets400AndTheConnectionEnds() throws IOException {
        send("NOT-HTTP\r\n\r\n");
        Response r = Response.read(in);

        assertEquals(400, r.status);
        assertTrue(r.body.startsWith("bad request line: NOT-HTTP"), r.body);
        assertEquals(-1, in.read());
    }

    @Test
    void closingTheServerEndsOpenConnections() throws IOException {
        send("GET / HTTP/1.1\r\nHost: web\r\n\r\n");
        Response.read(in);

        server.close();

        int next;
        try {
            next = in.read();
        } catch (SocketException reset) {
            next = -1;
        }
        assertEquals(-1, next);
        assertTrue(!server.isRunning());
    }

    private void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** A response as the client reads it: status, headers by lower-case name, body. */
    private static final class Response {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        String body = "";

        static Response read(InputStream in) throws IOException {
            Response r = readHead(in);
            byte[] body = in.readNBytes(Integer.parseInt(r.headers.get("content-length")));
            r.body = new String(body, StandardCharsets.UTF_8);
            return r;
        }

        static Response readHead(InputStream in) throws IOException {
            Response r = new Response();
            String status = line(in);
            assertTrue(status.startsWith("HTTP/1.1 "), status);
            r.status = Integer.parseInt(status.substring(9, 12));
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                r.headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
            }
            return r;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed in a response head");
                }
                b.write(c);
            }
            String s = b.toString(StandardCharsets.ISO_8859_1);
            assertTrue(s.endsWith("\r"), "CRLF line endings: " + s);
            return s.substring(0, s.length() - 1);
        }
    }
}
