package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A discovery.k8s.io/v1 EndpointSlice: up to 100 endpoints of one Service, as Kubernetes splits them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "addressType", "endpoints", "ports"})
public record EndpointSlice(String apiVersion, String kind, ObjectMeta metadata, String addressType,
                            List<Endpoint> endpoints, List<Endpoints.Port> ports) {
    public static final String KIND = "EndpointSlice";
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Kubernetes' default maximum endpoints per slice. */
    public static final int MAX_ENDPOINTS = 100;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Endpoint(List<String> addresses, Conditions conditions, String hostname, String nodeName,
                           Endpoints.TargetRef targetRef) {}

    public record Conditions(boolean ready, boolean serving, boolean terminating) {}

    public String name() {
        return metadata.name();
    }
}
