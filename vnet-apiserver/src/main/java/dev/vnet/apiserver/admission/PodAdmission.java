package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.controller.Scheduler;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A new pod is bound to a node (its {@code spec.nodeName}, or the scheduler's pick) and starts Pending; a pod's
 * spec cannot change once it exists, as in Kubernetes: an apply of the same pod changes nothing, a different one
 * is refused. Pods' names are unique across the cluster here, since each names a network namespace.
 */
final class PodAdmission implements Admission<Pod> {
    @Override
    public Pod admit(Pod want, Pod existing, AdmissionContext ctx) throws ApiException {
        String name = PodKind.name(want);
        Optional<Pod> sameName = existing != null ? Optional.of(existing) : ctx.store().list(PodKind.KIND).stream()
                .filter(p -> PodKind.name(p).equals(name)).findFirst();
        if (sameName.isPresent()) {
            Pod have = sameName.get();
            if (!PodKind.namespace(have).equals(PodKind.namespace(want))) {
                throw new ApiException("pod name " + name + " is taken in namespace " + PodKind.namespace(have)
                        + ": pod names are unique in the lab, since each names a network namespace");
            }
            if (!sameSpec(have, want)) {
                throw new ApiException("pod " + name + " already exists with a different spec: pods cannot "
                        + "be changed, delete it first (`vnet delete pod " + name + "`)");
            }
            return null;
        }
        ctx.admitPod(want);
        Map<String, Integer> load = Scheduler.podsPerNode(ctx.store());
        for (Pod p : ctx.planned(PodKind.KIND)) {
            load.merge(PodKind.nodeName(p), 1, Integer::sum);
        }
        String node = Scheduler.schedule(want, ctx.nodeNames(), load);
        Pod bound = new PodBuilder(want).editSpec().withNodeName(node).endSpec()
                .withStatus(PodKind.pending("scheduled to " + node)).build();
        return Admission.generic(bound, null);
    }

    private static boolean sameSpec(Pod have, Pod want) {
        String wanted = PodKind.nodeName(want);
        boolean nodeOk = wanted == null || wanted.equals(PodKind.nodeName(have));
        Pod a = new PodBuilder(have).editSpec().withNodeName(null).endSpec().build();
        Pod b = new PodBuilder(want).editSpec().withNodeName(null).endSpec().build();
        return nodeOk && Objects.equals(a.getSpec(), b.getSpec())
                && Objects.equals(have.getMetadata().getLabels(), want.getMetadata().getLabels());
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
