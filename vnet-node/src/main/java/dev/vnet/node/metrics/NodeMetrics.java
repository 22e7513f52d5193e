package dev.vnet.node.metrics;

import dev.vnet.core.linux.NetNs;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.net.InetAddress;
import java.util.logging.Logger;

/**
 * A node's Prometheus endpoint: {@code http://192.168.56.(10+N):9090/metrics}, served from inside the node's
 * network namespace, so it is reached over the underlay as a real node's exporter would be
 * ({@code vnet exec outside -- curl -s http://192.168.56.11:9090/metrics}).
 *
 * <p>Design notes. Every metric is a callback that reads the stage's own counters when Prometheus scrapes;
 * the data path counts once, in the stages, and never learns that metrics exist. Each node has its own
 * registry (not the library's default one), since one process runs every node of the lab and their series
 * must not mix. All series carry the label {@code node}; port, route and drop series add {@code port},
 * {@code route} and {@code reason} (the {@link dev.vnet.core.packet.DropReason} in lower case). Names follow
 * Prometheus' conventions: {@code vnet_} prefix, {@code _total} on counters, {@code _bytes} for bytes.
 *
 * <p>A socket belongs to the namespace of the thread that creates it, and the exporter creates its socket
 * when it is built: so it is built on a thread that entered the node's namespace. The server's own threads
 * (dispatcher and handlers) are started from that thread, live only for the server, and are daemons.
 */
public final class NodeMetrics implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeMetrics.class.getName());
    /** The port each node serves {@code /metrics} on, as node exporters commonly do. */
    public static final int DEFAULT_PORT = 9090;

    private final String node;
    private final HTTPServer server;

    private NodeMetrics(String node, HTTPServer server) {
        this.node = node;
        this.server = server;
    }

    /**
     * A registry with every metric of {@code node}, read at scrape time.
     *
     * @param dns the cluster DNS log to export too, or null; it counts all nodes together (no node label)
     */
    public static PrometheusRegistry registry(VnetNode node, DnsLog dns) {
        PrometheusRegistry registry = new PrometheusRegistry();
        MetricSet m = new MetricSet(registry, Labels.of("node", node.config().name()));
        DataPathMetrics.register(m, node.bridge(), node.gateway(), node.router().counters(), node.vtep());
        ServiceMetrics.register(m, node.proxy());
        if (dns != null) {
            ServiceMetrics.registerDns(new MetricSet(registry, Labels.EMPTY), dns);
        }
        return registry;
    }

    /** Serves {@code node}'s metrics (without DNS) at {@code address:port} inside namespace {@code netns}. */
    public static NodeMetrics start(VnetNode node, String netns, InetAddress address, int port) throws IOException {
        return start(node, null, netns, address, port);
    }

    /** Serves {@code node}'s metrics, and {@code dns}'s if not null, on its underlay address, port 9090. */
    public static NodeMetrics start(VnetNode node, DnsLog dns) throws IOException {
        return start(node, dns, node.config().netns(),
                InetAddress.getByAddress(node.config().underlayIp().toBytes()), DEFAULT_PORT);
    }

    /**
     * Serves {@code node}'s metrics at {@code http://address:port/metrics} inside namespace {@code netns}.
     *
     * @param dns the cluster DNS log to export too, or null
     * @throws IOException if the namespace cannot be entered or the port cannot be bound there
     */
    public static NodeMetrics start(VnetNode node, DnsLog dns, String netns, InetAddress address, int port)
            throws IOException {
        PrometheusRegistry registry = registry(node, dns);
        String name = node.config().name();
        HTTPServer server;
        try {
            server = NetNs.call(netns, () -> HTTPServer.builder().inetAddress(address).port(port)
                    .registry(registry).buildAndStart());
        } catch (IOException e) {
            throw new IOException("cannot serve metrics of " + name + " at " + address.getHostAddress() + ":" + port
                    + " in namespace " + netns + ": " + e.getMessage(), e);
        }
        LOG.info("metrics up: node=" + name + " netns=" + netns + " url=http://" + address.getHostAddress() + ":"
                + server.getPort() + "/metrics");
        return new NodeMetrics(name, server);
    }

    /** The port the endpoint listens on (useful when started with port 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
        LOG.info("metrics down: node=" + node);
    }
}
