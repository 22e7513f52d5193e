package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A Pod as Kubernetes writes it: here, a network namespace with a TAP eth0 and its containers' processes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Pod(String apiVersion, String kind, ObjectMeta metadata, Spec spec, Status status) {

    public static final String KIND = "Pod";

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Spec(String nodeName, String hostname, String subdomain, String restartPolicy,
                       List<Container> containers) {
        public Spec withNodeName(String node) {
            return new Spec(node, hostname, subdomain, restartPolicy, containers);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Container(String name, String image, List<String> command, List<String> args,
                            List<ContainerPort> ports, List<EnvVar> env) {
        /** The first declared port, or {@code fallback}. */
        public int firstPort(int fallback) {
            return ports == null || ports.isEmpty() || ports.get(0).containerPort() == null
                    ? fallback : ports.get(0).containerPort();
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContainerPort(String name, Integer containerPort, String protocol) {}

    public record EnvVar(String name, String value) {}

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Status(String phase, String reason, String message, String hostIP, String podIP,
                         List<PodIP> podIPs, String startTime, List<ContainerStatus> containerStatuses) {
        public static Status pending(String message) {
            return new Status("Pending", null, message, null, null, null, null, null);
        }
    }

    public record PodIP(String ip) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContainerStatus(String name, String image, boolean ready, int restartCount, String state,
                                  Integer exitCode) {}

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }

    public Pod withStatus(Status s) {
        return new Pod(apiVersion, kind, metadata, spec, s);
    }

    public Pod withSpec(Spec s) {
        return new Pod(apiVersion, kind, metadata, s, status);
    }

    public Pod withMetadata(ObjectMeta m) {
        return new Pod(apiVersion, kind, m, spec, status);
    }

    public String phase() {
        return status == null ? "Pending" : status.phase();
    }
}
