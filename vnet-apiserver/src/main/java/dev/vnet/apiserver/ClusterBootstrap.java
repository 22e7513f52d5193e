package dev.vnet.apiserver;

import dev.vnet.apiserver.api.IntOrString;
import dev.vnet.apiserver.api.ObjectMeta;
import dev.vnet.apiserver.api.Service;
import dev.vnet.apiserver.store.ClusterStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The objects a new cluster starts with, as kubeadm installs its add-ons: the cluster DNS Service,
 * kube-system/kube-dns at 10.96.0.10. No pod backs it: every node answers at that address itself.
 */
public final class ClusterBootstrap {
    private ClusterBootstrap() {
    }

    /** Creates kube-system/kube-dns if it is not there yet (a control plane's first start does this). */
    public static void ensureDnsService(ClusterStore store, ClusterNetwork network) {
        String key = ClusterStore.key("kube-system", "kube-dns");
        if (store.get(Service.KIND, key, Service.class).isPresent()) {
            return;
        }
        String ip = network.dnsIp().toString();
        Service svc = new Service("v1", Service.KIND,
                new ObjectMeta("kube-dns", "kube-system", Map.of("k8s-app", "kube-dns"),
                        Map.of(Service.NODE_LOCAL_ANNOTATION, "true"), UUID.randomUUID().toString(),
                        Instant.now().toString(), null),
                new Service.Spec("ClusterIP", Map.of("k8s-app", "kube-dns"), List.of(
                        new Service.ServicePort("dns", "UDP", 53, IntOrString.of(53), null),
                        new Service.ServicePort("dns-tcp", "TCP", 53, IntOrString.of(53), null)),
                        ip, List.of(ip), "None", null, null, "Cluster", null, null), null);
        try {
            store.create(Service.KIND, key, svc);
        } catch (ClusterStore.ConflictException e) {
            // Made by another control plane meanwhile: fine.
        }
    }
}
