package dev.vnet.cli.course;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A guided lab, as loaded from {@code labs/NN-slug/lab.yaml}: what it teaches, the nodes it needs, the manifests
 * {@code lab start} applies and those its steps apply ({@code extras}; {@code lab reset} deletes both), its steps
 * and the recap shown at the end. {@code pods} and {@code services} are the names its manifests create.
 */
public record Exercise(String id, String title, String teaches, int nodes, String store, List<String> manifests,
                       List<String> extras, List<Step> steps, String recap, Path dir, Set<String> pods, Set<String> services) {
    /** The store a lab needs: {@code memory} (any lab) or {@code etcd} (node processes, `vnet up --store etcd`). */
    public static final List<String> STORES = List.of("memory", "etcd");

    public Exercise {
        manifests = List.copyOf(manifests);
        extras = List.copyOf(extras);
        steps = List.copyOf(steps);
        pods = Set.copyOf(pods);
        services = Set.copyOf(services);
    }

    /** Step {@code n}, counted from 1. */
    public Step step(int n) {
        return steps.get(n - 1);
    }
}
