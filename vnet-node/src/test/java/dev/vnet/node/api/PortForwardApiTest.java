package dev.vnet.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.node.VnetNode;
import dev.vnet.node.dns.DnsLog;
import dev.vnet.node.proxy.ServiceSync;
import dev.vnet.node.router.FlowLog;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node side of a port-forward refuses, in one line, what it cannot connect: no pod, no port, a pod this
 * process does not run. (Connections into a pod's namespace need root: PortForwardIntegrationTest.)
 */
class PortForwardApiTest {
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

    private final PortForwardApi api = new PortForwardApi(host, (netns, port) -> {
        throw new AssertionError("nothing to connect to");
    });

    private String refusal(String pod, Integer port) {
        var req = Operation.PORT_FORWARD.request().put("namespace", "default");
        if (pod != null) {
            req.put("pod", pod);
        }
        if (port != null) {
            req.put("port", port);
        }
        return assertThrows(ApiException.class, () -> api.open(req)).getMessage();
    }

    @Test
    void onlyPortForwardIsAPipe() {
        assertTrue(api.pipes(Operation.PORT_FORWARD.wire()));
        assertTrue(!api.pipes(Operation.CAPTURE.wire()));
    }

    @Test
    void whatCannotBeConnectedIsOneLine() {
        assertEquals("port-forward needs a pod", refusal(null, 80));
        assertEquals("port-forward needs a port between 1 and 65535, not 0", refusal("web", 0));
        assertEquals("port-forward needs a port between 1 and 65535, not 70000", refusal("web", 70000));
        assertEquals("pods \"web\" not found (or not running on this node)", refusal("web", 80));
    }
}
