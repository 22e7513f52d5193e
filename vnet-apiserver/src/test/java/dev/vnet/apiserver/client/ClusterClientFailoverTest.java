package dev.vnet.apiserver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.server.ApiServer;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster-wide request goes to a node that answers: a node that holds its lease but whose API refuses or
 * hangs is passed over. The nodes here are APIs on loopback addresses of this machine (127.0.0.x).
 */
class ClusterClientFailoverTest {
    private static final String TOKEN = "t0ken";
    private final ClusterStore store = new MemoryStore();
    private final List<AutoCloseable> open = new ArrayList<>();
    private int port;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        store.close();
    }

    private void node(String name, String ip) throws Exception {
        store.create(NodeKind.KIND, "/" + name, new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build());
        long lease = store.grantLease(java.time.Duration.ofSeconds(30));
        String cidr = "10.244." + name.substring(name.length() - 1) + ".0/24";
        store.putWithLease(SubnetLeaseKind.KIND.kind(), SubnetLease.keyFor(cidr),
                SubnetLease.of(name, cidr, ip, "0a:58:0a:f4:01:00", lease, 30), lease);
    }

    /** A real API answering get with its own name. */
    private void answering(String ip, String name) throws Exception {
        Handlers h = new Handlers().add(Operation.PING, req -> Handlers.ok())
                .add(Operation.GET, req -> Handlers.ok().put("from", name))
                .add(Operation.LOGS, req -> Handlers.ok().put("from", name));
        open.add(ApiServer.tcp(new InetSocketAddress(InetAddress.getByName(ip), port), TOKEN, h, null));
    }

    /** A process that accepts connections but never answers, as a stopped (SIGSTOP) or hung node would. */
    private void hung(String ip) throws Exception {
        ServerSocket s = new ServerSocket(port, 50, InetAddress.getByName(ip));
        open.add(s);
        List<Socket> held = new ArrayList<>();
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    held.add(s.accept());
                }
            } catch (Exception closed) {
                // The test is over.
            }
        });
        t.setDaemon(true);
        t.start();
    }

    private int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void aNodeThatRefusesIsPassedOver() throws Exception {
        port = freePort();
        node("node-1", "127.0.0.1"); // nothing listens there: refused
        node("node-2", "127.0.0.2");
        answering("127.0.0.2", "node-2");
        ClusterClient client = new ClusterClient(store, TOKEN, port);

        assertEquals("node-2", client.call(Operation.GET.request()).path("from").asString());
    }

    @Test
    void aNodeThatHangsIsPassedOverWithinSeconds() throws Exception {
        port = freePort();
        node("node-1", "127.0.0.1");
        node("node-2", "127.0.0.2");
        hung("127.0.0.1");
        answering("127.0.0.2", "node-2");
        ClusterClient client = new ClusterClient(store, TOKEN, port);

        long start = System.nanoTime();
        assertEquals("node-2", client.call(Operation.GET.request()).path("from").asString());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "the hung node held the client too long");
        // The node that answered is asked first next time: no second wait for the hung one.
        start = System.nanoTime();
        assertEquals("node-2", client.call(Operation.GET.request()).path("from").asString());
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }

    @Test
    void noNodeAnsweringIsOneLine() throws Exception {
        port = freePort();
        node("node-1", "127.0.0.1");
        ClusterClient client = new ClusterClient(store, TOKEN, port);

        String message = assertThrows(ApiException.class, () -> client.call(Operation.GET.request())).getMessage();
        assertEquals("no node of the cluster answers (node-1 hold a lease but their APIs do not answer): are the "
                + "node processes running?", message);
    }

    @Test
    void aClientNeverSendsWhatOnlyNodesSendEachOther() throws Exception {
        port = freePort();
        node("node-1", "127.0.0.1");
        ClusterClient client = new ClusterClient(store, TOKEN, port);
        assertTrue(assertThrows(ApiException.class, () -> client.call(Operation.TRACE_ARM.request())).getMessage()
                .contains("not by a client"));
        assertTrue(assertThrows(ApiException.class, () -> client.call(Operation.DOWN.request())).getMessage()
                .contains("cluster of node processes"));
    }

    private void pod(String namespace, String name, String node) throws Exception {
        store.create(dev.vnet.apiserver.api.PodKind.KIND, namespace + "/" + name, new io.fabric8.kubernetes.api.model
                .PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata().withNewSpec()
                .withNodeName(node).endSpec().build());
    }

    @Test
    void aPodIsAskedOfTheNodeOfThePodInItsNamespace() throws Exception {
        port = freePort();
        node("node-1", "127.0.0.1");
        node("node-2", "127.0.0.2");
        answering("127.0.0.1", "node-1");
        answering("127.0.0.2", "node-2");
        pod("default", "web", "node-1");
        pod("prod", "web", "node-2");
        ClusterClient client = new ClusterClient(store, TOKEN, port);

        assertEquals("node-1", client.call(Operation.LOGS.request().put("pod", "web")).path("from").asString());
        assertEquals("node-2", client.call(Operation.LOGS.request().put("pod", "web").put("namespace", "prod"))
                .path("from").asString());
        assertEquals("node-2", client.call(Operation.LOGS.request().put("pod", "prod/web")).path("from").asString());
        assertEquals("pods \"web\" not found", assertThrows(ApiException.class, () -> client.call(
                Operation.LOGS.request().put("pod", "web").put("namespace", "dev"))).getMessage());
    }

    @Test
    void withItsNodeDownExecStillFindsThePodsNetnsByItsName() throws Exception {
        port = freePort();
        node("node-1", "127.0.0.1"); // nothing listens there
        pod("prod", "web", "node-1");
        pod("default", "web", "node-1");
        ClusterClient client = new ClusterClient(store, TOKEN, port);

        assertEquals("web.prod", client.call(Operation.TARGET.request().put("name", "web").put("namespace", "prod"))
                .path("netns").asString());
        assertEquals("web.prod", client.call(Operation.TARGET.request().put("name", "prod/web")).path("netns").asString());
        assertEquals("web", client.call(Operation.TARGET.request().put("name", "web")).path("netns").asString());
    }
}
