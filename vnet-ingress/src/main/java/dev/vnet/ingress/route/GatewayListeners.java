package dev.vnet.ingress.route;

import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddressBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKindBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Gateways of our GatewayClasses and their listeners, checked as the Gateway API asks. vnet's proxy serves
 * HTTP on port 80 and HTTPS (TLS terminated) on 443 for all Gateways at once, so a listener is accepted only with
 * protocol HTTP on 80 or HTTPS on 443 (another port: Accepted=False PortUnavailable; TCP, TLS, UDP...:
 * UnsupportedProtocol). HTTPS needs tls.mode Terminate and certificateRefs to valid kubernetes.io/tls Secrets of
 * the Gateway's namespace (ReferenceGrants are not read: another namespace is RefNotPermitted). Two accepted
 * listeners of one Gateway with the same port and hostname are Conflicted (HostnameConflict) and not programmed.
 * Listeners of different Gateways share the proxy's ports; their routes are merged by hostname precedence.
 */
final class GatewayListeners {
    static final String GROUP = "gateway.networking.k8s.io";

    /** One listener of one Gateway; the routes attached to it are collected while routes are compiled. */
    static final class Slot {
        final Gateway gateway;
        final Listener listener;
        final String hostname;
        final List<RouteGroupKind> supportedKinds;
        final List<Condition> conditions = new ArrayList<>();
        final Set<ObjectKey> attached = new HashSet<>();
        boolean accepted;
        boolean programmed;

        Slot(Gateway gateway, Listener listener, List<RouteGroupKind> supportedKinds) {
            this.gateway = gateway;
            this.listener = listener;
            this.hostname = Hostnames.normalize(listener.getHostname());
            this.supportedKinds = supportedKinds;
        }

        String name() {
            return listener.getName();
        }

        int port() {
            return listener.getPort() == null ? -1 : listener.getPort();
        }

        boolean acceptsHttpRoute() {
            return !supportedKinds.isEmpty();
        }

        String id() {
            return "gateway " + Age.name(gateway) + " listener " + name();
        }
    }

    private final Map<String, List<Slot>> byGateway = new LinkedHashMap<>();
    private final Map<String, Gateway> gateways = new HashMap<>();

    /** The listeners of Gateway {@code namespace/name}, or null when it is not one of ours. */
    List<Slot> listeners(String namespace, String name) {
        return byGateway.get(namespace + "/" + name);
    }

    static GatewayListeners compile(ClusterView view, String controller, Secrets secrets, Certificates certs,
                                    Map<ObjectKey, Object> statuses) {
        Set<String> ourClasses = new HashSet<>();
        for (GatewayClass gc : view.gatewayClasses()) {
            if (gc.getSpec() != null && controller.equals(gc.getSpec().getControllerName())) {
                ourClasses.add(gc.getMetadata().getName());
                statuses.put(ObjectKey.of(gc), new GatewayClassStatusBuilder().withConditions(Conditions.of("Accepted",
                        true, "Accepted", "handled by " + controller, Conditions.generation(gc))).build());
            }
        }
        GatewayListeners out = new GatewayListeners();
        List<Gateway> gateways = new ArrayList<>(view.gateways());
        gateways.sort(Age.OLDEST_FIRST);
        for (Gateway gw : gateways) {
            if (gw.getSpec() != null && ourClasses.contains(gw.getSpec().getGatewayClassName())) {
                out.byGateway.put(Age.name(gw), check(gw, secrets, certs));
                out.gateways.put(Age.name(gw), gw);
            }
        }
        return out;
    }

