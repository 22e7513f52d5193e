package dev.vnet.ingress.route;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.List;
import java.util.Objects;

/**
 * Fills lastTransitionTime in a freshly compiled status: a condition whose status did not change keeps the time
 * of the previous one, others get {@code now}. The status writer calls it with the object's current status and
 * then writes only when the result differs, so an unchanged cluster causes no writes.
 */
public final class StatusTimes {
    private StatusTimes() {}

    /** Stamps the conditions of {@code fresh} (a status from {@link Compiled#statuses()}) in place and returns it. */
    public static Object stamp(Object fresh, Object previous, String now) {
        if (fresh instanceof GatewayClassStatus f) {
            GatewayClassStatus p = previous instanceof GatewayClassStatus x ? x : null;
            stamp(f.getConditions(), p == null ? null : p.getConditions(), now);
        } else if (fresh instanceof GatewayStatus f) {
            GatewayStatus p = previous instanceof GatewayStatus x ? x : null;
            stamp(f.getConditions(), p == null ? null : p.getConditions(), now);
            for (ListenerStatus l : f.getListeners()) {
                ListenerStatus old = p == null || p.getListeners() == null ? null : p.getListeners().stream()
                        .filter(o -> Objects.equals(o.getName(), l.getName())).findFirst().orElse(null);
                stamp(l.getConditions(), old == null ? null : old.getConditions(), now);
            }
        } else if (fresh instanceof HTTPRouteStatus f) {
            HTTPRouteStatus p = previous instanceof HTTPRouteStatus x ? x : null;
            for (RouteParentStatus ps : f.getParents()) {
                RouteParentStatus old = p == null || p.getParents() == null ? null : p.getParents().stream()
                        .filter(o -> Objects.equals(o.getParentRef(), ps.getParentRef())
                                && Objects.equals(o.getControllerName(), ps.getControllerName()))
                        .findFirst().orElse(null);
                stamp(ps.getConditions(), old == null ? null : old.getConditions(), now);
            }
        }
        return fresh;
    }

    private static void stamp(List<Condition> fresh, List<Condition> previous, String now) {
        for (Condition c : fresh == null ? List.<Condition>of() : fresh) {
            Condition old = previous == null ? null : previous.stream()
                    .filter(o -> Objects.equals(o.getType(), c.getType())).findFirst().orElse(null);
            boolean same = old != null && Objects.equals(old.getStatus(), c.getStatus())
                    && old.getLastTransitionTime() != null;
            c.setLastTransitionTime(same ? old.getLastTransitionTime() : now);
        }
    }
}
