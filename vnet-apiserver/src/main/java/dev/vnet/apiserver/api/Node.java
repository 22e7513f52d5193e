package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A Node as Kubernetes shows it, plus the pod subnet it leases (spec.podCIDR) and its underlay address. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Node(String apiVersion, String kind, ObjectMeta metadata, Spec spec, Status status) {
    public static final String KIND = "Node";

    public record Spec(String podCIDR, List<String> podCIDRs) {}

    public record Status(List<Condition> conditions, List<Address> addresses) {}

    public record Condition(String type, String status, String reason, String message) {}

    public record Address(String type, String address) {}

    public String name() {
        return metadata.name();
    }

    public boolean ready() {
        return status != null && status.conditions() != null && status.conditions().stream()
                .anyMatch(c -> "Ready".equals(c.type()) && "True".equals(c.status()));
    }
}
