package dev.vnet.apiserver;

import dev.vnet.apiserver.api.EndpointSliceKind;
import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Ipv4Address;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The objects a new cluster starts with: the namespaces default and kube-system (as the API server makes them),
 * and, as kubeadm installs its add-ons, the cluster DNS Service, kube-system/kube-dns at 10.96.0.10. No pod backs
 * it: every node answers at that address itself. Also the API's own Service, default/kubernetes at 10.96.0.1,
 * whose Endpoints the API server keeps pointing at where it listens for pods (its endpoint reconciler).
 */
public final class ClusterBootstrap {
    private ClusterBootstrap() {
    }

    /** Creates the namespaces default and kube-system if they are not there yet (a control plane's first start). */
    public static void ensureNamespaces(ClusterStore store) {
        for (String name : NamespaceKind.BUILT_IN) {
            String key = ClusterStore.key("", name);
            if (store.get(NamespaceKind.KIND, key).isPresent()) {
                continue;
            }
            Namespace ns = NamespaceKind.active(name);
            ns.getMetadata().setUid(UUID.randomUUID().toString());
            ns.getMetadata().setCreationTimestamp(Instant.now().toString());
            try {
                store.create(NamespaceKind.KIND, key, ns);
            } catch (ClusterStore.ConflictException e) {
                // Made by another control plane meanwhile: fine.
            }
        }
    }

    /** Creates kube-system/kube-dns if it is not there yet (a control plane's first start does this). */
    public static void ensureDnsService(ClusterStore store, ClusterNetwork network) {
        String key = ClusterStore.key("kube-system", "kube-dns");
        if (store.get(ServiceKind.KIND.kind(), key, Service.class).isPresent()) {
            return;
        }
        String ip = network.dnsIp().toString();
        Service svc = new ServiceBuilder()
                .withNewMetadata().withName("kube-dns").withNamespace("kube-system")
                .withLabels(Map.of("k8s-app", "kube-dns"))
                .withAnnotations(Map.of(ServiceKind.NODE_LOCAL_ANNOTATION, "true"))
                .withUid(UUID.randomUUID().toString()).withCreationTimestamp(Instant.now().toString()).endMetadata()
                .withNewSpec().withType(ServiceKind.CLUSTER_IP).withSelector(Map.of("k8s-app", "kube-dns"))
                .addNewPort().withName("dns").withProtocol("UDP").withPort(53).withTargetPort(new IntOrString(53)).endPort()
                .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(53).withTargetPort(new IntOrString(53))
                .endPort()
                .withClusterIP(ip).withClusterIPs(ip).withSessionAffinity("None").withInternalTrafficPolicy("Cluster")
                .endSpec().build();
        try {
            store.create(ServiceKind.KIND.kind(), key, svc);
        } catch (ClusterStore.ConflictException e) {
            // Made by another control plane meanwhile: fine.
        }
    }

    /** The API's Service: default/kubernetes. */
    public static final String API_SERVICE = "kubernetes";

    /**
     * Makes default/kubernetes (ClusterIP 10.96.0.1, port https 443, no selector) and its Endpoints and
     * EndpointSlice point at {@code endpoint}:{@code port}, where the API server listens for pods; creates what is
     * missing and rewrites what points elsewhere, as kube-apiserver's endpoint reconciler does on each start.
     */
    public static void ensureApiService(ClusterStore store, ClusterNetwork network, Ipv4Address endpoint, int port) {
        String key = ClusterStore.key("default", API_SERVICE);
        String ip = network.apiServiceIp().toString();
        if (store.get(ServiceKind.KIND.kind(), key, Service.class).isEmpty()) {
            Service svc = new ServiceBuilder()
                    .withNewMetadata().withName(API_SERVICE).withNamespace("default")
                    .withLabels(Map.of("component", "apiserver", "provider", "kubernetes"))
                    .withUid(UUID.randomUUID().toString()).withCreationTimestamp(Instant.now().toString()).endMetadata()
                    .withNewSpec().withType(ServiceKind.CLUSTER_IP)
                    .addNewPort().withName("https").withProtocol("TCP").withPort(443).withTargetPort(new IntOrString(port))
                    .endPort()
                    .withClusterIP(ip).withClusterIPs(ip).withSessionAffinity("None").withInternalTrafficPolicy("Cluster")
                    .endSpec().build();
            try {
                store.create(ServiceKind.KIND.kind(), key, svc);
            } catch (ClusterStore.ConflictException e) {
                // Made by another control plane meanwhile: fine.
            }
        }
        String now = Instant.now().toString();
        Endpoints ep = new EndpointsBuilder()
                .withNewMetadata().withName(API_SERVICE).withNamespace("default")
                .withLabels(Map.of("endpointslice.kubernetes.io/skip-mirror", "true")).withCreationTimestamp(now)
                .endMetadata()
                .addNewSubset().addNewAddress().withIp(endpoint.toString()).endAddress()
                .addNewPort().withName("https").withPort(port).withProtocol("TCP").endPort().endSubset().build();
        EndpointSlice slice = new EndpointSliceBuilder()
                .withNewMetadata().withName(API_SERVICE).withNamespace("default")
                .withLabels(Map.of(EndpointSliceKind.SERVICE_NAME_LABEL, API_SERVICE,
                        "endpointslice.kubernetes.io/managed-by", "endpointslicemirroring-controller.k8s.io"))
                .withCreationTimestamp(now).endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint().withAddresses(endpoint.toString())
                .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions().endEndpoint()
                .addNewPort().withName("https").withPort(port).withProtocol("TCP").endPort().build();
        put(store, EndpointsKind.KIND, key, ep);
        put(store, EndpointSliceKind.KIND, key, slice);
    }

    /** Creates {@code value}, or rewrites the stored one when it points elsewhere (its creation time kept). */
    private static <T extends HasMetadata> void put(ClusterStore store, Kind<T> kind, String key, T value) {
        Optional<ClusterStore.Versioned<T>> have = store.get(kind, key);
        try {
            if (have.isEmpty()) {
                value.getMetadata().setUid(UUID.randomUUID().toString());
                store.create(kind, key, value);
                return;
            }
            T old = have.get().value();
            value.getMetadata().setUid(old.getMetadata().getUid());
            value.getMetadata().setCreationTimestamp(old.getMetadata().getCreationTimestamp());
            if (!old.equals(value)) {
                store.update(kind, key, value, have.get().revision());
            }
        } catch (ClusterStore.ConflictException e) {
            // Another control plane wrote it meanwhile: its next start reconciles again.
        }
    }
}
