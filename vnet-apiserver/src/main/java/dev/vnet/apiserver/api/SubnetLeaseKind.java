package dev.vnet.apiserver.api;

/**
 * Subnet leases (vnet.dev/v1): a node's live claim on its pod subnet, bound to a store lease it keeps alive.
 * The store knows how long each has left: the API server writes it into the annotation
 * {@value #REMAINING_ANNOTATION} of what it returns (never into the store).
 */
public final class SubnetLeaseKind {
    /** Seconds left of the lease's TTL, as the API server read it from the store. */
    public static final String REMAINING_ANNOTATION = "vnet.dev/remaining-seconds";

    public static final Kind<SubnetLease> KIND = Kind.of(SubnetLease.class)
            .managedBy("each node's lease keeper (flanneld's role): it renews its lease while it runs")
            .column(Column.of("NAME", l -> l.getMetadata().getName()))
            .column(Column.of("NODE", l -> l.spec().node()))
            .column(Column.of("SUBNET", l -> l.spec().podCIDR()))
            .column(Column.of("UNDERLAY-IP", l -> l.spec().underlayIP()))
            .column(Column.wide("VTEP-MAC", l -> l.spec().vtepMAC()))
            .column(Column.of("TTL", l -> remaining(l) + "/" + l.spec().ttlSeconds() + "s"))
            .build();

    private SubnetLeaseKind() {
    }

    /** "27s", or "?" when the API server did not say. */
    static String remaining(SubnetLease l) {
        String s = l.getMetadata().getAnnotations().get(REMAINING_ANNOTATION);
        return s == null ? "?" : s + "s";
    }
}
