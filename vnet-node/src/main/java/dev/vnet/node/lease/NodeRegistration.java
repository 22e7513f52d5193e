package dev.vnet.node.lease;

import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
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
            Optional<ClusterStore.Versioned<Node>> mine = store.get(NodeKind.KIND, ClusterStore.key("", name));
            if (mine.isPresent()) {
                Node have = mine.get().value();
                Cidr subnet = Cidr.parse(have.getSpec().getPodCIDR());
                Node want = node(name, subnet, underlayIp, have.getMetadata(), have.getStatus());
                if (!want.equals(have)) {
                    try {
                        store.update(NodeKind.KIND, ClusterStore.key("", name), want, mine.get().revision());
                    } catch (ClusterStore.ConflictException e) {
                        continue;
                    }
                }
                return subnet;
            }
            Cidr subnet = freeSubnet(store.list(NodeKind.KIND), podCidr, preferredIndex(name));
            try {
                store.create(NodeKind.KIND, ClusterStore.key("", name), node(name, subnet, underlayIp, null, null));
            } catch (ClusterStore.ConflictException e) {
                continue; // another process registered this name meanwhile: read it again
            }
            // Two new nodes may have picked the same free subnet at once: the later Node gives way.
            Node clash = store.list(NodeKind.KIND).stream()
                    .filter(n -> !NodeKind.name(n).equals(name) && subnet.toString().equals(n.getSpec().getPodCIDR()))
                    .findFirst().orElse(null);
            Node me = store.get(NodeKind.KIND, ClusterStore.key("", name)).map(ClusterStore.Versioned::value)
                    .orElse(null);
            if (clash != null && me != null && older(clash, me)) {
                store.delete(NodeKind.KIND, ClusterStore.key("", name));
                continue;
            }
            LOG.info("node registered: node=" + name + " podCIDR=" + subnet + " underlay=" + underlayIp);
            return subnet;
        }
        throw new ClusterStore.ConflictException("node " + name + " could not claim a pod subnet: too many "
                + "concurrent registrations, try again");
    }

    private static boolean older(Node a, Node b) {
        int byTime = a.getMetadata().getCreationTimestamp().compareTo(b.getMetadata().getCreationTimestamp());
        return byTime < 0 || (byTime == 0 && NodeKind.name(a).compareTo(NodeKind.name(b)) < 0);
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
        nodes.forEach(n -> used.add(n.getSpec().getPodCIDR()));
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

    private static Node node(String name, Cidr subnet, Ipv4Address underlayIp, ObjectMeta old, NodeStatus oldStatus) {
        List<NodeCondition> conditions = oldStatus != null && !oldStatus.getConditions().isEmpty()
                ? oldStatus.getConditions()
                : List.of(new NodeConditionBuilder().withType("Ready").withStatus("Unknown").withReason("NodeRegistered")
                        .withMessage("waiting for the node's subnet lease").build());
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(Map.of("kubernetes.io/hostname", name))
                .withAnnotations(Map.of(NodeKind.VTEP_MAC_ANNOTATION, MacAddress.forPodIp(subnet.network()).toString()))
                .withUid(old == null ? UUID.randomUUID().toString() : old.getUid())
                .withCreationTimestamp(old == null ? Instant.now().toString() : old.getCreationTimestamp()).endMetadata()
                .withNewSpec().withPodCIDR(subnet.toString()).withPodCIDRs(subnet.toString()).endSpec()
                .withNewStatus().withConditions(conditions).addNewAddress().withType("InternalIP")
                .withAddress(underlayIp.toString()).endAddress().addNewAddress().withType("Hostname").withAddress(name)
                .endAddress().endStatus().build();
    }
}
