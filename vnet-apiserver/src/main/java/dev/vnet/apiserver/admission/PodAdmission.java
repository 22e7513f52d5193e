package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.controller.Scheduler;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A new pod is bound to a node (its {@code spec.nodeName}, or the scheduler's pick), starts Pending, and is given
 * the name of its network namespace ({@link PodKind#NETNS_ANNOTATION}, from {@link PodKind#netnsName}: unique in
 * the lab, so pods of one name coexist in different namespaces). A pod's spec cannot change once it exists, as in
 * Kubernetes: an apply of the same pod changes nothing, a different one is refused; its labels and annotations may
 * change (a Service's selector then picks it up or lets it go).
 */
final class PodAdmission implements Admission<Pod> {
    @Override
    public Pod admit(Pod want, Pod existing, AdmissionContext ctx) throws ApiException {
        if (existing != null) {
            if (!sameSpec(existing, want)) {
                String name = PodKind.name(want);
                String ns = PodKind.namespace(want);
                throw new ApiException("pod " + name + " already exists with a different spec: pods cannot "
                        + "be changed, delete it first (`vnet delete pod " + name
                        + (ns.equals(NamespaceKind.DEFAULT) ? "" : " -n " + ns) + "`)");
            }
            return relabeled(existing, want);
        }
        // The server's own: a netns name given in the manifest is overwritten, as the automatic label of a namespace.
        Pod named = new PodBuilder(want).editMetadata().addToAnnotations(PodKind.NETNS_ANNOTATION,
                PodKind.netnsName(PodKind.namespace(want), PodKind.name(want))).endMetadata().build();
        ctx.admitPod(named);
        Map<String, Integer> load = Scheduler.podsPerNode(ctx.store());
        for (Pod p : ctx.planned(PodKind.KIND)) {
            load.merge(PodKind.nodeName(p), 1, Integer::sum);
        }
        String node = Scheduler.schedule(named, ctx.nodeNames(), load);
        Pod bound = new PodBuilder(named).editSpec().withNodeName(node).endSpec()
                .withStatus(PodKind.pending("scheduled to " + node)).build();
        return Admission.generic(bound, null);
    }

    private static boolean sameSpec(Pod have, Pod want) {
        String wanted = PodKind.nodeName(want);
        boolean nodeOk = wanted == null || wanted.equals(PodKind.nodeName(have));
        Pod a = new PodBuilder(have).editSpec().withNodeName(null).endSpec().build();
        Pod b = new PodBuilder(want).editSpec().withNodeName(null).endSpec().build();
        return nodeOk && Objects.equals(a.getSpec(), b.getSpec());
    }

    /**
     * The stored pod with the labels and annotations asked for (as `kubectl label` changes them), keeping the
     * server's netns annotation; null when they are the same.
     */
    private static Pod relabeled(Pod have, Pod want) {
        Map<String, String> annotations = new java.util.LinkedHashMap<>(want.getMetadata().getAnnotations() == null
                ? Map.of() : want.getMetadata().getAnnotations());
        String netns = have.getMetadata().getAnnotations() == null ? null
                : have.getMetadata().getAnnotations().get(PodKind.NETNS_ANNOTATION);
        if (netns != null) {
            annotations.put(PodKind.NETNS_ANNOTATION, netns);
        }
        Map<String, String> labels = want.getMetadata().getLabels() == null ? Map.of() : want.getMetadata().getLabels();
        Map<String, String> hadLabels = have.getMetadata().getLabels() == null ? Map.of() : have.getMetadata().getLabels();
        Map<String, String> hadAnnotations = have.getMetadata().getAnnotations() == null ? Map.of()
                : have.getMetadata().getAnnotations();
        if (labels.equals(hadLabels) && annotations.equals(hadAnnotations)) {
            return null;
        }
        return new PodBuilder(have).editMetadata().withLabels(new java.util.LinkedHashMap<>(labels))
                .withAnnotations(annotations).endMetadata().build();
    }

    /** Waits until a node has decided (Running or Failed), so `apply` then `exec` works in a script. */
    @Override
    public String settled(Pod written, AdmissionContext ctx) {
        String key = PodKind.key(written);
        long deadline = System.nanoTime() + ctx.settleTimeout().toNanos();
        Pod now = written;
        while (System.nanoTime() < deadline) {
            Optional<ClusterStore.Versioned<Pod>> p = ctx.store().get(PodKind.KIND, key);
            if (p.isEmpty()) {
                break;
            }
            now = p.get().value();
            if (!"Pending".equals(PodKind.phase(now))) {
                break;
            }
            sleep(20);
        }
        return "Failed".equals(PodKind.phase(now)) ? " but failed to start: " + PodKind.message(now) : "";
    }

    /** Waits until no node of this process runs the pod any more. */
    @Override
    public void deleted(String key, AdmissionContext ctx) {
        long deadline = System.nanoTime() + ctx.settleTimeout().toNanos();
        while (System.nanoTime() < deadline && ctx.runsPod(key)) {
            sleep(20);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
