package dev.vnet.node;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.node.model.Node;
import dev.vnet.node.store.ClusterStore;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.PeerTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Programs a node's overlay peer table from the cluster's Node resources, flannel-style: one peer per other
 * Ready node, from its pod CIDR, its InternalIP (underlay) and its VTEP MAC annotation.
 *
 * <p>Every Node event triggers one full {@link #sync}, the table's only writer: it rebuilds the peer set from
 * the store and installs it at once, so it is idempotent and a missed event cannot leave a stale peer.
 */
public final class PeerSync implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerSync.class.getName());
    /** Annotation on a Node that carries its VTEP MAC (flannel keeps it in its backend-data annotation). */
    public static final String VTEP_MAC_ANNOTATION = "vnet.dev/vtep-mac";

    private final String self;
    private final ClusterStore store;
    private final PeerTable table;
    private final ClusterStore.Watch watch;

    public PeerSync(String self, ClusterStore store, PeerTable table) {
        this.self = self;
        this.store = store;
        this.table = table;
        sync();
        this.watch = store.watch(Node.KIND, store.revision(), e -> sync());
    }

    /** Rebuilds the peer table from the store. */
    public synchronized void sync() {
        List<Peer> peers = new ArrayList<>();
        for (Node n : store.list(Node.KIND, Node.class)) {
            if (n.name().equals(self) || !n.ready()) {
                continue;
            }
            Peer p = toPeer(n);
            if (p != null) {
                peers.add(p);
            }
        }
        Set<String> before = names(table.peers());
        Set<String> after = names(peers);
        table.replace(peers);
        if (!before.equals(after)) {
            for (Peer p : peers) {
                if (!before.contains(p.nodeName())) {
                    LOG.info("overlay peer added: node=" + self + " peer=" + p.nodeName() + " subnet=" + p.podSubnet()
                            + " underlay=" + p.underlayIp() + " vtepMac=" + p.vtepMac());
                }
            }
            before.stream().filter(n -> !after.contains(n))
                    .forEach(n -> LOG.info("overlay peer removed: node=" + self + " peer=" + n));
        }
    }

    private static Peer toPeer(Node n) {
        Map<String, String> ann = n.metadata().annotations();
        String mac = ann == null ? null : ann.get(VTEP_MAC_ANNOTATION);
        String ip = n.status().addresses().stream().filter(a -> a.type().equals("InternalIP"))
                .map(Node.Address::address).findFirst().orElse(null);
        if (mac == null || ip == null || n.spec() == null || n.spec().podCIDR() == null) {
            LOG.warning("node " + n.name() + " lacks a pod CIDR, InternalIP or VTEP MAC: not an overlay peer");
            return null;
        }
        return Peer.of(n.name(), Cidr.parse(n.spec().podCIDR()), Ipv4Address.parse(ip), MacAddress.parse(mac));
    }

    private static Set<String> names(List<Peer> peers) {
        Set<String> out = new TreeSet<>();
        peers.forEach(p -> out.add(p.nodeName()));
        return out;
    }

    @Override
    public void close() {
        watch.close();
    }
}
