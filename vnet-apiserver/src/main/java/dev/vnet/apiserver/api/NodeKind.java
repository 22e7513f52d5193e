package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;

/**
 * Nodes: each registers itself with its pod subnet ({@code spec.podCIDR}), its underlay address (InternalIP) and
 * its VTEP MAC (an annotation, as flannel keeps its backend data); Ready follows its subnet lease.
 */
public final class NodeKind {
    /** Annotation on a Node that carries its VTEP MAC (flannel keeps it in its backend-data annotation). */
    public static final String VTEP_MAC_ANNOTATION = "vnet.dev/vtep-mac";

    public static final Kind<Node> KIND = Kind.of(Node.class).shortNames("no")
            .managedBy("each node itself, when its process starts (`vnet up --nodes N`, or `vnet node`)")
            .column(Column.of("NAME", n -> n.getMetadata().getName()))
            .column(Column.wide("UNDERLAY-IP", n -> orEmpty(internalIp(n))))
            .column(Column.wide("POD-CIDR", n -> orEmpty(n.getSpec() == null ? null : n.getSpec().getPodCIDR())))
            .column(Column.wide("VTEP-MAC", n -> n.getMetadata().getAnnotations().getOrDefault(VTEP_MAC_ANNOTATION,
                    "<none>")))
            .column(Column.of("STATUS", n -> ready(n) ? "Ready" : "NotReady"))
            .column(Column.of("LEASE", NodeKind::lease, true))
            .column(Column.of("AGE", (n, ctx) -> Ages.of(n, ctx.now()), false))
            .describer(NodeKind::describe)
            .build();

    private NodeKind() {
    }

    public static String name(Node n) {
        return n.getMetadata().getName();
    }

    public static boolean ready(Node n) {
        return n.getStatus() != null && n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The Ready condition's status (True, False, Unknown), or null when none is set. */
    public static String readyStatus(Node n) {
        return n.getStatus() == null ? null : n.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())).map(NodeCondition::getStatus).findFirst().orElse(null);
    }

    /** The node's underlay address (its InternalIP), or null. */
    public static String internalIp(Node n) {
        return n.getStatus() == null ? null : n.getStatus().getAddresses().stream()
                .filter(a -> "InternalIP".equals(a.getType())).map(NodeAddress::getAddress).findFirst().orElse(null);
    }

    /** A node's subnet lease as `get nodes -o wide` shows it: 10.244.2.0/24 (27s/30s), or {@code <expired>}. */
    private static String lease(Node n, PrintContext ctx) {
        return ctx.related(SubnetLeaseKind.KIND).stream().filter(l -> l.spec().node().equals(name(n))).findFirst()
                .map(l -> l.spec().podCIDR() + " (" + SubnetLeaseKind.remaining(l) + "/" + l.spec().ttlSeconds() + "s)")
                .orElse("<expired>");
    }

    /** kubectl's node description, with the node's subnet lease (flanneld's) where kubectl shows its Lease. */
    private static Description describe(Node n, DescribeContext ctx) {
        Description d = Description.head(n)
                .field("PodCIDR:", orEmpty(n.getSpec() == null ? null : n.getSpec().getPodCIDR()));
        java.util.List<String> addresses = new java.util.ArrayList<>();
        if (n.getStatus() != null) {
            n.getStatus().getAddresses().forEach(a -> addresses.add(a.getType() + ": " + a.getAddress()));
        }
        d.field("Addresses:", addresses.isEmpty() ? "<none>" : String.join(", ", addresses));
        d.line("Conditions:");
        d.line(String.format("  %-8s%-9s%-18s%s", "Type", "Status", "Reason", "Message"));
        if (n.getStatus() != null) {
            for (NodeCondition c : n.getStatus().getConditions()) {
                d.line(String.format("  %-8s%-9s%-18s%s", c.getType(), c.getStatus(), orEmpty(c.getReason()),
                        orEmpty(c.getMessage())));
            }
        }
        String cidr = n.getSpec() == null ? null : n.getSpec().getPodCIDR();
        String lease = cidr == null ? "<none>" : ctx.get(SubnetLeaseKind.KIND, null, SubnetLease.nameFor(cidr))
                .map(l -> l.spec().podCIDR() + " (" + SubnetLeaseKind.remaining(l) + " of " + l.spec().ttlSeconds()
                        + "s left), underlay " + l.spec().underlayIP())
                .orElse("<expired>: the node stopped renewing it");
        return d.field("Subnet Lease:", lease).field("Events:", "<none>");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
