package dev.vnet.node.workload;

import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;

/**
 * The built-in {@code whoami} image: an HTTP server in the pod's namespace that answers with the pod's name,
 * IP and node and the client address it saw, so Services, load balancing and SNAT can be seen with curl.
 */
public final class WhoamiServer extends HttpBuiltin {
    private final PodInfo pod;

    public WhoamiServer(String containerName, PodInfo pod, int port, Path logFile) throws IOException {
        // The listening socket must be created inside the pod's namespace; it keeps that namespace after.
        this(containerName, pod, NetNs.call(pod.netns(), () -> new ServerSocket(port, 64)), logFile);
    }

    /** Serves on a socket already bound (in the pod's namespace, or on 127.0.0.1 in tests). */
    WhoamiServer(String containerName, PodInfo pod, ServerSocket listener, Path logFile) {
        super(containerName, logFile, listener);
        this.pod = pod;
        start("whoami-" + pod.podName());
        log("whoami listening on :" + listener.getLocalPort() + " in pod " + pod.podName());
    }

    @Override
    Response answer(HttpRequest request, Socket socket) {
        InetSocketAddress remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        String client = remote.getAddress().getHostAddress() + ":" + remote.getPort();
        StringBuilder text = new StringBuilder(256);
        text.append("Hostname: ").append(pod.podName()).append('\n');
        text.append("IP: ").append(pod.podIp()).append('\n');
        text.append("Node: ").append(pod.nodeName()).append('\n');
        text.append("RemoteAddr: ").append(client).append('\n');
        text.append(request.method()).append(' ').append(request.target()).append(' ').append(request.version())
                .append('\n');
        for (HttpRequest.Header h : request.headers()) {
            text.append(h.name()).append(": ").append(h.value()).append('\n');
        }
        log(remote.getAddress().getHostAddress() + " " + request.method() + " " + request.target() + " 200");
        return Response.text(200, "OK", text.toString());
    }
}
