package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import java.util.ArrayList;
import java.util.List;

/** The v1 Endpoints of a Service: the pod addresses its selector picks, written by the endpoints controller. */
public final class EndpointsKind {
    public static final Kind<Endpoints> KIND = Kind.of(Endpoints.class).shortNames("ep")
            .managedBy("the endpoints controller, from each Service's selector and its pods")
            .column(Column.of("NAME", e -> e.getMetadata().getName()))
            .column(Column.of("ENDPOINTS", (e, ctx) -> shortList(ready(e)), false))
            .column(Column.of("AGE", (e, ctx) -> Ages.of(e, ctx.now()), false))
            .build();

    private EndpointsKind() {
    }

    /** Ready endpoints as ip:port, in the order the API lists them. */
    public static List<String> ready(Endpoints e) {
        List<String> out = new ArrayList<>();
        for (EndpointSubset subset : e.getSubsets()) {
            for (EndpointAddress a : subset.getAddresses()) {
                for (EndpointPort p : subset.getPorts()) {
                    out.add(a.getIp() + ":" + p.getPort());
                }
                if (subset.getPorts().isEmpty()) {
                    out.add(a.getIp());
                }
            }
        }
        return out;
    }

    /** At most three, then "+ N more...", as kubectl shortens a list in a table. */
    public static String shortList(List<String> items) {
        if (items.isEmpty()) {
            return "<none>";
        }
        if (items.size() <= 3) {
            return String.join(",", items);
        }
        return String.join(",", items.subList(0, 3)) + " + " + (items.size() - 3) + " more...";
    }
}
