package dev.vnet.node.workload;

import dev.vnet.core.linux.NetNs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import tools.jackson.databind.ObjectMapper;

/**
 * agnhost's {@code netexec}, the server of Kubernetes' own network tests: HTTP on --http-port (8080) and,
 * unless --udp-port is -1, UDP on --udp-port (8081).
 *
 * <p>HTTP paths, as agnhost answers them: {@code /hostname} (and {@code /hostName}), {@code /clientip} (the
 * address:port the server saw), {@code /echo?msg=M[&code=N]}, {@code /healthz} (200 once the UDP server runs,
 * 412 without one), {@code /redirect?location=L[&code=N]}, {@code /shell?cmd=C} (run with sh in the pod's
 * namespace; JSON with "output" and "error"), {@code /dial?host=H&port=P&request=R[&protocol=http|udp][&tries=N]}
 * (asks another server from this pod; JSON with "responses" and "errors"); any other path answers
 * {@code NOW: <time>}. {@code /exit}, {@code /shutdown} and {@code /upload} are not run by vnet (501).
 *
 * <p>UDP commands: {@code hostname}, {@code echo <msg>} and {@code clientip}; agnhost lower-cases what it
 * receives, so the echo comes back in lower case too.
 */
public final class NetexecServer extends HttpBuiltin {
    /** What netexec does as a process of the pod: its outgoing sockets and the programs it runs. */
    interface PodSide {
        /**
         * An unconnected TCP socket in the pod's namespace, already bound: Java makes a Socket's descriptor only
         * when it is first bound or connected, so an unbound one would be made, and connect, in the namespace
         * of the thread that connects.
         */
        Socket tcp() throws IOException;

        /** An unbound UDP socket in the pod's namespace. */
        DatagramSocket udp() throws IOException;

        /** The argv that runs {@code program} in the pod's namespace. */
        List<String> argv(List<String> program);

        static PodSide inNamespace(String netns) {
            return new PodSide() {
                @Override
                public Socket tcp() throws IOException {
                    return NetNs.call(netns, () -> {
                        Socket s = new Socket();
                        s.bind(new InetSocketAddress(0)); // makes the descriptor here; it keeps this namespace
                        return s;
                    });
                }

                @Override
                public DatagramSocket udp() throws IOException {
                    return NetNs.call(netns, DatagramSocket::new);
                }

                @Override
                public List<String> argv(List<String> program) {
                    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", netns));
                    all.addAll(program);
                    return all;
                }
            };
        }
    }

    static final int DEFAULT_HTTP_PORT = 8080;
    static final int DEFAULT_UDP_PORT = 8081;
    /** How long a /dial attempt waits, as agnhost's client does. */
    private static final int DIAL_TIMEOUT_MILLIS = 5_000;
    /** Go's time.Time as fmt prints it (without the monotonic reading). */
    private static final DateTimeFormatter GO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.nnnnnnnnn Z 'UTC'", Locale.ENGLISH)
                    .withZone(ZoneOffset.UTC);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PodInfo pod;
    private final DatagramSocket udp;
    private final PodSide side;
    private final Clock clock;

    /** Opens its sockets in the pod's namespace; {@code udpPort} -1 for no UDP server. */
    static NetexecServer open(String containerName, PodInfo pod, int httpPort, int udpPort, Path logFile)
            throws IOException {
        ServerSocket http = NetNs.call(pod.netns(), () -> new ServerSocket(httpPort, 128));
        DatagramSocket udp = null;
        if (udpPort != -1) {
            try {
                udp = NetNs.call(pod.netns(), () -> new DatagramSocket(new InetSocketAddress(udpPort)));
            } catch (IOException e) {
                http.close();
                throw e;
            }
        }
        return new NetexecServer(containerName, pod, http, udp, PodSide.inNamespace(pod.netns()), Clock.systemUTC(),
                logFile);
    }

    /** Serves on sockets already bound (in the pod's namespace, or on 127.0.0.1 in tests); {@code udp} may be null. */
    NetexecServer(String containerName, PodInfo pod, ServerSocket http, DatagramSocket udp, PodSide side, Clock clock,
            Path logFile) {
        super(containerName, logFile, http);
        this.pod = pod;
        this.udp = udp;
        this.side = side;
        this.clock = clock;
        if (udp != null) {
            daemon("netexec-udp-" + pod.podName(), this::udpLoop);
            logAsIs(Agnhost.goLog(clock, "Started UDP server on port " + udp.getLocalPort()));
        }
        start("netexec-" + pod.podName());
        logAsIs(Agnhost.goLog(clock, "Started HTTP server on port " + port()));
    }

