package dev.vnet.node.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.api.SubnetLeaseKind;
import dev.vnet.apiserver.controller.NodeLifecycle;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.node.lease.PeerSync;
import dev.vnet.overlay.PeerTable;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Joining, holding and losing a subnet lease, flannel-style, over the memory store (no root needed). */
class NodeLeaseTest {
    private static final Cidr POD_CIDR = Cidr.parse("10.244.0.0/16");
    private final MemoryStore store = new MemoryStore();

    @AfterEach
    void close() {
        store.close();
    }

    private Cidr register(String name, String ip) throws Exception {
        return NodeRegistration.register(store, name, Ipv4Address.parse(ip), POD_CIDR);
    }

    private Node node(String name) {
        return store.get(NodeKind.KIND, ClusterStore.key("", name)).orElseThrow().value();
    }

    @Test
    void aNodeTakesTheSubnetOfItsNumberAndKeepsItAcrossRegistrations() throws Exception {
        assertEquals(Cidr.parse("10.244.3.0/24"), register("node-3", "192.168.56.13"));
        assertEquals(Cidr.parse("10.244.3.0/24"), register("node-3", "192.168.56.13"));
        assertEquals("0a:58:0a:f4:03:00", node("node-3").getMetadata().getAnnotations().get(NodeKind.VTEP_MAC_ANNOTATION));
        assertEquals("Unknown", node("node-3").getStatus().getConditions().get(0).getStatus());
    }

    @Test
    void aNewAddressIsRecordedButTheSubnetStays() throws Exception {
        register("node-2", "192.168.56.12");
        assertEquals(Cidr.parse("10.244.2.0/24"), register("node-2", "192.168.56.99"));
        assertEquals("192.168.56.99", node("node-2").getStatus().getAddresses().get(0).getAddress());
    }

    @Test
    void aTakenOrMissingNumberGetsTheLowestFreeSubnet() throws Exception {
        register("node-1", "192.168.56.11");
        assertEquals(Cidr.parse("10.244.2.0/24"), register("worker", "192.168.56.20"));
        register("node-3", "192.168.56.13");
        assertEquals(Cidr.parse("10.244.4.0/24"), register("other", "192.168.56.21"));
    }

    @Test
    void preferredIndexReadsTheNameSuffix() {
        assertEquals(7, NodeRegistration.preferredIndex("node-7"));
        assertEquals(12, NodeRegistration.preferredIndex("worker12"));
        assertEquals(0, NodeRegistration.preferredIndex("control"));
        assertEquals(0, NodeRegistration.preferredIndex("n12345"));
    }

    @Test
    void aHeldLeaseMakesThePeerAndItsExpiryRemovesIt() throws Exception {
        register("node-1", "192.168.56.11");
        Cidr subnet2 = register("node-2", "192.168.56.12");
        PeerTable table = new PeerTable();
        List<String> told = new CopyOnWriteArrayList<>();
        try (PeerSync peers = new PeerSync("node-1", store, table, p -> told.add(p.nodeName()));
             NodeLifecycle lifecycle = new NodeLifecycle(store)) {
            LeaseKeeper keeper = new LeaseKeeper(store, "node-2", subnet2, Ipv4Address.parse("192.168.56.12"),
                    Duration.ofSeconds(2)).start();
            await(() -> table.peers().size() == 1, "node-2 became a peer of node-1");
            assertEquals("192.168.56.12", table.peers().get(0).underlayIp().toString());
            await(() -> NodeKind.ready(node("node-2")), "node-2 became Ready");
            SubnetLease lease = store.get(SubnetLease.KIND, SubnetLease.keyFor("10.244.2.0/24"), SubnetLease.class)
                    .orElseThrow().value();
            assertEquals("0a:58:0a:f4:02:00", lease.spec().vtepMAC());

            Thread.sleep(2500); // renewed meanwhile: still there after a whole TTL
            assertEquals(1, table.peers().size());
            assertEquals(List.of("node-2"), told, "told of the new peer once (its tunnel gets a first packet), "
                    + "not at every renewal");

            keeper.close(); // as a crash: no more renewals
            await(() -> table.peers().isEmpty(), "node-2's expired lease removed it from node-1's peers");
            await(() -> !NodeKind.ready(node("node-2")), "node-2 became NotReady");
            assertEquals("LeaseExpired", node("node-2").getStatus().getConditions().get(0).getReason());
            // The subnet stays the node's: a new node does not get it.
            assertEquals(Cidr.parse("10.244.3.0/24"), register("worker", "192.168.56.20"));
        }
    }

    @Test
    void aLeaseLostWhileTheNodeRunsIsTakenAgain() throws Exception {
        Cidr subnet = register("node-1", "192.168.56.11");
        LeaseKeeper keeper = new LeaseKeeper(store, "node-1", subnet, Ipv4Address.parse("192.168.56.11"),
                Duration.ofSeconds(3)).start();
        try {
            long first = keeper.leaseId();
            store.revokeLease(first); // as if it expired while the store was out of reach
            assertTrue(store.get(SubnetLease.KIND, SubnetLease.keyFor(subnet.toString()), SubnetLease.class).isEmpty());
            await(() -> keeper.leaseId() != first, "a new lease was taken");
            await(() -> store.get(SubnetLease.KIND, SubnetLease.keyFor(subnet.toString()), SubnetLease.class)
                    .isPresent(), "the subnet lease is back");
        } finally {
            keeper.release();
        }
        assertTrue(store.list(SubnetLeaseKind.KIND).isEmpty(), "release revokes the lease");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }
}
