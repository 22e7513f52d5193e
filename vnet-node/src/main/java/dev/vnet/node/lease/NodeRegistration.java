package dev.vnet.node.lease;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.node.lease.PeerSync;
import dev.vnet.apiserver.api.Node;
import dev.vnet.apiserver.api.ObjectMeta;
import dev.vnet.apiserver.store.ClusterStore;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * A node's first step on joining: its Node resource, which records the pod subnet it owns for good. A node
 * that restarts finds its Node and keeps its subnet (and so its pods' addresses); a new node takes the /24 of
 * its number (node-3 → 10.244.3.0/24) if free, else the lowest free one. Only deleting the Node (an operator's
 * `vnet delete node`) frees a subnet: an expired lease does not.
 */
public final class NodeRegistration {
    private static final Logger LOG = Logger.getLogger(NodeRegistration.class.getName());

    private NodeRegistration() {
    }

    /** Creates or refreshes the Node resource of {@code name}; returns the subnet it owns. */
    public static Cidr register(ClusterStore store, String name, Ipv4Address underlayIp, Cidr podCidr)
            throws ClusterStore.ConflictException {
        for (int attempt = 0; attempt < 10; attempt++) {
            Optional<ClusterStore.Versioned<Node>> mine = store.get(Node.KIND, ClusterStore.key("", name), Node.class);
            if (mine.isPresent()) {
                Node have = mine.get().value();
                Cidr subnet = Cidr.parse(have.spec().podCIDR());
                Node want = node(name, subnet, underlayIp, have.metadata(), have.status());
                if (!want.equals(have)) {
                    try {
                        store.update(Node.KIND, ClusterStore.key("", name), want, mine.get().revision());
                    } catch (ClusterStore.ConflictException e) {
                        continue;
                    }
                }
                return subnet;
            }
            Cidr subnet = freeSubnet(store.list(Node.KIND, Node.class), podCidr, preferredIndex(name));
            try {
                store.create(Node.KIND, ClusterStore.key("", name), node(name, subnet, underlayIp, null, null));
            } catch (ClusterStore.ConflictException e) {
                continue; // another process registered this name meanwhile: read it again
            }
            // Two new nodes may have picked the same free subnet at once: the later Node gives way.
            Node clash = store.list(Node.KIND, Node.class).stream()
                    .filter(n -> !n.name().equals(name) && subnet.toString().equals(n.spec().podCIDR()))
                    .findFirst().orElse(null);
            Node me = store.get(Node.KIND, ClusterStore.key("", name), Node.class).map(ClusterStore.Versioned::value)
                    .orElse(null);
            if (clash != null && me != null && older(clash, me)) {
                store.delete(Node.KIND, ClusterStore.key("", name));
                continue;
            }
            LOG.info("node registered: node=" + name + " podCIDR=" + subnet + " underlay=" + underlayIp);
            return subnet;
        }
        throw new ClusterStore.ConflictException("node " + name + " could not claim a pod subnet: too many "
                + "concurrent registrations, try again");
    }

    private static boolean older(Node a, Node b) {
        int byTime = a.metadata().creationTimestamp().compareTo(b.metadata().creationTimestamp());
        return byTime < 0 || (byTime == 0 && a.name().compareTo(b.name()) < 0);
    }

    /** node-3 → 3; a name without a number → 0 (no preference). */
    static int preferredIndex(String name) {
        int i = name.length();
        while (i > 0 && Character.isDigit(name.charAt(i - 1))) {
            i--;
        }
        if (i == name.length() || name.length() - i > 3) {
            return 0;
        }
        return Integer.parseInt(name.substring(i));
    }

    static Cidr freeSubnet(List<Node> nodes, Cidr podCidr, int preferred) {
        Set<String> used = new HashSet<>();
        nodes.forEach(n -> used.add(n.spec().podCIDR()));
        int count = 1 << (24 - podCidr.prefixLength());
        if (preferred > 0 && preferred < count && !used.contains(subnet(podCidr, preferred).toString())) {
            return subnet(podCidr, preferred);
        }
        for (int i = 1; i < count; i++) {
            if (!used.contains(subnet(podCidr, i).toString())) {
                return subnet(podCidr, i);
            }
        }
        throw new IllegalStateException("no free /24 left in the pod CIDR " + podCidr);
    }

    static Cidr subnet(Cidr podCidr, int index) {
        return new Cidr(podCidr.network().plus(index << 8), 24);
    }

    private static Node node(String name, Cidr subnet, Ipv4Address underlayIp, ObjectMeta old, Node.Status oldStatus) {
        ObjectMeta meta = new ObjectMeta(name, null, Map.of("kubernetes.io/hostname", name),
                Map.of(PeerSync.VTEP_MAC_ANNOTATION, MacAddress.forPodIp(subnet.network()).toString()),
                old == null ? UUID.randomUUID().toString() : old.uid(),
                old == null ? Instant.now().toString() : old.creationTimestamp(), null);
        List<Node.Condition> conditions = oldStatus != null && oldStatus.conditions() != null ? oldStatus.conditions()
                : List.of(new Node.Condition("Ready", "Unknown", "NodeRegistered", "waiting for the node's subnet lease"));
        return new Node("v1", Node.KIND, meta, new Node.Spec(subnet.toString(), List.of(subnet.toString())),
                new Node.Status(conditions, List.of(new Node.Address("InternalIP", underlayIp.toString()),
                        new Node.Address("Hostname", name))));
    }
}
