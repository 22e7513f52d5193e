package dev.vnet.ingress.route;

import java.util.List;
import java.util.Map;

/**
 * What one compilation gives: the proxy's route table, the status each of our objects should have (fabric8 status
 * objects: IngressStatus, GatewayClassStatus, GatewayStatus, HTTPRouteStatus, with lastTransitionTime left unset for
 * {@link StatusTimes#stamp} to fill), and warnings about what could not be used (a bad Secret, an unknown Service).
 */
public record Compiled(RouteTable table, Map<ObjectKey, Object> statuses, List<String> warnings) {
    public Compiled {
        statuses = Map.copyOf(statuses);
        warnings = List.copyOf(warnings);
    }
}
