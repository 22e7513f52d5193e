package dev.vnet.node.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.Json;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The channel protocol frame by frame, with the JDK's WebSocket client on 127.0.0.1: channel bytes, the v5
 * close signal on stdin, the Status on channel 3 followed by a normal close, pings, and the refusals.
 */
class PodStreamsWebSocketTest {
    @TempDir
    static Path dir;
    private static PodStreamsTestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path log = dir.resolve("c.log");
        Files.writeString(log, "");
        PodTarget pod = new PodTarget("default", "web", "unused",
                List.of(new PodTarget.Container("c", log, () -> true)));
        server = new PodStreamsTestServer(new KubeletStreams((ns, name) -> pod, Exec.here(),
                (netns, port) -> { throw new java.net.ConnectException("Connection refused"); }, Clock.systemUTC()),
                (ns, name) -> null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Every message received, as [channel, data...], and the close code at the end. */
    static final class Recorder implements WebSocket.Listener {
        final LinkedBlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final CompletableFuture<Void> pong = new CompletableFuture<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                messages.add(partial.toByteArray());
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            pong.complete(null);
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        byte[] next() throws InterruptedException {
            byte[] m = messages.poll(10, TimeUnit.SECONDS);
            assertTrue(m != null, "a message within 10 s");
            return m;
        }
    }

    private static WebSocket connect(String query, Recorder rec) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder().subprotocols(ChannelSession.V5)
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port + "/api/v1/namespaces/default/pods/web/exec?"
                        + query), rec).get(10, TimeUnit.SECONDS);
    }

    private static ByteBuffer message(int channel, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + t.length).put((byte) channel).put(t);
        return b.flip();
    }

    @Test
    void stdinCloseSignalEndsTheInputAndTheExitCodeComesInTheStatus() throws Exception {
        Recorder rec = new Recorder();
        WebSocket ws = connect("command=sh&command=-c&command=cat%3B%20exit%205&stdin=true&stdout=true&stderr=true",
                rec);
        assertEquals(ChannelSession.V5, ws.getSubprotocol());
        ws.sendPing(ByteBuffer.wrap(new byte[]{1})).get(5, TimeUnit.SECONDS);
        rec.pong.get(5, TimeUnit.SECONDS);
        ws.sendBinary(message(0, "hello"), true).get(5, TimeUnit.SECONDS);
        ws.sendBinary(message(4, "{\"Width\":80,\"Height\":24}"), true).get(5, TimeUnit.SECONDS);
        ws.sendBinary(ByteBuffer.wrap(new byte[]{(byte) 255, 0}), true).get(5, TimeUnit.SECONDS);
        byte[] out = rec.next();
        assertEquals(1, out[0]);
        assertEquals("hello", new String(out, 1, out.length - 1, StandardCharsets.UTF_8));
        byte[] status = rec.next();
        assertEquals(3, status[0]);
        JsonNode s = Json.MAPPER.readTree(new String(status, 1, status.length - 1, StandardCharsets.UTF_8));
        assertEquals("Failure", s.path("status").asString());
        assertEquals("NonZeroExitCode", s.path("reason").asString());
        assertEquals("ExitCode", s.path("details").path("causes").get(0).path("reason").asString());
        assertEquals("5", s.path("details").path("causes").get(0).path("message").asString());
        assertEquals(1000, rec.closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void stderrHasChannelTwoAndSuccessIsAStatusToo() throws Exception {
        Recorder rec = new Recorder();
        connect("command=sh&command=-c&command=echo%20oops%20%3E%262&stdout=true&stderr=true", rec);
        byte[] err = rec.next();
        assertEquals(2, err[0]);
        assertEquals("oops\n", new String(err, 1, err.length - 1, StandardCharsets.UTF_8));
        byte[] status = rec.next();
        assertEquals(3, status[0]);
        assertEquals("Success", Json.MAPPER.readTree(new String(status, 1, status.length - 1,
                StandardCharsets.UTF_8)).path("status").asString());
        assertEquals(1000, rec.closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void stdinInTextMessagesAndCapitalisedFlagsAsThePythonClientSendsThem() throws Exception {
        Recorder rec = new Recorder();
        WebSocket ws = connect("command=head&command=-n1&stdin=True&stdout=True&stderr=True&tty=False", rec);
        ws.sendText("\u0000typed\n", true).get(5, TimeUnit.SECONDS);
        byte[] out = rec.next();
        assertEquals(1, out[0]);
        assertEquals("typed\n", new String(out, 1, out.length - 1, StandardCharsets.UTF_8));
        byte[] status = rec.next();
        assertEquals(3, status[0]);
        assertEquals("Success", Json.MAPPER.readTree(new String(status, 1, status.length - 1,
                StandardCharsets.UTF_8)).path("status").asString());
        assertEquals(1000, rec.closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void attachWithStdinIsRefusedOnTheErrorChannel() throws Exception {
        Recorder rec = new Recorder();
        HttpClient.newHttpClient().newWebSocketBuilder().subprotocols(ChannelSession.V5)
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port
                        + "/api/v1/namespaces/default/pods/web/attach?stdin=true&stdout=true"), rec)
                .get(10, TimeUnit.SECONDS);
        byte[] status = rec.next();
        assertEquals(3, status[0]);
        JsonNode s = Json.MAPPER.readTree(new String(status, 1, status.length - 1, StandardCharsets.UTF_8));
        assertTrue(s.path("message").asString().contains("stdin closed"), s.toString());
    }

    @Test
    void plainHttpAndUnknownSubprotocolsAreRefusedWithAStatus() throws Exception {
        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.port + "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, plain.statusCode());
        JsonNode s = Json.MAPPER.readTree(plain.body());
        assertEquals("Status", s.path("kind").asString());
        assertTrue(s.path("message").asString().contains("over WebSocket only"), plain.body());
        HttpResponse<String> noCommand = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.port + "/api/v1/namespaces/default/pods/web/exec?stdout=true")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(noCommand.body().contains("at least one command"), noCommand.body());
        HttpResponse<String> forward = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.port + "/api/v1/namespaces/default/pods/web/portforward")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, forward.statusCode());
        assertTrue(forward.body().contains("SPDY/3.1+portforward.k8s.io"), forward.body());
    }
}
