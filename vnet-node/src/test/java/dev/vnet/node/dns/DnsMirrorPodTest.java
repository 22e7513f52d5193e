package dev.vnet.node.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.node.NodeConfig;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class DnsMirrorPodTest {
    private final MemoryStore store = new MemoryStore();

    private Pod stored(NodeConfig node) {
        return store.get(PodKind.KIND, ClusterStore.key("kube-system", "kube-dns-" + node.name())).orElseThrow()
                .value();
    }

    @Test
    void publishesAHostNetworkMirrorPodLabelledAsCoreDnsIs() {
        NodeConfig node = NodeConfig.defaults(1);
        DnsMirrorPod.publish(store, node);
        Pod p = stored(node);
        assertTrue(PodKind.mirror(p));
        assertEquals("kube-dns", p.getMetadata().getLabels().get("k8s-app"));
        assertEquals(node.name(), PodKind.nodeName(p));
        assertTrue(p.getSpec().getHostNetwork());
        assertEquals("Running", PodKind.phase(p));
        assertEquals(node.underlayIp().toString(), PodKind.podIp(p));
    }

    @Test
    void aSecondStartLeavesThePodAsItWasAndANewAddressIsRecorded() {
        NodeConfig node = NodeConfig.defaults(1);
        DnsMirrorPod.publish(store, node);
        long revision = store.revision();
        String uid = stored(node).getMetadata().getUid();
        DnsMirrorPod.publish(store, node);
        assertEquals(revision, store.revision());

        NodeConfig moved = new NodeConfig(node.name(), node.index(), node.netns(), node.podSubnet(), node.gateway(),
                dev.vnet.core.addr.Ipv4Address.parse("192.168.56.99"), node.mtu(), node.dnsServer(),
                node.clusterDomain(), node.logDir(), node.podCidr(), node.serviceCidr());
        DnsMirrorPod.publish(store, moved);
        assertEquals("192.168.56.99", PodKind.podIp(stored(node)));
        assertEquals(uid, stored(node).getMetadata().getUid());
    }
}
