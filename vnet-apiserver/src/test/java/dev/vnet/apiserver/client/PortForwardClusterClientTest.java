package dev.vnet.apiserver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.Streaming;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A cluster client sends a port-forward to the node of the pod it names, found in the store, over the node API
 * with the token, as a WebSocket to its Kubernetes API server. The node is that server on 127.0.0.1, trusted through
 * the cluster's CA in the store, whose pipes lead to a TCP socket of the test that names the pod it was asked for.
 */
@Timeout(30)
class PortForwardClusterClientTest {
    private static final String TOKEN = "t0ken";
    private final MemoryStore store = new MemoryStore();
    private KubeApiServer node;
    private ServerSocketChannel pod;

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        if (node != null) {
            node.close();
        }
        if (pod != null) {
            pod.close();
        }
        store.close();
    }

    private void start() throws Exception {
        store.create(NodeKind.KIND, "/node-1", new NodeBuilder().withNewMetadata().withName("node-1").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .endStatus().build());
        long lease = store.grantLease(java.time.Duration.ofSeconds(30));
        store.putWithLease(SubnetLeaseKind.KIND.kind(), SubnetLease.keyFor("10.244.1.0/24"),
                SubnetLease.of("node-1", "10.244.1.0/24", "127.0.0.1", "0a:58:0a:f4:01:00", lease, 30), lease);
        for (String[] p : new String[][] {{"web", "node-1"}, {"lost", "node-9"}}) {
            store.create(PodKind.KIND, "default/" + p[0], new PodBuilder().withNewMetadata().withName(p[0])
                    .withNamespace("default").endMetadata().withNewSpec().withNodeName(p[1]).endSpec().build());
        }
        pod = ServerSocketChannel.open();
        pod.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        var podAddress = pod.getLocalAddress();
        node = KubeApiServer.listenOn(backend(), Kinds.builtIn(), KubeCredentials.shared(store, TOKEN,
                List.of("127.0.0.1")), new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        node.operations(new Handlers(), new Streaming() {
                    @Override
                    public boolean handles(String op) {
                        return false;
                    }

                    @Override
                    public void stream(JsonNode request, OutputStream out, CountDownLatch clientGone) {
                        throw new AssertionError("no streams here");
                    }

                    @Override
                    public boolean pipes(String op) {
                        return op.equals(Operation.PORT_FORWARD.wire());
                    }

                    @Override
                    public SocketChannel openPipe(JsonNode request) throws java.io.IOException {
                        SocketChannel to = SocketChannel.open(podAddress);
                        try (SocketChannel accepted = pod.accept()) {
                            accepted.write(ByteBuffer.wrap(("pod " + request.path("pod").asString() + " port "
                                    + request.path("port").asInt()).getBytes(StandardCharsets.UTF_8)));
                        }
                        return to;
                    }
                });
    }

    private ApiBackend backend() {
        return new ApiBackend() {
            @Override
            public ClusterStore store() {
                return store;
            }

            @Override
            public ServiceAllocator allocator() {
                return ServiceAllocator.forNetwork(dev.vnet.apiserver.ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1");
            }
        };
    }

    /** The local end of the pipe, as `vnet port-forward` joins an accepted connection to it. */
    private SocketChannel joined(WebSocketPipe pipe) throws java.io.IOException {
        Path p = dir.resolve("local.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(p));
            SocketChannel mine = SocketChannel.open(UnixDomainSocketAddress.of(p));
            SocketChannel theirs = s.accept();
            Thread t = new Thread(() -> {
                try (pipe; theirs) {
                    pipe.join(theirs, "pipe-test-back");
                } catch (java.io.IOException ignored) {
                    // Closing anyway.
                }
            }, "pipe-test");
            t.setDaemon(true);
            t.start();
            return mine;
        }
    }

    @Test
    void thePipeGoesToThePodsNode() throws Exception {
        start();
        try (ClusterClient client = new ClusterClient(store, TOKEN, node.port());
             SocketChannel ch = joined(client.pipe(Operation.PORT_FORWARD.request().put("pod", "web")
                     .put("port", 80)))) {
            ByteBuffer b = ByteBuffer.allocate(100);
            while (ch.read(b) >= 0) {
                // until the test's pod has said its line and closed
            }
            assertEquals("pod web port 80", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPodNobodyRunsIsOneLine() throws Exception {
        start();
        try (ClusterClient client = new ClusterClient(store, TOKEN, node.port())) {
            ApiException missing = assertThrows(ApiException.class,
                    () -> client.pipe(Operation.PORT_FORWARD.request().put("pod", "nope").put("port", 80)));
            assertEquals("pods \"nope\" not found", missing.getMessage());
            ApiException lost = assertThrows(ApiException.class,
                    () -> client.pipe(Operation.PORT_FORWARD.request().put("pod", "lost").put("port", 80)));
            assertEquals("nodes \"node-9\" not found", lost.getMessage());
        }
    }
}
