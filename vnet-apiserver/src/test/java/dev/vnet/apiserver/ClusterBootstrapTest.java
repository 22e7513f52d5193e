package dev.vnet.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.EndpointSliceKind;
import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.controller.EndpointsController;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.core.addr.Ipv4Address;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import org.junit.jupiter.api.Test;

/** The API's own Service, default/kubernetes, and its endpoints, as kube-apiserver's endpoint reconciler keeps them. */
class ClusterBootstrapTest {
    private static final String KEY = ClusterStore.key("default", "kubernetes");

    @Test
    void theKubernetesServicePointsAtTheApisAddress() {
        MemoryStore store = new MemoryStore();
        ClusterBootstrap.ensureApiService(store, ClusterNetwork.defaults(), Ipv4Address.parse("192.168.56.11"), 6443);
        Service svc = store.get(ServiceKind.KIND, KEY).orElseThrow().value();
        assertEquals("10.96.0.1", svc.getSpec().getClusterIP());
        assertTrue(svc.getSpec().getSelector().isEmpty(), "no selector: the endpoints are the API server's");
        assertEquals("https", svc.getSpec().getPorts().get(0).getName());
        assertEquals(443, svc.getSpec().getPorts().get(0).getPort());
        assertEquals(6443, svc.getSpec().getPorts().get(0).getTargetPort().getIntVal());
        Endpoints ep = store.get(EndpointsKind.KIND, KEY).orElseThrow().value();
        assertEquals("192.168.56.11", ep.getSubsets().get(0).getAddresses().get(0).getIp());
        assertEquals(6443, ep.getSubsets().get(0).getPorts().get(0).getPort());
        EndpointSlice slice = store.get(EndpointSliceKind.KIND, KEY).orElseThrow().value();
        assertEquals("kubernetes", slice.getMetadata().getLabels().get(EndpointSliceKind.SERVICE_NAME_LABEL));
        assertEquals("192.168.56.11", slice.getEndpoints().get(0).getAddresses().get(0));
        assertTrue(slice.getEndpoints().get(0).getConditions().getReady());
    }

    @Test
    void aLaterStartRewritesTheEndpointsAndKeepsTheService() {
        MemoryStore store = new MemoryStore();
        ClusterBootstrap.ensureApiService(store, ClusterNetwork.defaults(), Ipv4Address.parse("192.168.56.11"), 6443);
        String uid = store.get(ServiceKind.KIND, KEY).orElseThrow().value().getMetadata().getUid();
        String epUid = store.get(EndpointsKind.KIND, KEY).orElseThrow().value().getMetadata().getUid();
        long before = store.revision();
        ClusterBootstrap.ensureApiService(store, ClusterNetwork.defaults(), Ipv4Address.parse("192.168.56.11"), 6443);
        assertEquals(before, store.revision(), "nothing to change: nothing written");
        ClusterBootstrap.ensureApiService(store, ClusterNetwork.defaults(), Ipv4Address.parse("192.168.56.12"), 6443);
        assertEquals(uid, store.get(ServiceKind.KIND, KEY).orElseThrow().value().getMetadata().getUid());
        Endpoints ep = store.get(EndpointsKind.KIND, KEY).orElseThrow().value();
        assertEquals("192.168.56.12", ep.getSubsets().get(0).getAddresses().get(0).getIp());
        assertEquals(epUid, ep.getMetadata().getUid(), "the same object, rewritten");
        assertEquals("192.168.56.12",
                store.get(EndpointSliceKind.KIND, KEY).orElseThrow().value().getEndpoints().get(0).getAddresses().get(0));
    }

    @Test
    void theEndpointsControllerLeavesASelectorlessServicesEndpointsAlone() {
        MemoryStore store = new MemoryStore();
        ClusterBootstrap.ensureApiService(store, ClusterNetwork.defaults(), Ipv4Address.parse("192.168.56.11"), 6443);
        try (EndpointsController controller = new EndpointsController(store)) {
            controller.sync();
            assertTrue(store.get(EndpointsKind.KIND, KEY).isPresent());
            assertTrue(store.get(EndpointSliceKind.KIND, KEY).isPresent());
            store.delete(ServiceKind.KIND, KEY);
            controller.sync();
            assertTrue(store.get(EndpointsKind.KIND, KEY).isEmpty(), "without its Service, they go");
            assertTrue(store.get(EndpointSliceKind.KIND, KEY).isEmpty());
        }
    }
}
