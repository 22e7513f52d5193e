package dev.vnet.node.workload;

/** A running container of a pod: a built-in server inside the pod's namespace, or a process started there. */
public interface Workload extends AutoCloseable {
    String containerName();

    /** True while it serves or runs. */
    boolean isRunning();

    /** The exit code once a process has ended, else null. */
    Integer exitCode();

    /** Where its output goes, for {@code vnet logs}. */
    java.nio.file.Path logFile();

    @Override
    void close();
}
