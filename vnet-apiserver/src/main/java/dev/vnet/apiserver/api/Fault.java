package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A fault a learner injected ({@code vnet fault add}), kept in the store so that it reaches the node it names
 * wherever that node runs, as any desired state does: the node's fault agent applies the faults of its nodes and
 * drops them when they are deleted. Cluster-scoped, of group {@code vnet.dev/v1}, named after its id ("3").
 */
@JsonDeserialize(using = ValueDeserializer.None.class)
@Group("vnet.dev")
@Version("v1")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public final class Fault implements HasMetadata {
    public static final String KIND = "Fault";

    /**
     * @param node        the node whose data path or loops it is on
     * @param pod         the pod whose port it is at, or null
     * @param peer        the peer node whose tunnel it is on, or null
     * @param args        the fault as {@code vnet fault add} takes it, --node first: what the node parses
     * @param description what it does, as traces name it ("loss 100% on node-1 → node-2")
     */
    public record Spec(String node, String pod, String peer, List<String> args, String description) {}

    private String apiVersion = "vnet.dev/v1";
    private String kind = KIND;
    private ObjectMeta metadata;
    private Spec spec;

    public Fault() {
    }

    public Fault(ObjectMeta metadata, Spec spec) {
        this.metadata = metadata;
        this.spec = spec;
    }

    public static Fault of(int id, Spec spec) {
        return new Fault(new ObjectMetaBuilder().withName(Integer.toString(id))
                .withCreationTimestamp(java.time.Instant.now().toString()).build(), spec);
    }

    /** The id, from the name; -1 if the name is not a number. */
    public int id() {
        try {
            return Integer.parseInt(metadata.getName());
        } catch (RuntimeException e) {
            return -1;
        }
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

    public Spec spec() {
        return spec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fault f && Objects.equals(apiVersion, f.apiVersion) && Objects.equals(kind, f.kind)
                && Objects.equals(metadata, f.metadata) && Objects.equals(spec, f.spec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(apiVersion, kind, metadata, spec);
    }
}
