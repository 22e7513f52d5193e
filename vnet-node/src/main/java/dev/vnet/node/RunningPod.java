package dev.vnet.node;

import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.node.pod.PodSandbox;
import dev.vnet.node.workload.Workload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.util.ArrayList;
import java.util.List;

/** A pod this node runs: its resource as applied, its network sandbox and its containers. */
public final class RunningPod {
    private final Pod pod;
    private final PodSandbox sandbox;
    private final List<Workload> workloads;
    private final String startTime;

    RunningPod(Pod pod, PodSandbox sandbox, List<Workload> workloads, String startTime) {
        this.pod = pod;
        this.sandbox = sandbox;
        this.workloads = List.copyOf(workloads);
        this.startTime = startTime;
    }

    public Pod pod() {
        return pod;
    }

    public String name() {
        return PodKind.name(pod);
    }

    public String namespace() {
        return PodKind.namespace(pod);
    }

    public PodSandbox sandbox() {
        return sandbox;
    }

    public List<Workload> workloads() {
        return workloads;
    }

    /**
     * The pod's status as it really is: Running while every container runs; Failed once a container has
     * exited non-zero; Succeeded when all have exited with 0. vnet does not restart containers.
     */
    public PodStatus status(String hostIp) {
        List<ContainerStatus> cs = new ArrayList<>();
        boolean allRunning = true;
        boolean anyFailed = false;
        boolean allSucceeded = true;
        for (Workload w : workloads) {
            Integer exit = w.exitCode();
            boolean running = w.isRunning();
            allRunning &= running;
            anyFailed |= exit != null && exit != 0;
            allSucceeded &= exit != null && exit == 0;
            String image = pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(w.containerName()))
                    .findFirst().map(Container::getImage).orElse(""); // a command container may have none
            // image and imageID are required of a status (clients check): vnet pulls no image, so no digest.
            ContainerStatusBuilder b = new ContainerStatusBuilder().withName(w.containerName())
                    .withImage(image == null ? "" : image).withImageID("")
                    .withReady(running).withRestartCount(0).withStarted(running);
            if (running) {
                b.withNewState().withNewRunning().withStartedAt(startTime).endRunning().endState();
            } else {
                b.withNewState().withNewTerminated().withExitCode(exit).withReason(exit != null && exit == 0
                        ? "Completed" : "Error").endTerminated().endState();
            }
            cs.add(b.build());
        }
        String phase = allRunning ? "Running" : anyFailed ? "Failed" : allSucceeded ? "Succeeded" : "Running";
        String message = anyFailed ? "a container exited with an error: see `vnet logs " + PodKind.name(pod)
                + (namespace().equals(NamespaceKind.DEFAULT) ? "" : " -n " + namespace()) + "`" : null;
        String ip = sandbox.spec().ip().toString();
        return new PodStatusBuilder().withPhase(phase).withReason(anyFailed ? "Error" : null).withMessage(message)
                .withHostIP(hostIp).withPodIP(ip).addNewPodIP(ip).withStartTime(startTime).withContainerStatuses(cs)
                .build();
    }

    void stop() {
        for (Workload w : workloads) {
            w.close();
        }
        sandbox.close();
    }
}
