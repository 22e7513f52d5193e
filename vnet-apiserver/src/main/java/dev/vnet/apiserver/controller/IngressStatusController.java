package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.ingress.route.ClusterView;
import dev.vnet.ingress.route.Compiled;
import dev.vnet.ingress.route.ObjectKey;
import dev.vnet.ingress.route.RouteCompiler;
import dev.vnet.ingress.route.StatusTimes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Writes what the ingress controller and the Gateway controller report about the objects they serve: an
 * Ingress's {@code status.loadBalancer} (kubectl's ADDRESS), the conditions of GatewayClasses, Gateways (and
 * their listeners) and HTTPRoutes (per parent). The statuses come from the same compiler the controller's
 * proxy runs, so what is said here is what the proxy does. A condition keeps its lastTransitionTime while its
 * status stays the same ({@link StatusTimes}), and a status that did not change is not written again.
 */
public final class IngressStatusController implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IngressStatusController.class.getName());
    /** The controller's own LoadBalancer Service, whose address the served objects report. */
    public static final String SERVICE_NAMESPACE = "ingress";
    public static final String SERVICE_NAME = "ingress-controller";

    private static final List<String> WATCHED = List.of("Ingress", "IngressClass", "Service", "EndpointSlice", "Secret",
            "Gateway", "GatewayClass", "HTTPRoute");
    private final ClusterStore store;
    private final Reconciler reconciler;

    public IngressStatusController(ClusterStore store) {
        this.store = store;
        Kinds kinds = Kinds.builtIn();
        List<Kind<?>> watched = new ArrayList<>();
        for (String k : WATCHED) {
            watched.add(kinds.byKind(k).orElseThrow(() -> new IllegalStateException("kind " + k + " is not registered")));
        }
        this.reconciler = Reconciler.start("ingress-status", store, watched, this::sync);
    }

    /** The cluster as the route compiler reads it, straight from the store. */
    public static ClusterView view(ClusterStore store) {
        List<Service> services = store.list("Service", Service.class);
        return new ClusterView(store.list("Ingress", Ingress.class), store.list("IngressClass", IngressClass.class),
                services, store.list("EndpointSlice", EndpointSlice.class), store.list("Secret", Secret.class),
                store.list("Gateway", Gateway.class), store.list("GatewayClass", GatewayClass.class),
                store.list("HTTPRoute", HTTPRoute.class), controllerAddresses(services));
    }

    /** The LoadBalancer IPs of the controller's own Service: the address every served object reports. */
    public static List<String> controllerAddresses(List<Service> services) {
        List<String> addresses = new ArrayList<>();
        for (Service svc : services) {
            if (SERVICE_NAMESPACE.equals(svc.getMetadata().getNamespace())
                    && SERVICE_NAME.equals(svc.getMetadata().getName()) && svc.getStatus() != null
                    && svc.getStatus().getLoadBalancer() != null) {
                svc.getStatus().getLoadBalancer().getIngress().forEach(i -> addresses.add(i.getIp()));
            }
        }
        return addresses;
    }

    public synchronized void sync() {
        Compiled compiled = RouteCompiler.compile(view(store));
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        for (Map.Entry<ObjectKey, Object> e : compiled.statuses().entrySet()) {
            ObjectKey k = e.getKey();
            Kind<?> kind = Kinds.builtIn().byKind(k.kind()).orElse(null);
            if (kind == null) {
                continue;
            }
            Object previous = store.get(kind, kind.namespaced() ? ClusterStore.key(k.namespace(), k.name())
                    : ClusterStore.key("", k.name())).map(v -> statusOf(v.value())).orElse(null);
            try {
                store.writeStatus(kind, k.namespace(), k.name(), StatusTimes.stamp(e.getValue(), previous, now));
            } catch (ClusterStore.ConflictException ex) {
                LOG.fine("status of " + k + " keeps changing; the next sync writes it");
                reconciler.trigger();
            }
        }
    }

    /** The status an object has now, as its fabric8 type (null if none). */
    private static Object statusOf(HasMetadata o) {
        if (o instanceof Ingress i) {
            return i.getStatus();
        } else if (o instanceof Gateway g) {
            return g.getStatus();
        } else if (o instanceof HTTPRoute r) {
            return r.getStatus();
        } else if (o instanceof GatewayClass c) {
            return c.getStatus();
        }
        return null;
    }

    @Override
    public void close() {
        reconciler.close();
    }
}
