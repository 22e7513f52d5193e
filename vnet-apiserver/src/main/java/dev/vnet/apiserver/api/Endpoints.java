package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** The v1 Endpoints of a Service: the ready (and not ready) pod addresses its selector picks, with ports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "subsets"})
public record Endpoints(String apiVersion, String kind, ObjectMeta metadata, List<Subset> subsets) {
    public static final String KIND = "Endpoints";

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Subset(List<Address> addresses, List<Address> notReadyAddresses, List<Port> ports) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Address(String ip, String hostname, String nodeName, TargetRef targetRef) {}

    public record TargetRef(String kind, String namespace, String name) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Port(String name, Integer port, String protocol) {}

    public String name() {
        return metadata.name();
    }
}
