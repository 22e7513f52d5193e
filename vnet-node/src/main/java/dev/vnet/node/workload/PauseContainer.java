package dev.vnet.node.workload;

import java.nio.file.Path;

/**
 * The {@code pause} image (registry.k8s.io/pause, and agnhost's {@code pause}): a container that does nothing
 * and runs until it is stopped, so its pod is Running with only its network.
 */
public final class PauseContainer implements Workload {
    private final String containerName;
    private final Path logFile;
    private volatile boolean running = true;

    public PauseContainer(String containerName, Path logFile) {
        this.containerName = containerName;
        this.logFile = logFile;
    }

    @Override
    public String containerName() {
        return containerName;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Integer exitCode() {
        return running ? null : 0; // pause exits 0 on SIGTERM
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() {
        running = false;
    }
}
