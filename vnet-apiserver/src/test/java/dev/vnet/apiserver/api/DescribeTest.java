package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What `vnet describe` prints for each kind, from the kind's own describer. */
class DescribeTest {
    /** The cluster as describe sees it: one Endpoints, one lease, and a node that answers service-dataplane. */
    private final DescribeContext ctx = new DescribeContext() {
        @Override
        public <U extends HasMetadata> Optional<U> get(Kind<U> kind, String namespace, String name) {
            if (kind.equals(EndpointsKind.KIND) && name.equals("web")) {
                return Optional.of(kind.cast(K8s.endpoints(K8s.meta("web", "default"), List.of(K8s.subset(
                        List.of(K8s.address("10.244.1.5", null, "node-1", "default", "web-1")), null,
                        List.of(K8s.endpointPort("http", 8080, "TCP")))))));
            }
            if (kind.equals(SubnetLeaseKind.KIND) && name.equals("10.244.1.0-24")) {
                SubnetLease l = SubnetLease.of("node-1", "10.244.1.0/24", "192.168.56.11", "0a:58:0a:f4:01:00", 1, 30);
                l.getMetadata().getAnnotations().put(SubnetLeaseKind.REMAINING_ANNOTATION, "27");
                return Optional.of(kind.cast(l));
            }
            return Optional.empty();
        }

        @Override
        public Optional<JsonNode> call(ObjectNode request) {
            assertEquals("service-dataplane", request.path("op").asString());
            return Optional.of(Json.object().put("proxyMode", "ipvs").put("algorithm", "round-robin")
                    .put("connections", 3));
        }
    };

    @Test
    void aServiceWithItsEndpointsAndWhatTheDataPlaneDoes() throws Exception {
        Service svc = (Service) Manifests.parse("""
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: default}
                spec: {clusterIP: 10.96.0.2, selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
                """, "svc.yaml").get(0).object();
        List<String> lines = ServiceKind.KIND.describe(svc, ctx).lines();
        assertTrue(lines.contains("Endpoints:               10.244.1.5:8080"), lines.toString());
        assertTrue(lines.contains("Proxy Mode:              ipvs"), lines.toString());
        assertTrue(lines.contains("Connections:             3 tracked (see `vnet conntrack`)"), lines.toString());
        assertEquals("Name:                    web", lines.get(0));
    }

    @Test
    void aNodeWithItsConditionsAndItsSubnetLease() {
        Node n = Json.convert(Json.YAML.readTree("""
                apiVersion: v1
                kind: Node
                metadata: {name: node-1}
                spec: {podCIDR: 10.244.1.0/24}
                status:
                  addresses: [{type: InternalIP, address: 192.168.56.11}]
                  conditions: [{type: Ready, status: "True", reason: SubnetLeaseHeld, message: holds its lease}]
                """), Node.class);
        List<String> lines = NodeKind.KIND.describe(n, ctx).lines();
        assertTrue(lines.contains("Addresses:               InternalIP: 192.168.56.11"), lines.toString());
        assertTrue(lines.contains("  Ready   True     SubnetLeaseHeld   holds its lease"), lines.toString());
        assertTrue(lines.contains("Subnet Lease:            10.244.1.0/24 (27s of 30s left), underlay 192.168.56.11"),
                lines.toString());
    }

    @Test
    void aNamespaceAsKubectlDescribesIt() {
        io.fabric8.kubernetes.api.model.Namespace ns = NamespaceKind.active("prod");
        ns.getMetadata().getLabels().put("team", "payments");
        assertEquals(List.of("Name:                    prod",
                "Labels:                  kubernetes.io/metadata.name=prod,team=payments",
                "Annotations:             <none>",
                "Status:                  Active"), NamespaceKind.KIND.describe(ns, ctx).lines());
    }

    @Test
    void aKindWithoutADescriberGetsKubectlsGenericOne() {
        Kind<ConfigMap> cm = Kind.of(ConfigMap.class).build();
        ConfigMap c = new ConfigMapBuilder().withNewMetadata().withName("settings").withNamespace("default")
                .withLabels(Map.of("app", "web")).endMetadata().addToData("mode", "fast").build();
        List<String> lines = cm.describe(c, ctx).lines();
        assertEquals(List.of("Name:                    settings", "Namespace:               default",
                "Labels:                  app=web", "Annotations:             <none>", "Data:",
                String.format("%-25s%s", "  Mode:", "fast")), lines);
    }
}
