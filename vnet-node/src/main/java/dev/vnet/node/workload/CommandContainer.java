package dev.vnet.node.workload;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A container given as {@code command: [...]}: a host process started in the pod's namespace with
 * {@code ip netns exec}, which also bind-mounts {@code /etc/netns/<pod>/} over {@code /etc} for it (so the
 * pod's resolv.conf applies). Its output goes to a log file for {@code vnet logs}. Its stdin is /dev/null, or,
 * for a container whose spec asks {@code stdin: true}, a pipe that {@code attach} writes to; with {@code tty: true}
 * as well it runs under {@code script}, which gives it a pseudo-terminal.
 */
public final class CommandContainer implements Workload {
    private final String containerName;
    private final Path logFile;
    private final Process process;
    private final OutputStream stdin;

    public CommandContainer(String containerName, PodInfo pod, List<String> command, List<String> args,
                            Map<String, String> env, Path logFile, Consumer<CommandContainer> onExit)
            throws IOException {
        this(containerName, pod, command, args, env, logFile, false, false, onExit);
    }

    /**
     * @param stdin whether the container keeps a pipe on its stdin (the spec's {@code stdin: true}), see
     *              {@link #stdin()}
     * @param tty   whether it runs on a pseudo-terminal (the spec's {@code tty: true}; only with stdin)
     */
    public CommandContainer(String containerName, PodInfo pod, List<String> command, List<String> args,
                            Map<String, String> env, Path logFile, boolean stdin, boolean tty,
                            Consumer<CommandContainer> onExit) throws IOException {
        this.containerName = containerName;
        this.logFile = logFile;
        List<String> program = new ArrayList<>(command);
        if (args != null) {
            program.addAll(args);
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", pod.netns()));
        argv.addAll(stdin && tty ? underTerminal(program) : program);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        if (!stdin) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
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
        this.stdin = stdin ? process.getOutputStream() : null;
        process.onExit().thenRun(() -> onExit.accept(this));
    }

    /** {@code script -qfec 'CMD' /dev/null}: the command on a pseudo-terminal, its exit code kept. */
    private static List<String> underTerminal(List<String> command) {
        StringBuilder sh = new StringBuilder();
        for (String arg : command) {
            sh.append(sh.isEmpty() ? "" : " ").append('\'').append(arg.replace("'", "'\\''")).append('\'');
        }
        return List.of("script", "-qfec", sh.toString(), "/dev/null");
    }

    /** The pipe to the container's stdin (closing it is the container's EOF), or null when it has none. */
    public OutputStream stdin() {
        return stdin;
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
