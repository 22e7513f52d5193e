package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.List;

/** discovery.k8s.io/v1 EndpointSlices: up to 100 endpoints of one Service each, as Kubernetes splits them. */
public final class EndpointSliceKind {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** Kubernetes' default maximum endpoints per slice. */
    public static final int MAX_ENDPOINTS = 100;

    public static final Kind<EndpointSlice> KIND = Kind.of(EndpointSlice.class)
            .managedBy("the EndpointSlice controller, from each Service's selector and its pods")
            .column(Column.of("NAME", s -> s.getMetadata().getName()))
            .column(Column.of("ADDRESSTYPE", EndpointSlice::getAddressType))
            .column(Column.of("PORTS", EndpointSliceKind::ports))
            .column(Column.of("ENDPOINTS", EndpointSliceKind::addresses))
            .column(Column.of("AGE", (s, ctx) -> Ages.of(s, ctx.now()), false))
            .build();

    private EndpointSliceKind() {
    }

    private static String ports(EndpointSlice s) {
        List<String> ports = new ArrayList<>();
        s.getPorts().forEach(p -> ports.add(p.getPort() == null ? "<unset>" : String.valueOf(p.getPort())));
        return ports.isEmpty() ? "<unset>" : String.join(",", ports);
    }

    private static String addresses(EndpointSlice s) {
        List<String> addrs = new ArrayList<>();
        s.getEndpoints().forEach(e -> addrs.addAll(e.getAddresses()));
        return EndpointsKind.shortList(addrs);
    }
}
