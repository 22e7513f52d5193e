package dev.vnet.node.api;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.core.linux.NetNs;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import tools.jackson.databind.JsonNode;

/**
 * {@code vnet port-forward}'s node side, as kubelet does it: for each connection the CLI accepted, this node opens
 * a TCP connection to the pod's port on 127.0.0.1 inside the pod's network namespace (so a server bound to the
 * pod's loopback only is reached too, and no packet crosses the pod's eth0, the bridge or a NetworkPolicy), and
 * the API server joins it to the API connection. Only pods this process runs are reached: a cluster client sends
 * the request to the pod's node.
 */
final class PortForwardApi {
    /** Opens a TCP connection to {@code port} on the loopback of namespace {@code netns}. */
    @FunctionalInterface
    interface Connector {
        SocketChannel connect(String netns, int port) throws IOException;
    }

    /** Loopback connects are answered at once (accepted or refused); this bounds a pod whose backlog is full. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    private final NodeHost lab;
    private final Connector connector;

    PortForwardApi(NodeHost lab) {
        this(lab, PortForwardApi::connectInside);
    }

    PortForwardApi(NodeHost lab, Connector connector) {
        this.lab = lab;
        this.connector = connector;
    }

    boolean pipes(String op) {
        return op.equals(Operation.PORT_FORWARD.wire());
    }

    /** The pod's end of one forwarded connection, or the one line that says why there is none. */
    SocketChannel open(JsonNode req) throws ApiException {
        String name = req.path("pod").asString("");
        String key = PodKind.refKey(name, req.path("namespace").asString(""));
        int port = req.path("port").asInt(0);
        if (name.isEmpty()) {
            throw new ApiException("port-forward needs a pod");
        }
        if (port < 1 || port > 65535) {
            throw new ApiException("port-forward needs a port between 1 and 65535, not " + req.path("port"));
        }
        RunningPod pod = null;
        for (VnetNode n : lab.nodes()) {
            pod = pod != null ? pod : n.pods().get(key);
        }
        if (pod == null) {
            throw new ApiException("pods \"" + name + "\" not found (or not running on this node)");
        }
        String podName = pod.name();
        try {
            return connector.connect(pod.sandbox().spec().netns(), port);
        } catch (ConnectException e) {
            throw new ApiException("error forwarding port " + port + " to pod " + podName + ": "
                    + (e.getMessage() != null && e.getMessage().contains("refused") ? "connection refused"
                    : e.getMessage()));
        } catch (IOException e) {
            throw new ApiException("error forwarding port " + port + " to pod " + podName + ": " + e.getMessage());
        }
    }

    /** The socket is made in the pod's namespace (it keeps it); the connect may then run on any thread. */
    private static SocketChannel connectInside(String netns, int port) throws IOException {
        SocketChannel ch = NetNs.call(netns, SocketChannel::open);
        try {
            ch.socket().connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), CONNECT_TIMEOUT_MILLIS);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }
}
