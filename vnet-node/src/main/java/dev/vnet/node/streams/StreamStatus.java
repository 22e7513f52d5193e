package dev.vnet.node.streams;

import dev.vnet.apiserver.api.Json;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * The metav1.Status objects the streams answer with: an HTTP error before a stream starts, and on an exec's
 * error channel its outcome (Success, or Failure with reason NonZeroExitCode and the code in
 * {@code details.causes[{reason: ExitCode}]}, from which kubectl takes its own exit code).
 */
final class StreamStatus {
    private StreamStatus() {
    }

    /** A request the streams refuse: the HTTP code, the Status reason and a one-line message. */
    static final class Refusal extends Exception {
        final int code;
        final String reason;
        /** The pod is there but has not started yet: asking again later may succeed. */
        final boolean waiting;

        Refusal(int code, String reason, String message) {
            this(code, reason, message, false);
        }

        private Refusal(int code, String reason, String message, boolean waiting) {
            super(message);
            this.code = code;
            this.reason = reason;
            this.waiting = waiting;
        }

        static Refusal badRequest(String message) {
            return new Refusal(400, "BadRequest", message);
        }

        /** kubelet's answer for a pod that has not started yet (a 400, as kubelet's). */
        static Refusal waiting(String message) {
            return new Refusal(400, "BadRequest", message, true);
        }

        static Refusal notFound(String message) {
            return new Refusal(404, "NotFound", message);
        }

        ObjectNode status() {
            return failure(code, reason, getMessage());
        }
    }

    static ObjectNode success() {
        return base().put("status", "Success");
    }

    static ObjectNode failure(int code, String reason, String message) {
        return base().put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    }

    /** What kubelet reports when an exec's command exits non-zero. */
    static ObjectNode exitCode(List<String> command, int exit) {
        ObjectNode s = base().put("status", "Failure")
                .put("message", "command terminated with non-zero exit code: error executing command "
                        + command + ": exit status " + exit)
                .put("reason", "NonZeroExitCode");
        s.putObject("details").putArray("causes").addObject().put("reason", "ExitCode")
                .put("message", Integer.toString(exit));
        return s;
    }

    private static ObjectNode base() {
        ObjectNode s = Json.object().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        return s;
    }

    static byte[] bytes(ObjectNode status) {
        return status.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Answers the request with {@code refusal} as a JSON Status and closes the connection. */
    static void respond(ChannelHandlerContext ctx, Refusal refusal) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(refusal.code), Unpooled.wrappedBuffer(bytes(refusal.status())));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}
