package dev.vnet.ingress.route;

import java.util.List;
import java.util.Map;

/** What the proxy does with a request, decided by the route table. */
public sealed interface Action {
    /** Who decided, for the access log and `vnet trace`: "ingress default/web rule 1 path /api (Prefix)". */
    String decidedBy();

    /**
     * Proxy to one of {@code backends}, picked by weight (traffic split), then to one of its ready endpoints;
     * the request's headers first changed as {@code headers} says (the Gateway API's RequestHeaderModifier).
     */
    record Forward(String decidedBy, List<Backend> backends, HeaderChanges headers) implements Action {
        public Forward {
            backends = List.copyOf(backends);
        }
    }

    /** Answer with a redirect: 308 to HTTPS for a TLS host on plain HTTP, or a RequestRedirect filter. */
    record Redirect(String decidedBy, int status, String location) implements Action {}

    /**
     * Answer without a backend: 404 from the default backend when no rule matches, 503 when the backend has no
     * ready endpoint, 500 for an HTTPRoute backend that cannot be resolved (as the Gateway API's conformance
     * tests expect).
     */
    record Respond(String decidedBy, int status, String reason) implements Action {}

    /**
     * A backend Service port with its weight and its ready endpoints (pod IP and target port). When the proxy picks
     * a backend without endpoints it answers {@code failStatus}: 503 for a Service with no ready endpoint, 500 for
     * an HTTPRoute backendRef that cannot be resolved (its share of the traffic fails, as the Gateway API says).
     */
    record Backend(String service, int weight, List<Endpoint> endpoints, int failStatus) {
        public Backend {
            endpoints = List.copyOf(endpoints);
        }

        /** A backend whose empty endpoint list means 503. */
        public Backend(String service, int weight, List<Endpoint> endpoints) {
            this(service, weight, endpoints, 503);
        }
    }

    record Endpoint(String ip, int port) {
        @Override
        public String toString() {
            return ip + ":" + port;
        }
    }

    /** Headers to set (replace), add (append) and remove, names as given. */
    record HeaderChanges(Map<String, String> set, Map<String, String> add, List<String> remove) {
        public static final HeaderChanges NONE = new HeaderChanges(Map.of(), Map.of(), List.of());

        public HeaderChanges {
            set = Map.copyOf(set);
            add = Map.copyOf(add);
            remove = List.copyOf(remove);
        }
    }
}
