package dev.vnet.node.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class DnsMirrorPodTest {
    private final MemoryStore store = new MemoryStore();

    private Pod stored() {
        return store.get(PodKind.KIND, ClusterStore.key("kube-system", "kube-dns-node-1")).orElseThrow().value();
    }

    @Test
    void publishesAHostNetworkMirrorPodLabelledAsCoreDnsIs() {
        DnsMirrorPod.publish(store, "node-1", "192.168.56.11", "vnet-node-1");
        Pod p = stored();
        assertTrue(PodKind.mirror(p));
        assertEquals("kube-dns", p.getMetadata().getLabels().get("k8s-app"));
        assertEquals("node-1", PodKind.nodeName(p));
        assertTrue(p.getSpec().getHostNetwork());
        assertEquals("Running", PodKind.phase(p));
        assertEquals("192.168.56.11", PodKind.podIp(p));
        assertEquals("vnet-node-1", PodKind.netns(p), "the node's own network namespace");
    }

    @Test
    void aSecondStartLeavesThePodAsItWasAndANewAddressIsRecorded() {
        DnsMirrorPod.publish(store, "node-1", "192.168.56.11", "vnet-node-1");
        long revision = store.revision();
        String uid = stored().getMetadata().getUid();
        DnsMirrorPod.publish(store, "node-1", "192.168.56.11", "vnet-node-1");
        assertEquals(revision, store.revision());

        DnsMirrorPod.publish(store, "node-1", "192.168.56.99", "vnet-node-1");
        assertEquals("192.168.56.99", PodKind.podIp(stored()));
        assertEquals(uid, stored().getMetadata().getUid());
    }
}
