package dev.vnet.node.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** agnhost's arguments as agnhost parses them, and netexec and serve-hostname over loopback (no root needed). */
class AgnhostImageTest {
    private static final PodInfo POD = new PodInfo("netexec-0", "default", "unused", "10.244.1.9", "node-1", "host-0");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-07-01T10:00:05Z"), ZoneOffset.UTC);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** The pod's side, in the test's own namespace: plain sockets, programs run as they are. */
    private static final NetexecServer.PodSide HERE = new NetexecServer.PodSide() {
        @Override
        public Socket tcp() throws IOException {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s;
        }

        @Override
        public DatagramSocket udp() throws IOException {
            return new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        }

        @Override
        public List<String> argv(List<String> program) {
            return program;
        }
    };

    @TempDir
    Path dir;

    private final List<Workload> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        started.forEach(Workload::close);
    }

    // --- arguments ---

    private static List<String> args(String line) {
        return line.isEmpty() ? List.of() : List.of(line.split(" "));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "netexec                                  | netexec        | http-port=8080 udp-port=8081",
            "netexec --http-port=9000                 | netexec        | http-port=9000 udp-port=8081",
            "netexec --http-port 9000 --udp-port=-1   | netexec        | http-port=9000 udp-port=-1",
            "netexec --udp-port -1                    | netexec        | http-port=8080 udp-port=-1",
            "serve-hostname                           | serve-hostname | port=9376 http=true udp=false tcp=false",
            "serve-hostname --udp --http=false        | serve-hostname | port=9376 http=false udp=true tcp=false",
            "serve-hostname --port 8000 --tcp --http=f | serve-hostname | port=8000 http=false udp=false tcp=true",
            "serve-hostname --close                   | serve-hostname | port=9376 http=true udp=false tcp=false",
            "pause                                    | pause          | ''",
            "''                                       | pause          | ''",
    })
    void parsesFlagsAsAgnhostDoes(String line, String subcommand, String expected) {
        Agnhost.Invocation inv = Agnhost.parse(args(line));

        assertEquals(subcommand, inv.subcommand());
        for (String kv : args(expected)) {
            String name = kv.substring(0, kv.indexOf('='));
            String value = kv.substring(kv.indexOf('=') + 1);
            String actual = switch (name) {
                case "http-port" -> String.valueOf(inv.flags().integer(name, NetexecServer.DEFAULT_HTTP_PORT));
                case "udp-port" -> String.valueOf(inv.flags().integer(name, NetexecServer.DEFAULT_UDP_PORT));
                case "port" -> String.valueOf(inv.flags().integer(name, ServeHostname.DEFAULT_PORT));
                case "http" -> String.valueOf(inv.flags().bool(name, true));
                default -> String.valueOf(inv.flags().bool(name, false));
            };
            assertEquals(value, actual, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "netexec --http-port                  | flag needs an argument: --http-port",
            "netexec --http-port=abc              | invalid argument \"abc\" for \"--http-port\" flag: not an integer",
            "netexec --nope=1                     | unknown flag: --nope",
            "netexec -http-port=8080              | unknown shorthand flag: 'h' in -http-port=8080",
            "netexec extra                        | accepts at most 0 arg(s), received 1",
            "netexec --tls-cert-file=/x.crt       | --tls-cert-file is not run by vnet's netexec",
            "netexec --sctp-port=9000             | --sctp-port is not run by vnet's netexec",
            "serve-hostname --udp                 | Can't serve TCP/UDP mode and HTTP mode at the same time",
            "serve-hostname --udp=maybe           | invalid argument \"maybe\" for \"--udp\" flag: not a boolean",
            "dns-suffix                           | subcommand \"dns-suffix\" is not one vnet runs (netexec, serve-hostname, pause)",
    })
    void refusesWhatAgnhostOrVnetWouldNotRun(String line, String why) {
        String message = assertThrows(IllegalArgumentException.class, () -> Agnhost.parse(args(line))).getMessage();

        assertTrue(message.startsWith(why), message);
    }

    @Test
    void startNamesTheContainerAndTheArgumentsInItsError() {
        String message = assertThrows(IOException.class,
                () -> Agnhost.start("app", POD, List.of("netexec", "--bogus"), dir.resolve("a.log"))).getMessage();

        assertEquals("container app: agnhost netexec --bogus: unknown flag: --bogus", message);
    }

    // --- netexec ---

    private String netexec(boolean withUdp) throws IOException {
        ServerSocket listener = new ServerSocket(0, 16, LOOPBACK);
        DatagramSocket udp = withUdp ? new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)) : null;
        started.add(new NetexecServer("app", POD, listener, udp, HERE, CLOCK, dir.resolve("app.log")));
        udpPort = udp == null ? -1 : udp.getLocalPort();
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    private int udpPort;

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void netexecAnswersItsPaths() throws Exception {
        String base = netexec(true);

        assertEquals("host-0", get(base + "/hostname").body());
        assertEquals("host-0", get(base + "/hostName").body());
        assertTrue(get(base + "/clientip").body().matches("127\\.0\\.0\\.1:\\d+"), get(base + "/clientip").body());
        assertEquals("hello world", get(base + "/echo?msg=hello+world").body());
        assertEquals("a&b", get(base + "/echo?msg=a%26b").body());
        HttpResponse<String> teapot = get(base + "/echo?msg=short&code=418");
        assertEquals(418, teapot.statusCode());
        assertEquals("short", teapot.body());
        assertEquals(200, get(base + "/healthz").statusCode());
        assertEquals("NOW: 2025-07-01 10:00:05.000000000 +0000 UTC", get(base + "/").body());
        assertEquals("NOW: 2025-07-01 10:00:05.000000000 +0000 UTC", get(base + "/anything/else").body());
        assertEquals(501, get(base + "/exit?code=3").statusCode());
    }

    @Test
    void netexecRedirects() throws Exception {
        String base = netexec(true);

        HttpResponse<String> r = get(base + "/redirect?location=/echo%3Fmsg%3Dfoobar&code=307");

        assertEquals(307, r.statusCode()); // the client does not follow by default
        assertEquals("/echo?msg=foobar", r.headers().firstValue("location").orElse(""));
    }

    @Test
    void withoutUdpItIsNotHealthy() throws Exception {
        String base = netexec(false);

        assertEquals(412, get(base + "/healthz").statusCode());
    }

    @Test
    void shellRunsTheCommandAndReportsItsOutputAndExit() throws Exception {
        String base = netexec(true);

        assertEquals("{\"output\":\"hi\\n\"}", get(base + "/shell?cmd=echo+hi").body());
        assertEquals("{\"error\":\"exit status 3\",\"output\":\"x\\n\"}",
                get(base + "/shell?shellCommand=echo+x%3B+exit+3").body());
    }

    @Test
    void dialAsksAnotherServerOverHttpAndUdp() throws Exception {
        String base = netexec(true);
        int httpPort = URI.create(base).getPort();

        assertEquals("{\"responses\":[\"host-0\",\"host-0\"]}",
                get(base + "/dial?request=hostname&protocol=http&host=127.0.0.1&port=" + httpPort + "&tries=2").body());
        assertEquals("{\"responses\":[\"host-0\"]}",
                get(base + "/dial?request=hostname&protocol=udp&host=127.0.0.1&port=" + udpPort).body());
        assertEquals(400, get(base + "/dial?host=127.0.0.1&port=1").statusCode(), "no request");
        try (ServerSocket closed = new ServerSocket(0, 1, LOOPBACK)) {
            int port = closed.getLocalPort();
            closed.close();
            String body = get(base + "/dial?request=hostname&host=127.0.0.1&port=" + port).body();
            assertTrue(body.startsWith("{\"errors\":[\"Get \\\"http://127.0.0.1:" + port + "/hostname\\\""), body);
        }
    }

    @Test
    void netexecAnswersUdpCommands() throws Exception {
        netexec(true);
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            client.setSoTimeout(5_000);

            assertEquals("host-0", udp(client, "hostname"));
            assertEquals("hello there", udp(client, "echo Hello There\n"), "agnhost lower-cases what it receives");
            assertEquals("127.0.0.1:" + client.getLocalPort(), udp(client, "clientip"));
        }
    }

    private String udp(DatagramSocket client, String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        client.send(new DatagramPacket(data, data.length, new InetSocketAddress(LOOPBACK, udpPort)));
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        client.receive(p);
        return new String(buf, 0, p.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void netexecLogsAsAgnhostDoes() throws Exception {
        String base = netexec(true);
        get(base + "/hostname");

        List<String> log = java.nio.file.Files.readAllLines(dir.resolve("app.log"));

        assertTrue(log.contains("2025/07/01 10:00:05 Started HTTP server on port " + URI.create(base).getPort()), log.toString());
        assertTrue(log.contains("2025/07/01 10:00:05 GET /hostname"), log.toString());
    }

    // --- serve-hostname ---

    @Test
    void serveHostnameOverHttpAnswersTheHostnameAndClosesWhenAsked() throws Exception {
        ServerSocket listener = new ServerSocket(0, 16, LOOPBACK);
        started.add(new ServeHostname.Http("app", POD, listener, true, CLOCK, dir.resolve("s.log")));

        try (Socket s = new Socket(LOOPBACK, listener.getLocalPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
            assertTrue(answer.contains("\r\nConnection: close\r\n"), answer);
            assertTrue(answer.endsWith("\r\n\r\nhost-0"), answer);
        }
    }

    @Test
    void serveHostnameRawWritesTheHostnameOverTcpAndUdp() throws Exception {
        ServerSocket tcp = new ServerSocket(0, 16, LOOPBACK);
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        started.add(new ServeHostname.Raw("app", POD, tcp, udp, CLOCK, dir.resolve("s.log")));

        try (Socket s = new Socket(LOOPBACK, tcp.getLocalPort())) {
            s.setSoTimeout(5_000);
            assertEquals("host-0", new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            client.setSoTimeout(5_000);
            udpPort = udp.getLocalPort();
            assertEquals("host-0", udp(client, "x"));
        }
    }

    @Test
    void pauseRunsUntilStopped() {
        PauseContainer pause = new PauseContainer("p", dir.resolve("p.log"));
        assertTrue(pause.isRunning());
        assertEquals(null, pause.exitCode());

        pause.close();

        assertFalse(pause.isRunning());
        assertEquals(0, pause.exitCode());
    }
}
