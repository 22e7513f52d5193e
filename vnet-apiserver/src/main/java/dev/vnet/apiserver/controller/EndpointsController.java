package dev.vnet.apiserver.controller;

import dev.vnet.apiserver.api.EndpointSliceKind;
import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
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
 * Kubernetes endpoints and EndpointSlice controllers do. A Pod or Service change schedules one full
 * {@link #sync} (coalesced, see {@link Reconciler}): recompute all, write what differs, delete what no longer has
 * a Service (set difference). A pod counts once it has an IP; it is ready while Running.
 */
public final class EndpointsController implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EndpointsController.class.getName());

    private final ClusterStore store;
    private final Reconciler reconciler;

    public EndpointsController(ClusterStore store) {
        this.store = store;
        this.reconciler = Reconciler.start("endpoints", store, List.of(PodKind.KIND, ServiceKind.KIND), this::sync);
    }

    public synchronized void sync() {
        List<Pod> allPods = store.list(PodKind.KIND);
        Set<String> wantEndpoints = new HashSet<>();
        Set<String> wantSlices = new HashSet<>();
        for (Service svc : store.list(ServiceKind.KIND)) {
            if (svc.getSpec().getSelector().isEmpty() || ServiceKind.type(svc).equals(ServiceKind.EXTERNAL_NAME)) {
                // No selector: endpoints are the user's business (or the API server's, for default/kubernetes).
                wantEndpoints.add(ServiceKind.key(svc));
                keepSlicesOf(svc, wantSlices);
                continue;
            }
            String key = ServiceKind.key(svc);
            Endpoints ep = endpointsFor(svc, allPods);
            wantEndpoints.add(key);
            put(EndpointsKind.KIND, key, ep);
            for (EndpointSlice slice : slicesFor(svc, ep)) {
                String sk = ClusterStore.key(slice);
                wantSlices.add(sk);
                put(EndpointSliceKind.KIND, sk, slice);
            }
        }
        removeOthers(EndpointsKind.KIND, wantEndpoints);
        removeOthers(EndpointSliceKind.KIND, wantSlices);
    }

    /** Adds the keys of {@code svc}'s EndpointSlices as they are: someone else writes those of a selector-less one. */
    private void keepSlicesOf(Service svc, Set<String> keep) {
        for (EndpointSlice slice : store.list(EndpointSliceKind.KIND)) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            if (labels != null && svc.getMetadata().getNamespace().equals(slice.getMetadata().getNamespace())
                    && svc.getMetadata().getName().equals(labels.get(EndpointSliceKind.SERVICE_NAME_LABEL))) {
                keep.add(ClusterStore.key(slice));
            }
        }
    }

    /** The Endpoints of one Service: pods matching its selector, grouped by resolved ports. */
    static Endpoints endpointsFor(Service svc, List<Pod> pods) {
        Map<List<EndpointPort>, List<EndpointAddress>> ready = new LinkedHashMap<>();
        Map<List<EndpointPort>, List<EndpointAddress>> notReady = new LinkedHashMap<>();
        String ns = svc.getMetadata().getNamespace();
        for (Pod pod : pods) {
            if (!ns.equals(PodKind.namespace(pod)) || !matches(svc.getSpec().getSelector(), pod)
                    || PodKind.podIp(pod) == null) {
                continue;
            }
            List<EndpointPort> ports = resolvePorts(svc, pod);
            if (ports == null) {
                continue; // a named targetPort this pod does not have
            }
            String hostname = ServiceKind.headless(svc) && pod.getSpec().getHostname() != null
                    && svc.getMetadata().getName().equals(pod.getSpec().getSubdomain()) ? pod.getSpec().getHostname() : null;
            EndpointAddress addr = new EndpointAddressBuilder().withIp(PodKind.podIp(pod)).withHostname(hostname)
                    .withNodeName(PodKind.nodeName(pod)).withNewTargetRef().withKind("Pod")
                    .withNamespace(PodKind.namespace(pod)).withName(PodKind.name(pod)).endTargetRef().build();
            ("Running".equals(PodKind.phase(pod)) ? ready : notReady).computeIfAbsent(ports, k -> new ArrayList<>())
                    .add(addr);
        }
        Set<List<EndpointPort>> portSets = new java.util.LinkedHashSet<>(ready.keySet());
        portSets.addAll(notReady.keySet());
        List<EndpointSubset> subsets = new ArrayList<>();
        for (List<EndpointPort> ports : portSets) {
            subsets.add(new EndpointSubsetBuilder().withAddresses(sorted(ready.getOrDefault(ports, List.of())))
                    .withNotReadyAddresses(sorted(notReady.getOrDefault(ports, List.of()))).withPorts(ports).build());
        }
        return new EndpointsBuilder().withMetadata(new ObjectMetaBuilder().withName(svc.getMetadata().getName())
                        .withNamespace(ns).withLabels(svc.getMetadata().getLabels())
                        .withCreationTimestamp(svc.getMetadata().getCreationTimestamp()).build())
                .withSubsets(subsets).build();
    }

    private static List<EndpointAddress> sorted(List<EndpointAddress> in) {
        List<EndpointAddress> out = new ArrayList<>(in);
        out.sort((a, b) -> Integer.compareUnsigned(dev.vnet.core.addr.Ipv4Address.parse(a.getIp()).bits(),
                dev.vnet.core.addr.Ipv4Address.parse(b.getIp()).bits()));
        return out;
    }

    /** EndpointSlices of at most 100 endpoints each, named after the Service. */
    static List<EndpointSlice> slicesFor(Service svc, Endpoints ep) {
        List<EndpointSlice> out = new ArrayList<>();
        if (ep.getSubsets().isEmpty()) {
            out.add(slice(svc, 0, List.of(), slicePorts(svc)));
            return out;
        }
        int index = 0;
        for (EndpointSubset subset : ep.getSubsets()) {
            List<Endpoint> all = new ArrayList<>();
            for (boolean isReady : new boolean[] {true, false}) {
                for (EndpointAddress a : isReady ? subset.getAddresses() : subset.getNotReadyAddresses()) {
                    all.add(new EndpointBuilder().withAddresses(a.getIp()).withNewConditions().withReady(isReady)
                            .withServing(isReady).withTerminating(false).endConditions().withHostname(a.getHostname())
                            .withNodeName(a.getNodeName()).withTargetRef(a.getTargetRef()).build());
                }
            }
            List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = new ArrayList<>();
            for (EndpointPort p : subset.getPorts()) {
                ports.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName(p.getName())
                        .withPort(p.getPort()).withProtocol(p.getProtocol()).build());
            }
            for (int from = 0; from < all.size(); from += EndpointSliceKind.MAX_ENDPOINTS) {
                out.add(slice(svc, index++, all.subList(from, Math.min(all.size(), from + EndpointSliceKind.MAX_ENDPOINTS)),
                        ports));
            }
        }
        return out;
    }

    private static List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> slicePorts(Service svc) {
        List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = new ArrayList<>();
        for (ServicePort p : svc.getSpec().getPorts()) {
            ports.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName(p.getName())
                    .withPort(ServiceKind.targetNumber(p)).withProtocol(ServiceKind.protocol(p)).build());
        }
        return ports;
    }

    private static EndpointSlice slice(Service svc, int index, List<Endpoint> endpoints,
                                       List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports) {
        String ns = svc.getMetadata().getNamespace();
        String svcName = svc.getMetadata().getName();
        String name = svcName + "-" + suffix(ns + "/" + svcName + "/" + index);
        return new EndpointSliceBuilder().withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
                        .withLabels(Map.of(EndpointSliceKind.SERVICE_NAME_LABEL, svcName))
                        .withCreationTimestamp(svc.getMetadata().getCreationTimestamp()).build())
                .withAddressType("IPv4").withEndpoints(List.copyOf(endpoints)).withPorts(ports).build();
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
    static List<EndpointPort> resolvePorts(Service svc, Pod pod) {
        List<EndpointPort> out = new ArrayList<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
            Integer port;
            if (sp.getTargetPort() == null) {
                port = sp.getPort();
            } else if (ServiceKind.targetNumber(sp) != null) {
                port = ServiceKind.targetNumber(sp);
            } else {
                port = namedPort(pod, ServiceKind.targetName(sp), ServiceKind.protocol(sp));
                if (port == null) {
                    return null;
                }
            }
            out.add(new EndpointPort(null, sp.getName(), port, ServiceKind.protocol(sp)));
        }
        return out;
    }

    /** A container port's number by its name and protocol, on any container of the pod; null if none. */
    public static Integer namedPort(Pod pod, String name, String protocol) {
        for (Container c : pod.getSpec().getContainers()) {
            for (ContainerPort p : c.getPorts()) {
                if (name.equals(p.getName()) && PodKind.protocol(p).equals(protocol)) {
                    return p.getContainerPort();
                }
            }
        }
        return null;
    }

    static boolean matches(Map<String, String> selector, Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private <T extends HasMetadata> void put(Kind<T> kind, String key, T value) {
        Optional<ClusterStore.Versioned<T>> have = store.get(kind, key);
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

    private <T extends HasMetadata> void removeOthers(Kind<T> kind, Set<String> keep) {
        for (T item : store.list(kind)) {
            String key = ClusterStore.key(item);
            if (!keep.contains(key)) {
                store.delete(kind, key);
            }
        }
    }

    @Override
    public void close() {
        reconciler.close();
    }
}
