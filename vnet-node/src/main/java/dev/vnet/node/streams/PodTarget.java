package dev.vnet.node.streams;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import dev.vnet.node.api.NodeHost;
import dev.vnet.node.workload.CommandContainer;
import dev.vnet.node.workload.Workload;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What the streams need of a pod: the network namespace its commands run in and its containers' logs.
 *
 * @param netns the pod's network namespace (exec and port-forward enter it)
 */
record PodTarget(String namespace, String name, String netns, List<Container> containers) {
    /** A container: its log file (everything it printed), whether it still runs, and its stdin (or null). */
    record Container(String name, Path logFile, BooleanSupplier running, Stdin stdin) {
        /** A container started with its stdin closed. */
        Container(String name, Path logFile, BooleanSupplier running) {
            this(name, logFile, running, null);
        }
    }

    /**
     * A container's open stdin ({@code stdin: true}): the pipe to it, whether the first attach closes it when it
     * ends ({@code stdinOnce}), and whether it runs on a terminal ({@code tty}).
     */
    record Stdin(OutputStream pipe, boolean once, boolean tty) {}

    /** Finds a pod by namespace and name, or says why it cannot be reached. */
    @FunctionalInterface
    interface Lookup {
        PodTarget find(String namespace, String name) throws StreamStatus.Refusal;
    }

    /**
     * The container {@code wanted} names, or the only one when {@code wanted} is empty; refused as kubelet
     * refuses (which kubectl prints as is).
     */
    Container container(String wanted) throws StreamStatus.Refusal {
        if (wanted == null || wanted.isEmpty()) {
            if (containers.size() == 1) {
                return containers.get(0);
            }
            throw StreamStatus.Refusal.badRequest("a container name must be specified for pod " + name
                    + ", choose one of: " + containers.stream().map(Container::name).toList());
        }
        return containers.stream().filter(c -> c.name().equals(wanted)).findFirst()
                .orElseThrow(() -> StreamStatus.Refusal.badRequest("container " + wanted + " is not valid for pod "
                        + name));
    }

    /** The pods whose containers run in {@code host}'s process (every node of a local lab, or one node's). */
    static Lookup of(NodeHost host) {
        return (namespace, name) -> {
            String key = namespace + "/" + name;
            for (VnetNode n : host.nodes()) {
                RunningPod p = n.pods().get(key);
                if (p != null) {
                    return of(p);
                }
            }
            Optional<Pod> stored = host.store().get(PodKind.KIND, key).map(ClusterStore.Versioned::value);
            if (stored.isEmpty()) {
                throw StreamStatus.Refusal.notFound("pods \"" + name + "\" not found");
            }
            String phase = PodKind.phase(stored.get());
            if (phase.equals("Pending") || phase.isEmpty()) {
                throw StreamStatus.Refusal.waiting("pod " + name + " is waiting to start: ContainerCreating");
            }
            throw StreamStatus.Refusal.badRequest("pod " + name + " (" + phase + ") does not run on this process's"
                    + " nodes: its node runs it (" + PodKind.message(stored.get()) + ")");
        };
    }

    static PodTarget of(RunningPod p) {
        List<Container> cs = p.workloads().stream().map(w -> new Container(w.containerName(), w.logFile(),
                w::isRunning, stdin(p.pod(), w))).toList();
        return new PodTarget(p.namespace(), p.name(), p.sandbox().spec().netns(), cs);
    }

    /** The stdin of a command container whose spec asks for one, else null. */
    private static Stdin stdin(Pod pod, Workload w) {
        if (!(w instanceof CommandContainer cc) || cc.stdin() == null) {
            return null;
        }
        Optional<io.fabric8.kubernetes.api.model.Container> spec = pod.getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(w.containerName())).findFirst();
        return new Stdin(cc.stdin(), spec.map(c -> Boolean.TRUE.equals(c.getStdinOnce())).orElse(false),
                spec.map(c -> Boolean.TRUE.equals(c.getTty())).orElse(false));
    }
}
