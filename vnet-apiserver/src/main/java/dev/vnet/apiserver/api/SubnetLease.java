package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A node's live claim on its pod subnet, as flannel keeps one per node under {@code /coreos.com/network/subnets}:
 * written under a store lease that the node keeps alive, so it vanishes when the node stops renewing it. It
 * carries what the other nodes need to reach the subnet over VXLAN: the node's underlay IP and VTEP MAC.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record SubnetLease(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
    public static final String KIND = "SubnetLease";

    /**
     * @param leaseId    the store lease the key is bound to
     * @param ttlSeconds the lease's TTL: the node renews it every third of that
     */
    public record Spec(String node, String podCIDR, String underlayIP, String vtepMAC, long leaseId, long ttlSeconds) {}

    /** The key of a subnet's lease: the subnet as flannel writes it, 10.244.2.0-24. */
    public static String keyFor(String podCidr) {
        return "/" + podCidr.replace('/', '-');
    }

    public static SubnetLease of(String node, String podCidr, String underlayIp, String vtepMac, long leaseId,
                                 long ttlSeconds) {
        return new SubnetLease("vnet.dev/v1", KIND, new ObjectMeta(podCidr.replace('/', '-'), null, null, null, null,
                java.time.Instant.now().toString(), null),
                new Spec(node, podCidr, underlayIp, vtepMac, leaseId, ttlSeconds));
    }
}
