package dev.vnet.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.GatewayClassKind;
import dev.vnet.apiserver.api.GatewayKind;
import dev.vnet.apiserver.api.HTTPRouteKind;
import dev.vnet.apiserver.api.K8s;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GatewayClasses, Gateways and HTTPRoutes through the API: the spec from apply, the status from a controller. */
class ResourceApiGatewayTest {
    private final ApiHarness h = new ApiHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static final String CLASS = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: vnet}
            spec: {controllerName: vnet.dev/gateway-controller, description: vnet's own proxy}
            """;

    private static final String GATEWAY = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web}
            spec:
              gatewayClassName: vnet
              listeners:
              - {name: http, protocol: HTTP, port: 80}
              - name: https
                protocol: HTTPS
                port: 443
                hostname: "*.example.com"
                tls: {mode: Terminate, certificateRefs: [{name: web-tls}]}
            """;

    private static final String ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              parentRefs: [{name: web, sectionName: https}]
              hostnames: [web.example.com, www.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /api}, method: GET}]
                backendRefs: [{name: api, port: 8080, weight: 90}, {name: web, port: 80, weight: 10}]
              - backendRefs: [{name: web, port: 80}]
            """;

    private static Condition condition(String type, String status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime("2024-01-01T00:00:00Z").withObservedGeneration(1L).build();
    }

    private static GatewayStatus gatewayStatus() {
        return new GatewayStatusBuilder().addNewAddress().withType("IPAddress").withValue("192.168.56.200").endAddress()
                .withConditions(condition("Accepted", "True", "Accepted", "accepted by vnet.dev/gateway-controller"),
                        condition("Programmed", "True", "Programmed", "listening on 192.168.56.200"))
                .addNewListener().withName("https").withAttachedRoutes(1)
                .addNewSupportedKind().withGroup("gateway.networking.k8s.io").withKind("HTTPRoute").endSupportedKind()
                .withConditions(condition("ResolvedRefs", "False", "InvalidCertificateRef",
                        "secret default/web-tls not found"))
                .endListener().build();
    }

    private static HTTPRouteStatus routeStatus() {
        return new HTTPRouteStatusBuilder().addNewParent().withControllerName("vnet.dev/gateway-controller")
                .withNewParentRef().withName("web").withSectionName("https").endParentRef()
                .withConditions(condition("Accepted", "True", "Accepted", "attached to listener https"),
                        condition("ResolvedRefs", "False", "BackendNotFound", "service default/api not found"))
                .endParent().build();
    }

    @Test
    void aGatewayClassIsAcceptedByItsController() throws Exception {
        assertEquals(List.of("gatewayclass/vnet created"), h.apply(CLASS));
        assertEquals(List.of(List.of("NAME", "CONTROLLER", "ACCEPTED", "AGE", "DESCRIPTION"),
                List.of("vnet", "vnet.dev/gateway-controller", "", "0s", "vnet's own proxy")),
                h.table(GatewayClassKind.KIND, "", "vnet", true));
        assertEquals(ClusterStore.StatusWrite.WRITTEN, h.store.writeStatus(GatewayClassKind.KIND, null, "vnet",
                new GatewayClassStatusBuilder().withConditions(condition("Accepted", "True", "Accepted",
                        "handled by vnet")).build()));
        assertEquals(List.of("vnet", "vnet.dev/gateway-controller", "True", "0s"),
                h.table(GatewayClassKind.KIND, "", "vnet", false).get(1));
        assertEquals(List.of("gatewayclass/vnet unchanged"), h.apply(CLASS));
        List<String> lines = h.describe(GatewayClassKind.KIND, "", "vnet");
        assertEquals(List.of("Controller Name:         vnet.dev/gateway-controller",
                "Description:             vnet's own proxy",
                "Status:",
                "  Conditions:",
                "    Type      Status  Reason    Message",
                "    ----      ------  ------    -------",
                "    Accepted  True    Accepted  handled by vnet",
                "Events:                  <none>"), lines.subList(3, lines.size()));
        assertEquals(List.of("gatewayclass \"vnet\" deleted"), h.delete("gc", "", "vnet"));
    }

    @Test
    void aGatewayShowsItsListenersAndWhatTheControllerMadeOfThem() throws Exception {
        h.apply(CLASS);
        assertEquals(List.of("gateway/web created"), h.apply(GATEWAY));
        assertEquals(List.of(List.of("NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"), List.of("web", "vnet", "", "", "0s")),
                h.table(GatewayKind.KIND, "default", "web", false));
        List<String> before = h.describe(GatewayKind.KIND, "default", "web");
        assertTrue(before.contains("    <none> (no controller has written its status yet)"), before.toString());

        assertEquals(ClusterStore.StatusWrite.WRITTEN, h.store.writeStatus(GatewayKind.KIND, "default", "web",
                gatewayStatus()));
        assertEquals(List.of("gateway/web unchanged"), h.apply(GATEWAY));
        assertEquals(List.of("web", "vnet", "192.168.56.200", "True", "0s"),
                h.table(GatewayKind.KIND, "default", "web", false).get(1));
        List<String> lines = h.describe(GatewayKind.KIND, "default", "web");
        assertEquals(List.of("Gateway Class:           vnet",
                "Listeners:",
                "  Name   Protocol  Port  Hostname       TLS",
                "  http   HTTP      80    *",
                "  https  HTTPS     443   *.example.com  Terminate (secret default/web-tls)",
                "Status:",
                "  Addresses:             192.168.56.200",
                "  Conditions:",
                "    Type        Status  Reason      Message",
                "    ----        ------  ------      -------",
                "    Accepted    True    Accepted    accepted by vnet.dev/gateway-controller",
                "    Programmed  True    Programmed  listening on 192.168.56.200",
                "  Listeners:",
                "    https: 1 attached route(s), supported kinds HTTPRoute",
                "      Type          Status  Reason                 Message",
                "      ----          ------  ------                 -------",
                "      ResolvedRefs  False   InvalidCertificateRef  secret default/web-tls not found",
                "Events:                  <none>"), lines.subList(4, lines.size()));
        assertEquals(List.of("gateway \"web\" deleted"), h.delete("gtw", "default", "web"));
    }

    @Test
    void anHttpRouteShowsItsRulesAndEachParentsConditions() throws Exception {
        h.apply("""
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
                """);
        h.store.create(EndpointsKind.KIND, "default/web", K8s.endpoints(K8s.meta("web", "default"), List.of(K8s.subset(
                List.of(K8s.address("10.244.1.3", null, "node-1", "default", "web-1")), null,
                List.of(K8s.endpointPort(null, 8080, "TCP"))))));
        assertEquals(List.of("httproute/web created"), h.apply(ROUTE));
        assertEquals(List.of(List.of("NAME", "HOSTNAMES", "AGE"),
                List.of("web", "[\"web.example.com\",\"www.example.com\"]", "0s")),
                h.table(HTTPRouteKind.KIND, "default", "web", false));
        assertEquals(ClusterStore.StatusWrite.WRITTEN, h.store.writeStatus(HTTPRouteKind.KIND, "default", "web",
                routeStatus()));
        // The user changes the route: the status stays until the controller writes it again.
        assertEquals(List.of("httproute/web configured"), h.apply(ROUTE.replace("weight: 90", "weight: 80")));
        List<String> lines = h.describe(HTTPRouteKind.KIND, "default", "web");
        assertEquals(List.of("Hostnames:               web.example.com, www.example.com",
                "Parent Refs:",
                "  Gateway default/web, listener https",
                "Rules:",
                "  - Rule 0:",
                "      Matches:           PathPrefix /api GET",
                "      Backends:          api:8080 weight 80 (<error: services \"api\" not found>)",
                "                         web:80 weight 10 (10.244.1.3:8080)",
                "  - Rule 1:",
                "      Matches:           PathPrefix /",
                "      Backends:          web:80 weight 1 (10.244.1.3:8080)",
                "Status:",
                "  Parents:",
                "    Gateway default/web, listener https (controller vnet.dev/gateway-controller):",
                "      Type          Status  Reason           Message",
                "      ----          ------  ------           -------",
                "      Accepted      True    Accepted         attached to listener https",
                "      ResolvedRefs  False   BackendNotFound  service default/api not found",
                "Events:                  <none>"), lines.subList(4, lines.size()));
        assertEquals(2L, h.get(HTTPRouteKind.KIND, "default", "web").getMetadata().getGeneration());
        assertEquals(List.of("httproute \"web\" deleted"), h.delete("httproutes.gateway.networking.k8s.io", "default", "web"));
    }

    @Test
    void gatewayAndRouteValidationNameTheFieldPath() {
        String noProtocol = h.applyError(GATEWAY.replace("{name: http, protocol: HTTP, port: 80}", "{name: http, port: 80}"));
        assertTrue(noProtocol.endsWith("Gateway web: spec.listeners[0].protocol: Required value: HTTP, HTTPS, TLS, TCP "
                + "or UDP"), noProtocol);
        String port = h.applyError(GATEWAY.replace("port: 80}", "port: 0}"));
        assertTrue(port.endsWith("spec.listeners[0].port: Invalid value: 0: must be between 1 and 65535"), port);
        String twice = h.applyError(GATEWAY.replace("- name: https", "- name: http"));
        assertTrue(twice.contains("spec.listeners[1].name: Duplicate value: \"http\": listener names must be unique"), twice);
        String noTls = h.applyError(GATEWAY.replace("    tls: {mode: Terminate, certificateRefs: [{name: web-tls}]}\n", ""));
        assertTrue(noTls.contains("spec.listeners[1].tls: Required value: tls mode must be set"), noTls);

        String type = h.applyError(ROUTE.replace("type: PathPrefix", "type: Prefix"));
        assertTrue(type.endsWith("HTTPRoute web: spec.rules[0].matches[0].path.type: Unsupported value: \"Prefix\": "
                + "supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\""), type);
        String relative = h.applyError(ROUTE.replace("value: /api", "value: api"));
        assertTrue(relative.contains("spec.rules[0].matches[0].path.value: Invalid value: \"api\": must be an absolute "
                + "path and start with '/'"), relative);
        String weight = h.applyError(ROUTE.replace("weight: 90", "weight: 1000001"));
        assertTrue(weight.endsWith("spec.rules[0].backendRefs[0].weight: Invalid value: 1000001: must be between 0 and "
                + "1000000"), weight);
        String noPort = h.applyError(ROUTE.replace("{name: api, port: 8080, weight: 90}", "{name: api}"));
        assertTrue(noPort.contains("spec.rules[0].backendRefs[0].port: Required value"), noPort);
        assertTrue(h.store.list(GatewayKind.KIND).isEmpty());
        assertTrue(h.store.list(HTTPRouteKind.KIND).isEmpty());
    }
}