    @Override
    Response answer(HttpRequest request, Socket socket) {
        String target = request.target();
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        Map<String, String> form = query(q < 0 ? "" : target.substring(q + 1));
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        logAsIs(Agnhost.goLog(clock, request.method() + " " + target));
        return switch (path) {
            case "/hostname", "/hostName" -> Response.text(200, "OK", pod.hostname());
            case "/clientip" -> Response.text(200, "OK", hostPort(remote));
            case "/echo" -> echo(form);
            case "/healthz" -> udp != null ? Response.text(200, "OK", "")
                    : Response.text(412, "Precondition Failed", "");
            case "/redirect" -> redirect(form);
            case "/shell" -> shell(form.getOrDefault("shellCommand", form.getOrDefault("cmd", "")));
            case "/dial" -> dial(form);
            case "/exit", "/shutdown", "/upload" -> Response.text(501, "Not Implemented",
                    path + " is not run by vnet's agnhost: delete the pod to stop it\n");
            default -> Response.text(200, "OK", "NOW: " + GO_TIME.format(clock.instant()));
        };
    }

    private static Response echo(Map<String, String> form) {
        String msg = form.getOrDefault("msg", "");
        String code = form.getOrDefault("code", "");
        if (code.isEmpty()) {
            return Response.text(200, "OK", msg);
        }
        Integer status = status(code);
        if (status == null) {
            return Response.text(200, "OK", "argument 'code' must be an integer or empty, got \"" + code + "\"\n");
        }
        return Response.text(status, reason(status), msg);
    }

    private static Response redirect(Map<String, String> form) {
        String location = form.getOrDefault("location", "");
        String code = form.getOrDefault("code", "");
        Integer status = code.isEmpty() ? Integer.valueOf(302) : status(code);
        if (status == null) {
            return Response.text(200, "OK", "argument 'code' must be an integer or empty, got \"" + code + "\"\n");
        }
        return Response.text(status, reason(status), "<a href=\"" + location + "\">" + reason(status) + "</a>.\n\n")
                .withHeader("Location", location);
    }

    /** Runs {@code cmd} with sh in the pod's namespace, as agnhost runs it in its container. */
    private Response shell(String cmd) {
        Map<String, String> out = new TreeMap<>();
        try {
            Process p = new ProcessBuilder(side.argv(List.of("/bin/sh", "-c", cmd))).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                out.put("error", "the command did not end within 10 s");
            } else if (p.exitValue() != 0) {
                out.put("error", "exit status " + p.exitValue());
            }
            if (!output.isEmpty()) {
                out.put("output", output);
            }
        } catch (IOException e) {
            out.put("error", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.put("error", "interrupted");
        }
        return Response.text(200, "OK", JSON.writeValueAsString(out));
    }

