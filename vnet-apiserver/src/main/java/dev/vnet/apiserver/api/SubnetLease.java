package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.Objects;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A node's live claim on its pod subnet, as flannel keeps one per node under {@code /coreos.com/network/subnets}:
 * written under a store lease that the node keeps alive, so it vanishes when the node stops renewing it. It
 * carries what the other nodes need to reach the subnet over VXLAN: the node's underlay IP and VTEP MAC.
 * A resource of vnet's own group, {@code vnet.dev/v1}, named after the subnet (10.244.2.0-24).
 */
// A plain bean: HasMetadata's own deserializer would look the kind up among fabric8's types.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Group("vnet.dev")
@Version("v1")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public final class SubnetLease implements HasMetadata {
    public static final String KIND = "SubnetLease";

    /**
     * @param leaseId    the store lease the key is bound to
     * @param ttlSeconds the lease's TTL: the node renews it every third of that
     */
    public record Spec(String node, String podCIDR, String underlayIP, String vtepMAC, long leaseId, long ttlSeconds) {}

    private String apiVersion = "vnet.dev/v1";
    private String kind = KIND;
    private ObjectMeta metadata;
    private Spec spec;

    public SubnetLease() {
    }

    public SubnetLease(ObjectMeta metadata, Spec spec) {
        this.metadata = metadata;
        this.spec = spec;
    }

    /** The name of a subnet's lease: the subnet as flannel writes it, 10.244.2.0-24. */
    public static String nameFor(String podCidr) {
        return podCidr.replace('/', '-');
    }

    /** The store key of a subnet's lease (cluster-scoped: no namespace). */
    public static String keyFor(String podCidr) {
        return "/" + nameFor(podCidr);
    }

    public static SubnetLease of(String node, String podCidr, String underlayIp, String vtepMac, long leaseId,
                                 long ttlSeconds) {
        return new SubnetLease(new ObjectMetaBuilder().withName(nameFor(podCidr))
                .withCreationTimestamp(java.time.Instant.now().toString()).build(),
                new Spec(node, podCidr, underlayIp, vtepMac, leaseId, ttlSeconds));
    }

    public SubnetLease withSpec(Spec s) {
        return new SubnetLease(metadata, s);
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    public Spec getSpec() {
        return spec;
    }

    public void setSpec(Spec spec) {
        this.spec = spec;
    }

    /** Short for {@link #getSpec()}, as the code that reads leases calls it. */
    public Spec spec() {
        return spec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubnetLease l && Objects.equals(apiVersion, l.apiVersion) && Objects.equals(kind, l.kind)
                && Objects.equals(metadata, l.metadata) && Objects.equals(spec, l.spec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(apiVersion, kind, metadata, spec);
    }
}
