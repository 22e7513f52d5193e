package dev.vnet.ingress.route;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressStatusBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a {@link ClusterView} into the proxy's route table and the status of every object we own, with no
 * I/O: the same view always gives the same table and statuses (lastTransitionTime is left unset).
 *
 * <p>Design notes. Ingresses of our IngressClass are merged by host as ingress-nginx does ({@link IngressRules});
 * HTTPRoutes attached to Gateways of our GatewayClass become a sorted list of matches ({@link GatewayListeners},
 * {@link HttpRoutes}, {@link GatewayRules}). Both serve the same two ports, 80 and 443; on a request the Gateway
 * API's routes are tried first and Ingress rules only when no HTTPRoute matches ({@link CompiledTable}).
 * Certificates of HTTPS listeners and of Ingress spec.tls feed one SNI index ({@link Certificates}).
 * Not handled: ReferenceGrants (cross-namespace refs are refused), namespace selectors in allowedRoutes,
 * filters other than RequestHeaderModifier and RequestRedirect (the rule answers 500), Ingress resource backends.
 */
public final class RouteCompiler {
    public static final String INGRESS_CONTROLLER = "vnet.dev/ingress-controller";
    public static final String GATEWAY_CONTROLLER = "vnet.dev/gateway-controller";

    private RouteCompiler() {}

    public static Compiled compile(ClusterView view) {
        List<String> warnings = new ArrayList<>();
        Map<ObjectKey, Object> statuses = new LinkedHashMap<>();
        Services services = new Services(view.services(), view.endpointSlices());
        Secrets secrets = new Secrets(view.secrets());
        Certificates certs = new Certificates();

        GatewayListeners listeners = GatewayListeners.compile(view, GATEWAY_CONTROLLER, secrets, certs, statuses);
        var entries = HttpRoutes.compile(view.httpRoutes(), listeners, services, GATEWAY_CONTROLLER, warnings,
                statuses);
        listeners.writeStatuses(view.controllerAddresses(), statuses);

        List<Ingress> ours = IngressRules.ours(view.ingresses(), view.ingressClasses(), INGRESS_CONTROLLER, warnings);
        IngressRules ingress = IngressRules.compile(ours, services, secrets, certs, warnings);
        for (Ingress ing : ours) {
            var lb = new IngressStatusBuilder().withNewLoadBalancer();
            for (String ip : view.controllerAddresses()) {
                lb.addToIngress(new IngressLoadBalancerIngressBuilder().withIp(ip).build());
            }
            statuses.put(ObjectKey.of(ing), lb.endLoadBalancer().build());
        }
        return new Compiled(new CompiledTable(new GatewayRules(entries), ingress, certs), statuses, warnings);
    }
}
