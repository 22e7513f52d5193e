package dev.vnet.node;

import dev.vnet.apiserver.api.Pod;
import dev.vnet.node.pod.PodSandbox;
import dev.vnet.node.workload.Workload;
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
    public Pod.Status status(String hostIp) {
        List<Pod.ContainerStatus> cs = new ArrayList<>();
        boolean allRunning = true;
        boolean anyFailed = false;
        boolean allSucceeded = true;
        for (Workload w : workloads) {
            Integer exit = w.exitCode();
            boolean running = w.isRunning();
            allRunning &= running;
            anyFailed |= exit != null && exit != 0;
            allSucceeded &= exit != null && exit == 0;
            String image = pod.spec().containers().stream().filter(c -> c.name().equals(w.containerName()))
                    .findFirst().map(Pod.Container::image).orElse(null); // a command container may have none
            cs.add(new Pod.ContainerStatus(w.containerName(), image, running, 0,
                    running ? "running" : "terminated", exit));
        }
        String phase = allRunning ? "Running" : anyFailed ? "Failed" : allSucceeded ? "Succeeded" : "Running";
        String message = anyFailed ? "a container exited with an error: see `vnet logs " + pod.name() + "`" : null;
        String ip = sandbox.spec().ip().toString();
        return new Pod.Status(phase, anyFailed ? "Error" : null, message, hostIp, ip, List.of(new Pod.PodIP(ip)),
                startTime, cs);
    }

    void stop() {
        for (Workload w : workloads) {
            w.close();
        }
        sandbox.close();
    }
}
