package dev.vnet.ingress.route;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.List;

/**
 * Everything the route compiler reads, as the controller's informers hold it: the routing objects of both APIs, the
 * Services, EndpointSlices and Secrets they name, and the controller's own LoadBalancer address(es) for the status
 * (may be empty while none is assigned).
 */
public record ClusterView(List<Ingress> ingresses, List<IngressClass> ingressClasses, List<Service> services,
                          List<EndpointSlice> endpointSlices, List<Secret> secrets, List<Gateway> gateways,
                          List<GatewayClass> gatewayClasses, List<HTTPRoute> httpRoutes,
                          List<String> controllerAddresses) {
    public ClusterView {
        ingresses = List.copyOf(ingresses);
        ingressClasses = List.copyOf(ingressClasses);
        services = List.copyOf(services);
        endpointSlices = List.copyOf(endpointSlices);
        secrets = List.copyOf(secrets);
        gateways = List.copyOf(gateways);
        gatewayClasses = List.copyOf(gatewayClasses);
        httpRoutes = List.copyOf(httpRoutes);
        controllerAddresses = List.copyOf(controllerAddresses);
    }
}
