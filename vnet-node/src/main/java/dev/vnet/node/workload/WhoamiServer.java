package dev.vnet.node.workload;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The built-in {@code whoami} image: an HTTP server in the pod's namespace that answers with the pod's name,
 * IP and node and the client address it saw, so Services, load balancing and SNAT can be seen with curl.
 */
public final class WhoamiServer extends BuiltinServer {
    private final PodInfo pod;
    private final HttpServer server;
    private final ExecutorService handlers;

    public WhoamiServer(String containerName, PodInfo pod, int port, Path logFile) throws IOException {
        super(containerName, logFile);
        this.pod = pod;
        // The listening socket must be created inside the pod's namespace; it keeps that namespace after.
        this.server = NetNs.call(pod.netns(), () -> HttpServer.create(new InetSocketAddress(port), 64));
        this.handlers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "whoami-" + pod.podName());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
        running = true;
        log("whoami listening on :" + port + " in pod " + pod.podName());
    }

    private void handle(HttpExchange ex) throws IOException {
        InetSocketAddress remote = ex.getRemoteAddress();
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text);
        w.println("Hostname: " + pod.podName());
        w.println("IP: " + pod.podIp());
        w.println("Node: " + pod.nodeName());
        w.println("RemoteAddr: " + remote.getAddress().getHostAddress() + ":" + remote.getPort());
        w.println(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getProtocol());
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            for (String v : h.getValue()) {
                w.println(h.getKey() + ": " + v);
            }
        }
        w.flush();
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        log(remote.getAddress().getHostAddress() + " " + ex.getRequestMethod() + " " + ex.getRequestURI() + " 200");
    }

    @Override
    public void close() {
        running = false;
        server.stop(0);
        handlers.shutdownNow();
    }
}
