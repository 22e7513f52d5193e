package dev.vnet.apiserver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A cluster-wide request goes to a node that answers: a node that holds its lease but whose API refuses or
 * hangs is passed over. The nodes here are real Kubernetes API servers (with vnet's operations), each on its own
 * port of 127.0.0.1, trusted through the cluster's CA in the store as a client of a real cluster trusts them.
 */
class ClusterClientFailoverTest {
    private static final String TOKEN = "t0ken";
    private final ClusterStore store = new MemoryStore();
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Each node's API port on 127.0.0.1, by node name. */
    private final Map<String, Integer> ports = new HashMap<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        store.close();
    }

    /** A node of the store holding its lease, whose API is (or would be) on a port of its own. */
    private void node(String name) throws Exception {
        ports.put(name, freePort());
        String ip = "192.0.2." + name.substring(name.length() - 1); // stored only: the test reaches ports.get(name)
        store.create(NodeKind.KIND, "/" + name, new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build());
        long lease = store.grantLease(java.time.Duration.ofSeconds(30));
        String cidr = "10.244." + name.substring(name.length() - 1) + ".0/24";
        store.putWithLease(SubnetLeaseKind.KIND.kind(), SubnetLease.keyFor(cidr),
                SubnetLease.of(name, cidr, ip, "0a:58:0a:f4:01:00", lease, 30), lease);
    }

    private ClusterClient client() {
        ClusterClient c = new ClusterClient(store, TOKEN,
                m -> URI.create("https://127.0.0.1:" + ports.get(m.name())));
        open.add(c);
        return c;
    }

    /** The API of the node that a read of namespaces reached: each node's own store has one named after it. */
    private static List<String> from(JsonNode namespaces) {
        List<String> out = new ArrayList<>();
        namespaces.path("items").forEach(i -> {
            String n = i.path("metadata").path("name").asString();
            if (n.startsWith("from-")) {
                out.add(n.substring(5));
            }
        });
        return out;
    }

    /**
     * A real node API: the Kubernetes verbs over a store of its own (with a namespace named after the node), and
     * vnet's operations answering with its name; its certificate is signed by the cluster's CA in the store.
     */
    private void answering(String name) throws Exception {
        MemoryStore own = new MemoryStore();
        open.add(own);
        dev.vnet.apiserver.ClusterBootstrap.ensureNamespaces(own);
        own.create(NamespaceKind.KIND, "/from-" + name, new NamespaceBuilder().withNewMetadata()
                .withName("from-" + name).endMetadata().build());
        Handlers h = new Handlers().add(Operation.PING, req -> Handlers.ok())
                .add(Operation.POLICY_CHECK, req -> Handlers.ok().put("from", name))
                .add(Operation.LOGS, req -> Handlers.ok().put("from", name));
        KubeApiServer s = KubeApiServer.listenOn(backend(own), Kinds.builtIn(),
                KubeCredentials.shared(store, TOKEN, List.of("127.0.0.1")),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), ports.get(name)));
        s.operations(h, null);
        open.add(s);
    }

    private static ApiBackend backend(ClusterStore own) {
        return new ApiBackend() {
            @Override
            public ClusterStore store() {
                return own;
            }

            @Override
            public ServiceAllocator allocator() {
                return ServiceAllocator.forNetwork(dev.vnet.apiserver.ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1", "node-2");
            }

            @Override
            public java.time.Duration settleTimeout() {
                return java.time.Duration.ZERO;
            }
        };
    }

    /** A process that accepts connections but never answers, as a stopped (SIGSTOP) or hung node would. */
    private void hung(String name) throws Exception {
        ServerSocket s = new ServerSocket(ports.get(name), 50, InetAddress.getByName("127.0.0.1"));
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

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** The cluster's API CA, as the first node process to start stores it. */
    private void clusterCa() throws Exception {
        KubeCredentials.clusterCa(store);
    }

    @Test
    void aNodeThatRefusesIsPassedOver() throws Exception {
        node("node-1"); // nothing listens there: refused
        node("node-2");
        answering("node-2");
        ClusterClient client = client();

        assertEquals("node-2", client.call(Operation.POLICY_CHECK.request()).path("from").asString());
        assertEquals(List.of("node-2"), from(client.list(NamespaceKind.KIND, null, false, null)));
    }

    @Test
    void aNodeThatHangsIsPassedOverWithinSeconds() throws Exception {
        node("node-1");
        node("node-2");
        hung("node-1");
        answering("node-2");
        ClusterClient client = client();

        long start = System.nanoTime();
        assertEquals("node-2", client.call(Operation.POLICY_CHECK.request()).path("from").asString());
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "the hung node held the client too long");
        // The node that answered is asked first next time: no second wait for the hung one.
        start = System.nanoTime();
        assertEquals("node-2", client.call(Operation.POLICY_CHECK.request()).path("from").asString());
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }

    @Test
    void aReadIsNotHeldByAHungNodeEither() throws Exception {
        node("node-1");
        node("node-2");
        hung("node-1");
        answering("node-2");
        ClusterClient client = client();

        long start = System.nanoTime();
        assertEquals(List.of("node-2"), from(client.list(NamespaceKind.KIND, null, false, null)));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "the hung node held the client too long");
        start = System.nanoTime();
        assertEquals(List.of("node-2"), from(client.list(NamespaceKind.KIND, null, false, null)));
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }

    @Test
    void noNodeAnsweringIsOneLine() throws Exception {
        node("node-1");
        clusterCa();
        ClusterClient client = client();

        String expected = "no node of the cluster answers (node-1 hold a lease but their APIs do not answer): are the "
                + "node processes running?";
        assertEquals(expected, assertThrows(ApiException.class,
                () -> client.call(Operation.POLICY_CHECK.request())).getMessage());
        assertEquals(expected, assertThrows(ApiException.class,
                () -> client.list(NamespaceKind.KIND, null, false, null)).getMessage());
    }

    @Test
    void withoutTheClustersCaNoNodeIsTrustedAndTheClientSaysWhy() throws Exception {
        node("node-1");
        ClusterClient client = client();

        String message = assertThrows(ApiException.class,
                () -> client.call(Operation.POLICY_CHECK.request())).getMessage();
        assertTrue(message.startsWith("the cluster has no API CA yet"), message);
    }

    @Test
    void aClientNeverSendsWhatOnlyNodesSendEachOther() throws Exception {
        node("node-1");
        ClusterClient client = client();
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
        node("node-1");
        node("node-2");
        answering("node-1");
        answering("node-2");
        pod("default", "web", "node-1");
        pod("prod", "web", "node-2");
        ClusterClient client = client();

        assertEquals("node-1", client.call(Operation.LOGS.request().put("pod", "web")).path("from").asString());
        assertEquals("node-2", client.call(Operation.LOGS.request().put("pod", "web").put("namespace", "prod"))
                .path("from").asString());
        assertEquals("node-2", client.call(Operation.LOGS.request().put("pod", "prod/web")).path("from").asString());
        assertEquals("pods \"web\" not found", assertThrows(ApiException.class, () -> client.call(
                Operation.LOGS.request().put("pod", "web").put("namespace", "dev"))).getMessage());
    }

    @Test
    void withItsNodeDownExecStillFindsThePodsNetnsByItsName() throws Exception {
        node("node-1"); // nothing listens there
        clusterCa();
        pod("prod", "web", "node-1");
        pod("default", "web", "node-1");
        ClusterClient client = client();

        assertEquals("web.prod", client.call(Operation.TARGET.request().put("name", "web").put("namespace", "prod"))
                .path("netns").asString());
        assertEquals("web.prod", client.call(Operation.TARGET.request().put("name", "prod/web")).path("netns").asString());
        assertEquals("web", client.call(Operation.TARGET.request().put("name", "web")).path("netns").asString());
    }
}
