package dev.vnet.apiserver;

import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The objects a new cluster starts with: the namespaces default and kube-system (as the API server makes them),
 * and, as kubeadm installs its add-ons, the cluster DNS Service, kube-system/kube-dns at 10.96.0.10. No pod backs
 * it: every node answers at that address itself.
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
}