    private static List<Slot> check(Gateway gw, Secrets secrets, Certificates certs) {
        Long gen = Conditions.generation(gw);
        List<Slot> slots = new ArrayList<>();
        Map<Slot, List<TlsMaterial>> materials = new HashMap<>();
        for (Listener l : gw.getSpec().getListeners() == null ? List.<Listener>of() : gw.getSpec().getListeners()) {
            String protocol = l.getProtocol();
            boolean http = "HTTP".equals(protocol);
            boolean https = "HTTPS".equals(protocol);
            List<RouteGroupKind> kinds = new ArrayList<>();
            boolean badKinds = false;
            if (http || https) {
                var wanted = l.getAllowedRoutes() == null || l.getAllowedRoutes().getKinds() == null
                        ? List.<RouteGroupKind>of() : l.getAllowedRoutes().getKinds();
                for (RouteGroupKind k : wanted) {
                    boolean ok = "HTTPRoute".equals(k.getKind()) && (k.getGroup() == null || GROUP.equals(k.getGroup()));
                    badKinds |= !ok;
                    if (ok && kinds.isEmpty()) {
                        kinds.add(httpRouteKind());
                    }
                }
                if (wanted.isEmpty()) {
                    kinds.add(httpRouteKind());
                }
            }
            Slot s = new Slot(gw, l, kinds);
            slots.add(s);
            int want = http ? 80 : 443;
            String acceptReason = "Accepted";
            String acceptMsg = "listener accepted";
            if (!http && !https) {
                acceptReason = "UnsupportedProtocol";
                acceptMsg = "protocol " + protocol + " is not supported: vnet serves HTTP (port 80) and HTTPS (443)";
            } else if (s.port() != want) {
                acceptReason = "PortUnavailable";
                acceptMsg = "vnet's proxy serves " + protocol + " on port " + want + " only, not " + s.port();
            } else if (https && l.getTls() != null && l.getTls().getMode() != null
                    && !"Terminate".equals(l.getTls().getMode())) {
                acceptReason = "UnsupportedProtocol";
                acceptMsg = "tls.mode " + l.getTls().getMode() + " is not supported for HTTPS: vnet terminates TLS";
            }
            String refsReason = "ResolvedRefs";
            String refsMsg = "all references resolved";
            if (badKinds) {
                refsReason = "InvalidRouteKinds";
                refsMsg = "only HTTPRoute (" + GROUP + ") can attach to an HTTP or HTTPS listener";
            }
            if (https && acceptReason.equals("Accepted")) {
                List<TlsMaterial> found = new ArrayList<>();
                String problem = certificateProblem(gw, l, secrets, found);
                if (problem != null) {
                    refsReason = problem.startsWith("RefNotPermitted") ? "RefNotPermitted" : "InvalidCertificateRef";
                    refsMsg = problem.substring(problem.indexOf(':') + 2);
                } else {
                    materials.put(s, found);
                }
            }
            s.conditions.add(Conditions.of("Accepted", acceptReason.equals("Accepted"), acceptReason, acceptMsg, gen));
            s.conditions.add(Conditions.of("ResolvedRefs", refsReason.equals("ResolvedRefs"), refsReason, refsMsg, gen));
            s.accepted = acceptReason.equals("Accepted");
            s.programmed = s.accepted && refsReason.equals("ResolvedRefs");
        }
        for (Slot s : slots) {
            boolean conflicted = false;
            if (s.accepted) {
                for (Slot o : slots) {
                    conflicted |= o != s && o.accepted && o.port() == s.port() && Objects.equals(o.hostname, s.hostname);
                }
            }
            s.conditions.add(Conditions.of("Conflicted", conflicted, conflicted ? "HostnameConflict" : "NoConflicts",
                    conflicted ? "another listener of this Gateway has port " + s.port() + " and hostname "
                            + (s.hostname == null ? "(none)" : s.hostname) : "no conflicts", gen));
            s.programmed &= !conflicted;
            s.conditions.add(Conditions.of("Programmed", s.programmed, s.programmed ? "Programmed" : "Invalid",
                    s.programmed ? "served by the proxy on port " + s.port() : "not served: see Accepted, "
                            + "ResolvedRefs and Conflicted", gen));
            if (s.programmed && materials.containsKey(s)) {
                // The first certificate of certificateRefs is the one presented.
                certs.add(new Certificates.Entry(443, s.hostname, false, true, materials.get(s).get(0)));
            }
        }
        return slots;
    }

    /** Why the certificateRefs of an HTTPS listener cannot be used ("Reason: message"), or null; fills {@code found}. */
    private static String certificateProblem(Gateway gw, Listener l, Secrets secrets, List<TlsMaterial> found) {
        List<SecretObjectReference> refs = l.getTls() == null || l.getTls().getCertificateRefs() == null
                ? List.of() : l.getTls().getCertificateRefs();
        if (refs.isEmpty()) {
            return "InvalidCertificateRef: an HTTPS listener needs tls.certificateRefs naming a kubernetes.io/tls Secret";
        }
        String ns = gw.getMetadata().getNamespace();
        for (SecretObjectReference ref : refs) {
            String kind = ref.getKind() == null ? "Secret" : ref.getKind();
            String group = ref.getGroup() == null ? "" : ref.getGroup();
            if (!kind.equals("Secret") || !group.isEmpty()) {
                return "InvalidCertificateRef: certificateRef kind " + group + "/" + kind + " is not supported (Secret)";
            }
            if (ref.getNamespace() != null && !ref.getNamespace().equals(ns)) {
                return "RefNotPermitted: certificateRef to namespace " + ref.getNamespace()
                        + ": vnet does not read ReferenceGrants, use a Secret in " + ns;
            }
            Secrets.Loaded s = secrets.load(ns, ref.getName());
            if (s.error() != null) {
                return "InvalidCertificateRef: " + s.error();
            }
            found.add(s.material());
        }
        return null;
    }

    private static RouteGroupKind httpRouteKind() {
        return new RouteGroupKindBuilder().withGroup(GROUP).withKind("HTTPRoute").build();
    }

    /** Writes the status of every Gateway of ours, once routes have attached. */
    void writeStatuses(List<String> addresses, Map<ObjectKey, Object> statuses) {
        byGateway.forEach((name, slots) -> {
            Gateway gw = gateways.get(name);
            statuses.put(ObjectKey.of(gw), status(gw, slots, addresses));
        });
    }

    private static GatewayStatus status(Gateway gw, List<Slot> slots, List<String> addresses) {
        Long gen = Conditions.generation(gw);
        long valid = slots.stream().filter(s -> s.programmed).count();
        Condition accepted = valid == slots.size() ? Conditions.of("Accepted", true, "Accepted", "gateway accepted", gen)
                : Conditions.of("Accepted", valid > 0, "ListenersNotValid",
                (slots.size() - valid) + " of " + slots.size() + " listeners are not valid", gen);
        Condition programmed = addresses.isEmpty()
                ? Conditions.of("Programmed", false, "AddressNotAssigned", "the controller has no address yet", gen)
                : valid == 0 ? Conditions.of("Programmed", false, "Invalid", "no valid listener", gen)
                : Conditions.of("Programmed", true, "Programmed", "served at " + String.join(", ", addresses), gen);
        var b = new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder()
                .withConditions(accepted, programmed);
        for (String a : addresses) {
            b.addToAddresses(new GatewayStatusAddressBuilder().withType("IPAddress").withValue(a).build());
        }
        for (Slot s : slots) {
            b.addToListeners(new ListenerStatusBuilder().withName(s.name()).withSupportedKinds(s.supportedKinds)
                    .withAttachedRoutes(s.attached.size()).withConditions(s.conditions).build());
        }
        return b.build();
    }
}
