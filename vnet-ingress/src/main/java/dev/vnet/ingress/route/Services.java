package dev.vnet.ingress.route;

import dev.vnet.ingress.route.Action.Endpoint;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Services and their ready endpoints, from EndpointSlices (label kubernetes.io/service-name). The proxy goes to pod
 * IP and target port directly, as ingress-nginx does, so a Service port resolves to the slice port of the same name
 * and the addresses of the endpoints not marked unready.
 */
final class Services {
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** A Service port resolved: its display name ("default/api:80") and ready endpoints, or why it cannot be. */
    record Resolved(String service, List<Endpoint> endpoints, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private final Map<String, Service> byName = new HashMap<>();
    private final Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();

    Services(List<Service> services, List<EndpointSlice> slices) {
        for (Service s : services) {
            byName.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s);
        }
        for (EndpointSlice slice : slices) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            if (svc != null) {
                slicesByService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + svc, k -> new ArrayList<>())
                        .add(slice);
            }
        }
    }

    boolean exists(String namespace, String name) {
        return byName.containsKey(namespace + "/" + name);
    }

    /** The Service port given by number, or by name when {@code number} is null. */
    Resolved resolve(String namespace, String name, Integer number, String portName) {
        String key = namespace + "/" + name;
        String shown = key + ":" + (number != null ? number : portName);
        Service svc = byName.get(key);
        if (svc == null) {
            return new Resolved(shown, List.of(), "service " + key + " not found");
        }
        ServicePort port = null;
        for (ServicePort p : svc.getSpec() == null || svc.getSpec().getPorts() == null ? List.<ServicePort>of()
                : svc.getSpec().getPorts()) {
            if (number != null ? number.equals(p.getPort()) : Objects.equals(portName, p.getName())) {
                port = p;
                break;
            }
        }
        if (port == null) {
            return new Resolved(shown, List.of(), "service " + key + " has no port "
                    + (number != null ? String.valueOf(number) : "named " + portName));
        }
        return new Resolved(shown, endpoints(key, port.getName()), null);
    }

    /** Ready endpoints of the slice port named {@code portName} ("" and null are the same unnamed port). */
    private List<Endpoint> endpoints(String serviceKey, String portName) {
        String want = portName == null ? "" : portName;
        Set<Endpoint> out = new LinkedHashSet<>();
        for (EndpointSlice slice : slicesByService.getOrDefault(serviceKey, List.of())) {
            Integer target = null;
            for (EndpointPort p : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                if (want.equals(p.getName() == null ? "" : p.getName())) {
                    target = p.getPort();
                }
            }
            if (target == null || slice.getEndpoints() == null) {
                continue;
            }
            for (var e : slice.getEndpoints()) {
                boolean ready = e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady());
                if (ready && e.getAddresses() != null && !e.getAddresses().isEmpty()) {
                    out.add(new Endpoint(e.getAddresses().get(0), target));
                }
            }
        }
        return List.copyOf(out);
    }
}
