package dev.vnet.node.workload;

import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The built-in {@code nginx} and {@code nginxdemos/hello} images: an HTTP server in the pod's namespace that
 * answers as those images do out of the box, so manifests from tutorials run unchanged. nginx serves its
 * welcome page at / and /index.html (with one line more naming the pod that answered, so a learner sees the
 * load balancing), 404 elsewhere and 405 to methods other than GET and HEAD, with {@code Server: nginx}.
 * nginxdemos/hello answers every URI with its plain-text page: the server's address and name, date, URI and
 * a request ID. Both write nginx's access log in its "combined" format, which {@code vnet logs} shows.
 */
public final class NginxServer extends HttpBuiltin {
    /** What the image serves. */
    public enum Page {
        /** nginx's default server: the welcome page. */
        WELCOME,
        /** nginxdemos/hello: the page that names the server that answered. */
        HELLO
    }

    /** IMF-fixdate (RFC 9110 5.6.7), the Date header's format. */
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    /** nginx's $time_local, the access log's time (the pod's zone is UTC). */
    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    /** The time in nginx's error log (where its start-up notices go). */
    private static final DateTimeFormatter ERROR_LOG_TIME =
            DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PodInfo pod;
    private final Page page;
    private final Clock clock;

    public NginxServer(String containerName, PodInfo pod, Page page, int port, Path logFile) throws IOException {
        this(containerName, pod, page, NetNs.call(pod.netns(), () -> new ServerSocket(port, 128)), Clock.systemUTC(),
                logFile);
    }

    /** Serves on a socket already bound (in the pod's namespace, or on 127.0.0.1 in tests), at {@code clock}'s time. */
    NginxServer(String containerName, PodInfo pod, Page page, ServerSocket listener, Clock clock, Path logFile) {
        super(containerName, logFile, listener);
        this.pod = pod;
        this.page = page;
        this.clock = clock;
        start("nginx-" + pod.podName());
        logAsIs(ERROR_LOG_TIME.format(clock.instant()) + " [notice] nginx (vnet built-in) serving on :" + port()
                + " in pod " + pod.podName());
    }

    @Override
    Response answer(HttpRequest request, Socket socket) {
        Response r = respond(request, socket);
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        accessLog(remote, request.method() + " " + request.target() + " " + request.version(), r.status(),
                request.method().equals("HEAD") ? 0 : r.body().length, request.header("Referer"),
                request.header("User-Agent"));
        return r;
    }

    @Override
    Response badRequest(String why, Socket socket) {
        Response r = error(400, "Bad Request").closing();
        accessLog((InetSocketAddress) socket.getRemoteSocketAddress(), null, 400, r.body().length, null, null);
        return r;
    }

    private Response respond(HttpRequest request, Socket socket) {
        String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return error(405, "Not Allowed");
        }
        String path = request.target();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (page == Page.HELLO) {
            return hello(request, socket);
        }
        if (path.equals("/") || path.equals("/index.html")) {
            return html(200, "OK", welcome());
        }
        return error(404, "Not Found");
    }

    private String welcome() {
        return """
                <!DOCTYPE html>
                <html>
                <head>
                <title>Welcome to nginx!</title>
                <style>
                html { color-scheme: light dark; }
                body { width: 35em; margin: 0 auto;
                font-family: Tahoma, Verdana, Arial, sans-serif; }
                </style>
                </head>
                <body>
                <h1>Welcome to nginx!</h1>
                <p>If you see this page, the nginx web server is successfully installed and
                working. Further configuration is required.</p>

                <p>Served by pod %s (%s) on node %s.</p>

                <p>For online documentation and support please refer to
                <a href="http://nginx.org/">nginx.org</a>.<br/>
                Commercial support is available at
                <a href="http://nginx.com/">nginx.com</a>.</p>

                <p><em>Thank you for using nginx.</em></p>
                </body>
                </html>
                """.formatted(pod.podName(), pod.podIp(), pod.nodeName());
    }

    private Response hello(HttpRequest request, Socket socket) {
        InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String body = "Server address: " + local.getAddress().getHostAddress() + ":" + local.getPort() + "\n"
                + "Server name: " + pod.hostname() + "\n"
                + "Date: " + TIME_LOCAL.format(clock.instant()) + "\n"
                + "URI: " + request.target() + "\n"
                + "Request ID: " + HexFormat.of().formatHex(id) + "\n";
        return headers(new Response(200, "OK", List.of(new HttpRequest.Header("Content-Type", "text/plain")),
                body.getBytes(StandardCharsets.UTF_8), false));
    }

    private Response error(int status, String reason) {
        String title = status + " " + reason;
        return html(status, reason, "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>"
                + title + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    }

    private Response html(int status, String reason, String body) {
        return headers(new Response(status, reason, List.of(new HttpRequest.Header("Content-Type", "text/html")),
                body.getBytes(StandardCharsets.UTF_8), false));
    }

    /** Server and Date first, as nginx orders them. */
    private Response headers(Response r) {
        List<HttpRequest.Header> all = new java.util.ArrayList<>();
        all.add(new HttpRequest.Header("Server", "nginx"));
        all.add(new HttpRequest.Header("Date", HTTP_DATE.format(clock.instant())));
        all.addAll(r.headers());
        return new Response(r.status(), r.reason(), List.copyOf(all), r.body(), r.close());
    }

    /**
     * One line in nginx's "combined" format: {@code $remote_addr - $remote_user [$time_local] "$request" $status
     * $body_bytes_sent "$http_referer" "$http_user_agent"}, "-" for what is missing.
     */
    private void accessLog(InetSocketAddress remote, String requestLine, int status, int bytesSent, String referer,
            String userAgent) {
        logAsIs(remote.getAddress().getHostAddress() + " - - [" + TIME_LOCAL.format(clock.instant()) + "] \""
                + orDash(requestLine) + "\" " + status + " " + bytesSent + " \"" + orDash(referer) + "\" \""
                + orDash(userAgent) + "\"");
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
