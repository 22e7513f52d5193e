package dev.vnet.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerTest {

    @Test
    void fromAPodResource() {
        Pod pod = new PodBuilder().withNewMetadata().withName("web-1").withNamespace("shop")
                .withLabels(Map.of("app", "web")).endMetadata()
                .withNewSpec()
                .addNewContainer().withName("app")
                .addNewPort().withName("http").withContainerPort(8080).endPort()
                .addNewPort().withName("dns").withContainerPort(53).withProtocol("UDP").endPort()
                .addNewPort().withName("sig").withContainerPort(9999).withProtocol("SCTP").endPort()
                .addNewPort().withContainerPort(7000).endPort()
                .endContainer()
                .addNewContainer().withName("sidecar")
                .addNewPort().withName("metrics").withContainerPort(9100).withProtocol("TCP").endPort()
                .endContainer()
                .endSpec()
                .withNewStatus().withPodIP("10.244.1.5").endStatus().build();
        Peer p = Peer.of(pod, Map.of("team", "blue"));
        assertTrue(p.isPod());
        assertEquals("shop", p.namespace());
        assertEquals("web-1", p.name());
        assertEquals(Ipv4Address.parse("10.244.1.5").bits(), p.ip());
        assertEquals(Map.of("app", "web"), p.labels());
        assertEquals(Map.of("team", "blue", Peer.NAMESPACE_NAME_LABEL, "shop"), p.namespaceLabels());
        assertEquals(List.of(PodPort.tcp("http", 8080), PodPort.udp("dns", 53), PodPort.tcp("metrics", 9100)), p.ports());
        assertEquals("shop/web-1 (10.244.1.5)", p.toString());
    }

    @Test
    void aPodWithoutAnIpIsNoPeerYet() {
        Pod pod = new PodBuilder().withNewMetadata().withName("web-1").endMetadata().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Peer.of(pod, Map.of()));
        assertEquals("pod default/web-1 has no IP yet (status.podIP): it is no peer until it runs", e.getMessage());
    }

    @Test
    void theNamespaceNameLabelIsAlwaysThereAndCannotBeSpoofed() {
        Peer p = Peer.pod("x", "a", 1, Map.of(), null, null);
        assertEquals(Map.of(Peer.NAMESPACE_NAME_LABEL, "x"), p.namespaceLabels());
        assertEquals(List.of(), p.ports());
        Peer spoof = Peer.pod("x", "a", 1, Map.of(), Map.of(Peer.NAMESPACE_NAME_LABEL, "kube-system"), null);
        assertEquals(Map.of(Peer.NAMESPACE_NAME_LABEL, "x"), spoof.namespaceLabels());
    }

    @Test
    void anAddressHasNoIdentity() {
        Peer a = Peer.address(Ipv4Address.parse("192.168.56.1").bits());
        assertFalse(a.isPod());
        assertNull(a.namespace());
        assertEquals(Map.of(), a.labels());
        assertEquals("192.168.56.1", a.toString());
    }

    @Test
    void lookedUpInADirectory() {
        NetpolModel m = new NetpolModel();
        assertSame(m.pod("y/b"), Peer.at(Ipv4Address.parse("10.244.2.11").bits(), m));
        assertFalse(Peer.at(Ipv4Address.parse("10.244.9.9").bits(), m).isPod());
        assertEquals("y", m.namespaceLabels("y").get("ns"));
    }

    @Test
    void badPortsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PodPort.tcp("http", 0));
        assertThrows(IllegalArgumentException.class, () -> PodPort.tcp("", 80));
    }
}
