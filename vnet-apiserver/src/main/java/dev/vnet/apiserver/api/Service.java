package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/** A Service as Kubernetes writes it: a virtual IP (or a name) in front of the pods its selector picks. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Service(String apiVersion, String kind, ObjectMeta metadata, Spec spec, Status status) {
    public static final String KIND = "Service";
    public static final String CLUSTER_IP = "ClusterIP";
    public static final String NODE_PORT = "NodePort";
    public static final String LOAD_BALANCER = "LoadBalancer";
    public static final String EXTERNAL_NAME = "ExternalName";
    /** Annotation choosing the load-balancing algorithm for one Service (random, round-robin, maglev, ...). */
    public static final String LB_ALGORITHM_ANNOTATION = "vnet.dev/lb-algorithm";
    /** Annotation naming the node that answers ARP for a LoadBalancer IP (as MetalLB's L2 mode does). */
    public static final String LB_NODE_ANNOTATION = "vnet.dev/lb-node";
    /** Annotation on a Service that every node answers itself, with no endpoints (the cluster DNS). */
    public static final String NODE_LOCAL_ANNOTATION = "vnet.dev/node-local";

    public boolean nodeLocal() {
        return metadata.annotations() != null && "true".equals(metadata.annotations().get(NODE_LOCAL_ANNOTATION));
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"type", "selector", "ports", "clusterIP", "clusterIPs"})
    public record Spec(String type, Map<String, String> selector, List<ServicePort> ports, String clusterIP,
                       List<String> clusterIPs, String sessionAffinity, SessionAffinityConfig sessionAffinityConfig,
                       String externalTrafficPolicy, String internalTrafficPolicy, String externalName,
                       String loadBalancerIP) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ServicePort(String name, String protocol, Integer port, IntOrString targetPort, Integer nodePort) {
        public String protocolOrDefault() {
            return protocol == null ? "TCP" : protocol;
        }
    }

    public record SessionAffinityConfig(ClientIPConfig clientIP) {}

    public record ClientIPConfig(Integer timeoutSeconds) {}

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Status(LoadBalancerStatus loadBalancer) {}

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record LoadBalancerStatus(List<Ingress> ingress) {}

    public record Ingress(String ip) {}

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }

    public String type() {
        return spec == null || spec.type() == null ? CLUSTER_IP : spec.type();
    }

    public boolean headless() {
        return spec != null && "None".equals(spec.clusterIP());
    }

    public Service withSpec(Spec s) {
        return new Service(apiVersion, kind, metadata, s, status);
    }

    public Service withStatus(Status s) {
        return new Service(apiVersion, kind, metadata, spec, s);
    }

    public Service withMetadata(ObjectMeta m) {
        return new Service(apiVersion, kind, m, spec, status);
    }

    /** The first LoadBalancer ingress IP, or null. */
    public String loadBalancerIp() {
        return status == null || status.loadBalancer() == null || status.loadBalancer().ingress() == null
                || status.loadBalancer().ingress().isEmpty() ? null : status.loadBalancer().ingress().get(0).ip();
    }
}
