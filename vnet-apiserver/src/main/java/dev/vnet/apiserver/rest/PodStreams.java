package dev.vnet.apiserver.rest;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The pod subresources that stream, as kubelet serves them behind the API server: {@code log} (with
 * {@code follow}), {@code exec} and {@code attach} (the WebSocket channel protocols kubectl speaks), and
 * {@code portforward}. The Kubernetes API server hands such a request over whole: from then on the handler owns
 * the channel (it may upgrade it to a WebSocket, stream a body, or answer an error Status).
 */
public interface PodStreams {
    /** The subresources this handles. */
    java.util.Set<String> subresources();

    /**
     * Serves {@code subresource} of pod {@code namespace}/{@code pod} on {@code ctx}'s channel. The request has
     * been authenticated; the pod's existence is for the handler to check (a 404 Status if it is not there).
     */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, String namespace,
                String pod, String subresource);
}
