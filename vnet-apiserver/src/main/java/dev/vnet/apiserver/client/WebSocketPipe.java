package dev.vnet.apiserver.client;

import dev.vnet.apiserver.api.ApiException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A port-forward's connection through the API: a WebSocket whose binary messages are the bytes of one TCP
 * connection to a pod. {@link #join} copies it to and from a local socket until both directions have ended;
 * the local side's end of sending becomes the WebSocket's Close (the pod's side is then shut for writing only,
 * so an answer still comes back), and the server's Close is the end of what the pod sends.
 */
public final class WebSocketPipe implements AutoCloseable {
    private static final byte[] END = new byte[0];
    /** Messages from the pod not yet written locally; the WebSocket asks for more only as they are taken. */
    private final BlockingQueue<byte[]> incoming = new LinkedBlockingQueue<>();
    /** The server's first message, in text: {"ok":true} once the pod's port is connected, or the error. */
    private final java.util.concurrent.CompletableFuture<String> answer = new java.util.concurrent.CompletableFuture<>();
    /**
     * Completes once the local side has sent everything (or the pipe is closed): until then the server's Close
     * ends only what the pod sends, and the WebSocket keeps its sending side open for the rest.
     */
    private final java.util.concurrent.CompletableFuture<Void> sentAll = new java.util.concurrent.CompletableFuture<>();
    private volatile WebSocket ws;
    private volatile Throwable failed;

    private WebSocketPipe() {
    }

    static WebSocketPipe open(HttpClient http, URI uri, String token, String where) throws ApiException {
        WebSocketPipe pipe = new WebSocketPipe();
        try {
            pipe.ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                    .connectTimeout(java.time.Duration.ofSeconds(10)).buildAsync(uri, pipe.listener())
                    .get(30, TimeUnit.SECONDS);
            // The client speaks first: the server answers only after this, never in the same read as its 101.
            pipe.ws.sendText("{}", true).get(30, TimeUnit.SECONDS);
            String first = pipe.answer.get(30, TimeUnit.SECONDS);
            var reply = first == null ? null : dev.vnet.apiserver.api.Json.MAPPER.readTree(first);
            if (reply == null || !reply.path("ok").asBoolean(false)) {
                pipe.close();
                throw new ApiException(reply == null ? where + " closed the port-forward without answering"
                        : reply.path("error").asString(where + " refused the port-forward"));
            }
            return pipe;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof WebSocketHandshakeException h) {
                Object body = h.getResponse().body();
                String text = body instanceof String s ? s : body instanceof byte[] b ? new String(b,
                        java.nio.charset.StandardCharsets.UTF_8) : "";
                String msg = statusMessage(text);
                throw new ApiException(msg.isEmpty() ? where + " refused the port-forward (HTTP "
                        + h.getResponse().statusCode() + ")" : msg);
            }
            throw new ApiClient.UnreachableException(where + " is unreachable (" + (c == null ? e : c).getMessage()
                    + "): is the node process running?");
        } catch (TimeoutException e) {
            throw new ApiClient.UnreachableException(where + " did not open the port-forward within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted while opening the port-forward");
        }
    }

    private static String statusMessage(String text) {
        try {
            return dev.vnet.apiserver.api.Json.MAPPER.readTree(text).path("message").asString("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private java.io.ByteArrayOutputStream partial;

            @Override
            public void onOpen(WebSocket webSocket) {
                webSocket.request(1);
            }

            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    answer.complete(text.toString());
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                if (!last) {
                    if (partial == null) {
                        partial = new java.io.ByteArrayOutputStream();
                    }
                    partial.writeBytes(bytes);
                    webSocket.request(1);
                    return null;
                }
                if (partial != null) {
                    partial.writeBytes(bytes);
                    bytes = partial.toByteArray();
                    partial = null;
                }
                incoming.add(bytes);
                return null; // more is asked for once the local side has taken this
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                answer.complete(null);
                incoming.add(END);
                return sentAll; // the WebSocket would otherwise answer the Close at once, cutting off what is left
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                failed = error;
                answer.complete(null);
                incoming.add(END);
            }
        };
    }

    /**
     * Copies {@code local → pipe} on the calling thread and {@code pipe → local} on a thread named {@code name},
     * until both have ended; the caller closes both after.
     */
    public void join(SocketChannel local, String name) {
        Thread back = new Thread(() -> {
            try {
                while (true) {
                    byte[] b = incoming.take();
                    if (b == END) {
                        local.shutdownOutput();
                        return;
                    }
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        local.write(buf);
                    }
                    ws.request(1);
                }
            } catch (IOException | InterruptedException e) {
                close();
                closeQuietly(local);
            }
        }, name);
        back.setDaemon(true);
        back.start();
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        try {
            while (local.read(buf) >= 0) {
                buf.flip();
                ByteBuffer copy = ByteBuffer.allocate(buf.remaining()).put(buf).flip();
                ws.sendBinary(copy, true).get();
                buf.clear();
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(); // sent everything; the answer may still come
            sentAll.complete(null);
        } catch (IOException | ExecutionException e) {
            close();
            closeQuietly(local);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the WebSocket failed (rather than ended with a Close). */
    public boolean failed() {
        return failed != null;
    }

    @Override
    public void close() {
        sentAll.complete(null);
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
        incoming.add(END);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }
}
