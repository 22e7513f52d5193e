package dev.vnet.node.dns;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The node's cluster DNS shown as a pod: {@code kube-system/kube-dns-NODE}, labelled {@code k8s-app=kube-dns}
 * as CoreDNS's pods are, so that {@code get pods -n kube-system} shows what answers at the DNS address and a
 * NetworkPolicy can name it (an egress rule to {@code k8s-app: kube-dns} in {@code kube-system}). It is a mirror
 * pod, as kubelet makes for its static pods: the node runs the server inside its own router, so the pod uses the
 * host's network and no node builds it.
 */
public final class DnsMirrorPod {
    public static final String NAMESPACE = "kube-system";
    public static final Map<String, String> LABELS = Map.of("k8s-app", "kube-dns");

    private DnsMirrorPod() {
    }

    public static String name(String node) {
        return "kube-dns-" + node;
    }

    /**
     * Creates or refreshes the node's mirror pod: its IP is the node's, as for any host-network pod, and its
     * network namespace ({@code vnet.dev/netns}) the node's.
     */
    public static void publish(ClusterStore store, String node, String ip, String netns) {
        String key = ClusterStore.key(NAMESPACE, name(node));
        Optional<ClusterStore.Versioned<Pod>> current = store.get(PodKind.KIND, key);
        if (current.isPresent() && ip.equals(PodKind.podIp(current.get().value()))
                && PodKind.mirror(current.get().value()) && netns.equals(PodKind.netns(current.get().value()))) {
            return;
        }
        Pod pod = of(node, ip, netns, current.map(v -> v.value().getMetadata().getUid()).orElse(null));
        try {
            if (current.isPresent()) {
                store.update(PodKind.KIND, key, pod, current.get().revision());
            } else {
                store.create(PodKind.KIND, key, pod);
            }
        } catch (ClusterStore.ConflictException e) {
            // Written by this node's previous run meanwhile: the next start refreshes it.
        }
    }

    static Pod of(String node, String ip, String netns, String uid) {
        Instant now = Instant.now();
        return new PodBuilder()
                .withNewMetadata().withName(name(node)).withNamespace(NAMESPACE).withLabels(LABELS)
                .withAnnotations(Map.of(PodKind.MIRROR_ANNOTATION, "vnet-node", PodKind.NETNS_ANNOTATION, netns))
                .withUid(uid == null ? UUID.randomUUID().toString() : uid)
                .withCreationTimestamp(now.toString()).endMetadata()
                .withNewSpec().withNodeName(node).withHostNetwork(true).withRestartPolicy("Always")
                .addNewContainer().withName("dns").withImage("vnet/dns")
                .addNewPort().withName("dns").withContainerPort(53).withProtocol("UDP").endPort()
                .addNewPort().withName("dns-tcp").withContainerPort(53).withProtocol("TCP").endPort()
                .endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip).addNewPodIP(ip).withHostIP(ip)
                .withStartTime(now.toString())
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewContainerStatus().withName("dns").withImage("vnet/dns").withImageID("").withReady(true)
                .withRestartCount(0)
                .withNewState().withNewRunning().withStartedAt(now.toString()).endRunning().endState()
                .endContainerStatus()
                .endStatus().build();
    }
}
