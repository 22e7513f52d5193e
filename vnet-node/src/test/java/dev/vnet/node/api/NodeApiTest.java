package dev.vnet.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.ResourceApi;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A node process serves every operation of the API's table: the resource verbs, and its nodes' own. */
class NodeApiTest {
    private final MemoryStore store = new MemoryStore();

    private final NodeHost host = new NodeHost() {
        @Override
        public ClusterStore store() {
            return store;
        }

        @Override
        public ClusterNetwork network() {
            return ClusterNetwork.defaults();
        }

        @Override
        public List<VnetNode> nodes() {
            return List.of();
        }

        @Override
        public ServiceSync serviceSync(int i) {
            throw new IndexOutOfBoundsException(i);
        }

        @Override
        public String proxyMode() {
            return "iptables";
        }

        @Override
        public DnsLog dnsLog() {
            return new DnsLog();
        }

        @Override
        public FlowLog flowLog() {
            return new FlowLog();
        }

        @Override
        public Instant startedAt() {
            return Instant.EPOCH;
        }

        @Override
        public String outsideNs() {
            return "vnet-outside";
        }

        @Override
        public String[] underlayLink() {
            return new String[] {"vnet-outside", "vnet-ul"};
        }
    };

    private final ApiBackend backend = new ApiBackend() {
        @Override
        public ClusterStore store() {
            return store;
        }

        @Override
        public ServiceAllocator allocator() {
            return ServiceAllocator.forNetwork(ClusterNetwork.defaults());
        }

        @Override
        public List<String> nodeNames() {
            return List.of();
        }
    };

    @Test
    void everyOperationButTheLabsOwnTheStreamAndThePipeHasAHandler() {
        Handlers h = new Handlers();
        ResourceApi.register(h, backend);
        NodeApi.register(h, host);
        Set<String> want = new TreeSet<>();
        for (Operation op : EnumSet.complementOf(EnumSet.of(Operation.DOWN, Operation.CAPTURE, Operation.PORT_FORWARD))) {
            want.add(op.wire());
        }
        assertEquals(want, new TreeSet<>(h.ops()));
        assertTrue(NodeApi.streaming(host).handles(Operation.CAPTURE.wire()));
        assertTrue(NodeApi.streaming(host).pipes(Operation.PORT_FORWARD.wire()));
    }

    @Test
    void aNodeThatDoesNotExistIsOneLine() {
        Handlers h = new Handlers();
        NodeApi.register(h, host);
        assertEquals("nodes \"node-9\" not found", h.apply(Operation.CONNTRACK.request().put("node", "node-9"))
                .path("error").asString());
        assertEquals("pods \"web\" not found: targets are pod names, node/NAME or outside",
                h.apply(Operation.TARGET.request().put("name", "web")).path("error").asString());
        assertEquals("vnet-outside", h.apply(Operation.TARGET.request().put("name", "outside")).path("netns").asString());
    }
}