    private Response dial(Map<String, String> form) {
        String host = form.getOrDefault("host", "");
        String port = form.getOrDefault("port", "");
        String request = form.getOrDefault("request", "");
        String protocol = form.getOrDefault("protocol", "").toLowerCase(Locale.ROOT);
        int tries = 1;
        if (!form.getOrDefault("tries", "").isEmpty()) {
            Integer t = status(form.get("tries"));
            if (t == null) {
                return Response.text(400, "Bad Request", "tries parameter is invalid. " + form.get("tries") + "\n");
            }
            tries = t;
        }
        if (request.isEmpty()) {
            return Response.text(400, "Bad Request", "request parameter not specified.\n");
        }
        if (!protocol.isEmpty() && !protocol.equals("http") && !protocol.equals("udp")) {
            return Response.text(400, "Bad Request", "unsupported protocol. " + protocol + "\n");
        }
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(resolve(host), Integer.parseInt(port));
        } catch (IOException | IllegalArgumentException e) {
            return Response.text(400, "Bad Request", "host and/or port param are invalid. " + e.getMessage() + "\n");
        }
        List<String> responses = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        String last = "";
        for (int i = 0; i < tries; i++) {
            try {
                last = protocol.equals("udp") ? dialUdp(request, address) : dialHttp(request, address);
                responses.add(last);
            } catch (IOException e) {
                last = "";
                errors.add(e.getMessage());
            }
        }
        Map<String, List<String>> out = new TreeMap<>();
        if (!last.isEmpty()) {
            out.put("responses", responses);
        }
        if (!errors.isEmpty()) {
            out.put("errors", errors);
        }
        return Response.text(200, "OK", JSON.writeValueAsString(out));
    }

    /**
     * An IP literal as it is; a name through the pod's resolver (its resolv.conf, the cluster DNS), never the
     * node's.
     */
    private InetAddress resolve(String host) throws IOException {
        if (IPV4.matcher(host).matches() || host.contains(":")) {
            return InetAddress.getByName(host); // a literal: no lookup
        }
        if (host.isEmpty()) {
            throw new IOException("missing host");
        }
        Process p = new ProcessBuilder(side.argv(List.of("getent", "ahostsv4", host))).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String first = out.isEmpty() ? "" : out.split("\\s+")[0];
        if (!IPV4.matcher(first).matches()) {
            throw new IOException("lookup " + host + ": no such host");
        }
        return InetAddress.getByName(first);
    }

    private String dialHttp(String request, InetSocketAddress address) throws IOException {
        try (Socket s = side.tcp()) {
            if (!s.isBound()) {
                throw new IOException("the dialing socket was not made in the pod's namespace"); // a bug
            }
            s.connect(address, DIAL_TIMEOUT_MILLIS);
            s.setSoTimeout(DIAL_TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write(("GET /" + request + " HTTP/1.1\r\nHost: " + hostPort(address)
                    + "\r\nUser-Agent: Go-http-client/1.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return HttpAnswer.read(s.getInputStream());
        } catch (IOException e) {
            throw new IOException("Get \"http://" + hostPort(address) + "/" + request + "\": " + e.getMessage(), e);
        }
    }

    private String dialUdp(String request, InetSocketAddress address) throws IOException {
        try (DatagramSocket s = side.udp()) {
            s.setSoTimeout(DIAL_TIMEOUT_MILLIS);
            byte[] data = request.getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(data, data.length, address));
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (IOException e) {
                throw new IOException("reading from udp connection failed. err:'" + e.getMessage() + "'", e);
            }
            return new String(buf, 0, p.getLength(), StandardCharsets.UTF_8);
        }
    }

    private void udpLoop() {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (running) {
            try {
                p.setLength(buf.length);
                udp.receive(p);
                String text = new String(buf, 0, p.getLength(), StandardCharsets.UTF_8).strip().toLowerCase(Locale.ROOT);
                InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
                String reply = null;
                if (text.equals("hostname")) {
                    reply = pod.hostname();
                } else if (text.startsWith("echo ")) {
                    reply = text.substring("echo ".length());
                } else if (text.equals("clientip")) {
                    reply = hostPort(from);
                } else if (!text.isEmpty()) {
                    logAsIs(Agnhost.goLog(clock, "Unknown UDP command received from " + hostPort(from) + ": " + text));
                }
                if (reply != null) {
                    byte[] r = reply.getBytes(StandardCharsets.UTF_8);
                    udp.send(new DatagramPacket(r, r.length, from));
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** The query's parameters, decoded as a form; the first of a repeated name wins, as Go's FormValue does. */
    static Map<String, String> query(String query) {
        Map<String, String> form = new HashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                form.putIfAbsent(k, v);
            } catch (IllegalArgumentException e) {
                // A malformed escape: Go skips the pair too.
            }
        }
        return form;
    }

    private static Integer status(String code) {
        try {
            return Integer.parseInt(code);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 412 -> "Precondition Failed";
            case 417 -> "Expectation Failed";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status " + status;
        };
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        super.close();
        if (udp != null) {
            udp.close();
        }
    }

    /** The body of an HTTP/1.1 answer read off a connection the client asked to close. */
    static final class HttpAnswer {
        private HttpAnswer() {
        }

        static String read(InputStream raw) throws IOException {
            InputStream in = new java.io.BufferedInputStream(raw);
            String status = line(in);
            if (status == null || !status.startsWith("HTTP/1.")) {
                throw new IOException("malformed HTTP response \"" + (status == null ? "" : status) + "\"");
            }
            long length = -1;
            boolean chunked = false;
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(h.indexOf(':') + 1).strip());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (String size = line(in); size != null; size = line(in)) {
                    int n = Integer.parseInt(size.split(";")[0].strip(), 16);
                    if (n == 0) {
                        break;
                    }
                    body.write(in.readNBytes(n));
                    line(in); // the chunk's CRLF
                }
            } else if (length >= 0) {
                body.write(in.readNBytes((int) length));
            } else {
                in.transferTo(body);
            }
            return body.toString(StandardCharsets.UTF_8);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
