package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.EndpointSlice;
import dev.vnet.apiserver.api.Endpoints;
import dev.vnet.apiserver.api.ObjectMeta;
import dev.vnet.apiserver.api.Pod;
import dev.vnet.apiserver.api.Service;
import dev.vnet.apiserver.store.ClusterStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Keeps every selector Service's Endpoints and EndpointSlices equal to the pods its selector picks, as the
 * Kubernetes endpoints and EndpointSlice controllers do. Any Pod or Service change triggers one full
 * {@link #sync}: recompute all, write what differs, delete what no longer has a Service (set difference).
 * A pod counts once it has an IP; it is ready while Running.
 */
public final class EndpointsController implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EndpointsController.class.getName());

    private final ClusterStore store;
    private final ClusterStore.Watch pods;
    private final ClusterStore.Watch services;

    public EndpointsController(ClusterStore store) {
        this.store = store;
        long from = store.revision(); // before the first list: a change in between is then delivered too
        sync();
        this.pods = store.watch(Pod.KIND, from, e -> sync());
        this.services = store.watch(Service.KIND, from, e -> sync());
    }

    public synchronized void sync() {
        List<Pod> allPods = store.list(Pod.KIND, Pod.class);
        Set<String> wantEndpoints = new HashSet<>();
        Set<String> wantSlices = new HashSet<>();
        for (Service svc : store.list(Service.KIND, Service.class)) {
            if (svc.spec().selector() == null || svc.spec().selector().isEmpty()
                    || svc.type().equals(Service.EXTERNAL_NAME)) {
                continue; // no selector: endpoints are the user's business (or, for kube-dns, the node's)
            }
            String key = ClusterStore.key(svc.namespace(), svc.name());
            Endpoints ep = endpointsFor(svc, allPods);
            wantEndpoints.add(key);
            put(Endpoints.KIND, key, ep);
            for (EndpointSlice slice : slicesFor(svc, ep)) {
                String sk = ClusterStore.key(svc.namespace(), slice.name());
                wantSlices.add(sk);
                put(EndpointSlice.KIND, sk, slice);
            }
        }
        removeOthers(Endpoints.KIND, Endpoints.class, wantEndpoints);
        removeOthers(EndpointSlice.KIND, EndpointSlice.class, wantSlices);
    }

    /** The Endpoints of one Service: pods matching its selector, grouped by resolved ports. */
    static Endpoints endpointsFor(Service svc, List<Pod> pods) {
        Map<List<Endpoints.Port>, List<Endpoints.Address>> ready = new LinkedHashMap<>();
        Map<List<Endpoints.Port>, List<Endpoints.Address>> notReady = new LinkedHashMap<>();
        for (Pod pod : pods) {
            if (!pod.namespace().equals(svc.namespace()) || !matches(svc.spec().selector(), pod)
                    || pod.status() == null || pod.status().podIP() == null) {
                continue;
            }
            List<Endpoints.Port> ports = resolvePorts(svc, pod);
            if (ports == null) {
                continue; // a named targetPort this pod does not have
            }
            String hostname = svc.headless() && pod.spec().hostname() != null
                    && svc.name().equals(pod.spec().subdomain()) ? pod.spec().hostname() : null;
            Endpoints.Address addr = new Endpoints.Address(pod.status().podIP(), hostname, pod.spec().nodeName(),
                    new Endpoints.TargetRef("Pod", pod.namespace(), pod.name()));
            ("Running".equals(pod.phase()) ? ready : notReady).computeIfAbsent(ports, k -> new ArrayList<>()).add(addr);
        }
        Set<List<Endpoints.Port>> portSets = new java.util.LinkedHashSet<>(ready.keySet());
        portSets.addAll(notReady.keySet());
        List<Endpoints.Subset> subsets = new ArrayList<>();
        for (List<Endpoints.Port> ports : portSets) {
            List<Endpoints.Address> r = sorted(ready.getOrDefault(ports, List.of()));
            List<Endpoints.Address> n = sorted(notReady.getOrDefault(ports, List.of()));
            subsets.add(new Endpoints.Subset(r.isEmpty() ? null : r, n.isEmpty() ? null : n, ports));
        }
        ObjectMeta meta = new ObjectMeta(svc.name(), svc.namespace(), svc.metadata().labels(), null, null,
                svc.metadata().creationTimestamp(), null);
        return new Endpoints("v1", Endpoints.KIND, meta, subsets.isEmpty() ? null : subsets);
    }

    private static List<Endpoints.Address> sorted(List<Endpoints.Address> in) {
        List<Endpoints.Address> out = new ArrayList<>(in);
        out.sort((a, b) -> Integer.compareUnsigned(dev.vnet.core.addr.Ipv4Address.parse(a.ip()).bits(),
                dev.vnet.core.addr.Ipv4Address.parse(b.ip()).bits()));
        return out;
    }

    /** EndpointSlices of at most 100 endpoints each, named after the Service. */
    static List<EndpointSlice> slicesFor(Service svc, Endpoints ep) {
        List<EndpointSlice> out = new ArrayList<>();
        if (ep.subsets() == null) {
            out.add(slice(svc, 0, List.of(), slicePorts(svc)));
            return out;
        }
        int index = 0;
        for (Endpoints.Subset subset : ep.subsets()) {
            List<EndpointSlice.Endpoint> all = new ArrayList<>();
            for (boolean isReady : new boolean[] {true, false}) {
                List<Endpoints.Address> addrs = isReady ? subset.addresses() : subset.notReadyAddresses();
                if (addrs == null) {
                    continue;
                }
                for (Endpoints.Address a : addrs) {
                    all.add(new EndpointSlice.Endpoint(List.of(a.ip()), new EndpointSlice.Conditions(isReady, isReady, false),
                            a.hostname(), a.nodeName(), a.targetRef()));
                }
            }
            for (int from = 0; from < all.size(); from += EndpointSlice.MAX_ENDPOINTS) {
                out.add(slice(svc, index++, all.subList(from, Math.min(all.size(), from + EndpointSlice.MAX_ENDPOINTS)),
                        subset.ports()));
            }
        }
        return out;
    }

    private static List<Endpoints.Port> slicePorts(Service svc) {
        List<Endpoints.Port> ports = new ArrayList<>();
        for (Service.ServicePort p : svc.spec().ports() == null ? List.<Service.ServicePort>of() : svc.spec().ports()) {
            ports.add(new Endpoints.Port(p.name(), p.targetPort() != null && p.targetPort().isNumber()
                    ? p.targetPort().number() : null, p.protocolOrDefault()));
        }
        return ports;
    }

    private static EndpointSlice slice(Service svc, int index, List<EndpointSlice.Endpoint> endpoints,
                                       List<Endpoints.Port> ports) {
        String name = svc.name() + "-" + suffix(svc.namespace() + "/" + svc.name() + "/" + index);
        ObjectMeta meta = new ObjectMeta(name, svc.namespace(), Map.of(EndpointSlice.SERVICE_NAME_LABEL, svc.name()),
                null, null, svc.metadata().creationTimestamp(), null);
        return new EndpointSlice("discovery.k8s.io/v1", EndpointSlice.KIND, meta, "IPv4", List.copyOf(endpoints), ports);
    }

    /** Five stable lower-case characters, as Kubernetes' generated names have. */
    private static String suffix(String seed) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        long h = seed.hashCode() & 0xffffffffL;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt((int) (h % alphabet.length())));
            h /= alphabet.length();
        }
        return sb.toString();
    }

    /** The pod's ports for each Service port, or null if a named targetPort is missing on this pod. */
    static List<Endpoints.Port> resolvePorts(Service svc, Pod pod) {
        List<Endpoints.Port> out = new ArrayList<>();
        for (Service.ServicePort sp : svc.spec().ports() == null ? List.<Service.ServicePort>of() : svc.spec().ports()) {
            Integer port;
            if (sp.targetPort() == null) {
                port = sp.port();
            } else if (sp.targetPort().isNumber()) {
                port = sp.targetPort().number();
            } else {
                port = namedPort(pod, sp.targetPort().name(), sp.protocolOrDefault());
                if (port == null) {
                    return null;
                }
            }
            out.add(new Endpoints.Port(sp.name(), port, sp.protocolOrDefault()));
        }
        return out;
    }

    private static Integer namedPort(Pod pod, String name, String protocol) {
        for (Pod.Container c : pod.spec().containers()) {
            for (Pod.ContainerPort p : c.ports() == null ? List.<Pod.ContainerPort>of() : c.ports()) {
                String proto = p.protocol() == null ? "TCP" : p.protocol();
                if (name.equals(p.name()) && proto.equals(protocol)) {
                    return p.containerPort();
                }
            }
        }
        return null;
    }

    static boolean matches(Map<String, String> selector, Pod pod) {
        Map<String, String> labels = pod.metadata().labels() == null ? Map.of() : pod.metadata().labels();
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private void put(String kind, String key, Object value) {
        Optional<ClusterStore.Versioned<Object>> have = store.get(kind, key, Object.class);
        try {
            if (have.isEmpty()) {
                store.create(kind, key, value);
            } else if (!have.get().value().equals(value)) {
                store.update(kind, key, value, have.get().revision());
            }
        } catch (ClusterStore.ConflictException e) {
            LOG.fine("endpoints write raced, the next event resyncs: " + e.getMessage());
        }
    }

    private <T> void removeOthers(String kind, Class<T> type, Set<String> keep) {
        for (T item : store.list(kind, type)) {
            ObjectMeta m = item instanceof Endpoints e ? e.metadata() : ((EndpointSlice) item).metadata();
            String key = ClusterStore.key(m.namespace(), m.name());
            if (!keep.contains(key)) {
                store.delete(kind, key);
            }
        }
    }

    @Override
    public void close() {
        pods.close();
        services.close();
    }
}
