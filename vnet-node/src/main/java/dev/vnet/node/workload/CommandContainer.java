package dev.vnet.node.workload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A container given as {@code command: [...]}: a host process started in the pod's namespace with
 * {@code ip netns exec}, which also bind-mounts {@code /etc/netns/<pod>/} over {@code /etc} for it (so the
 * pod's resolv.conf applies). Its output goes to a log file for {@code vnet logs}.
 */
public final class CommandContainer implements Workload {
    private final String containerName;
    private final Path logFile;
    private final Process process;

    public CommandContainer(String containerName, PodInfo pod, List<String> command, List<String> args,
                            Map<String, String> env, Path logFile, Consumer<CommandContainer> onExit)
            throws IOException {
        this.containerName = containerName;
        this.logFile = logFile;
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        argv.addAll(command);
        if (args != null) {
            argv.addAll(args);
        }
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("POD_NAME", pod.podName());
        pb.environment().put("POD_NAMESPACE", pod.namespace());
        pb.environment().put("POD_IP", pod.podIp());
        pb.environment().put("NODE_NAME", pod.nodeName());
        pb.environment().putAll(env);
        try {
            this.process = pb.start();
        } catch (IOException e) {
            throw new IOException("container " + containerName + ": cannot start " + command.get(0) + ": "
                    + e.getMessage(), e);
        }
        process.onExit().thenRun(() -> onExit.accept(this));
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public String containerName() {
        return containerName;
    }

    @Override
    public boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    /** Stops the process and its children: TERM, then KILL after two seconds. */
    @Override
    public void close() {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        process.destroy();
        family.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        family.forEach(ProcessHandle::destroyForcibly);
    }
}
