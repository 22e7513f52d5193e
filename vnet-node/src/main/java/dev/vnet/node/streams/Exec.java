package dev.vnet.node.streams;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * What exec and attach run. exec: the command as {@code vnet exec} runs it, {@code ip netns exec NETNS
 * COMMAND...} on this machine's filesystem inside the pod's network namespace (so the pod's resolv.conf
 * applies). With tty=true it runs under {@code script}, which gives it a pseudo-terminal (stdout and stderr
 * become one stream, as on a terminal); resize messages are not applied to that terminal, which keeps the size
 * {@code script} gave it. attach: the container's output until it stops, and its stdin when its spec keeps one
 * open ({@code stdin: true}).
 */
final class Exec {
    private Exec() {
    }

    /** Starts a command in a network namespace. */
    @FunctionalInterface
    interface Launcher {
        Process launch(String netns, List<String> command, boolean tty, boolean stdin) throws IOException;
    }

    /** The real one: inside the pod's network namespace. */
    static Launcher inNetns() {
        return (netns, command, tty, stdin) -> {
            List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
            argv.addAll(tty ? underTerminal(command) : command);
            return start(argv, tty, stdin);
        };
    }

    /** Runs the command where this process runs (tests without root). */
    static Launcher here() {
        return (netns, command, tty, stdin) -> start(tty ? underTerminal(command) : command, tty, stdin);
    }

    private static Process start(List<String> argv, boolean tty, boolean stdin) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(tty);
        if (!stdin) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        return pb.start();
    }

    /** {@code script -qfec 'CMD' /dev/null}: a pseudo-terminal, the command's exit code kept. */
    static List<String> underTerminal(List<String> command) {
        StringBuilder sh = new StringBuilder();
        for (String arg : command) {
            sh.append(sh.isEmpty() ? "" : " ").append('\'').append(arg.replace("'", "'\\''")).append('\'');
        }
        return List.of("script", "-qfec", sh.toString(), "/dev/null");
    }

    /** Refuses a command this machine cannot run, as the runtime does, before anything starts. */
    static void checkRunnable(String program) throws StreamStatus.Refusal {
        if (program.contains("/")) {
            if (Files.isExecutable(Path.of(program))) {
                return;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                    return;
                }
            }
        }
        throw new StreamStatus.Refusal(500, "InternalError", "error executing command in container: exec: \""
                + program + "\": executable file not found in $PATH");
    }

    /** exec's process joined to a channel session. */
    static ChannelSession.Running process(Process p, List<String> command, boolean tty, boolean stdin) {
        if (!stdin) {
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // Nothing was written to it.
            }
        }
        return new ChannelSession.Running() {
            @Override
            public InputStream stdout() {
                return p.getInputStream();
            }

            @Override
            public InputStream stderr() {
                return tty ? null : p.getErrorStream();
            }

            @Override
            public OutputStream stdin() {
                return stdin ? p.getOutputStream() : null;
            }

            @Override
            public ObjectNode awaitStatus() throws InterruptedException {
                int exit = p.waitFor();
                return exit == 0 ? StreamStatus.success() : StreamStatus.exitCode(command, exit);
            }

            @Override
            public void stop() {
                List<ProcessHandle> family = p.descendants().toList();
                p.destroy();
                family.forEach(ProcessHandle::destroy);
                try {
                    if (!p.waitFor(2, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        family.forEach(ProcessHandle::destroyForcibly);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /**
     * attach: the container's log from {@code from} on (its start for the first attach of a stdinOnce container,
     * now otherwise), and its stdin when {@code stdin} is given; Success once the container has stopped and its
     * output is all sent, whatever its exit code: as kubelet's attach, which carries none (kubectl run takes it from
     * the pod's status, and would print the output twice, falling back to logs, on a failed attach).
     */
    static ChannelSession.Running attach(PodTarget.Container c, long from, OutputStream stdin, long pollMillis) {
        FollowedFile out = new FollowedFile(c.logFile(), from, c.running(), pollMillis);
        return new ChannelSession.Running() {
            private volatile boolean stopped;

            @Override
            public InputStream stdout() {
                return out;
            }

            @Override
            public InputStream stderr() {
                return null;
            }

            @Override
            public OutputStream stdin() {
                return stdin;
            }

            @Override
            public ObjectNode awaitStatus() throws InterruptedException {
                BooleanSupplier running = c.running();
                while (!stopped && running.getAsBoolean()) {
                    Thread.sleep(pollMillis);
                }
                return StreamStatus.success();
            }

            @Override
            public void stop() {
                stopped = true;
                try {
                    out.close();
                } catch (IOException ignored) {
                    // Closing anyway.
                }
            }
        };
    }

    /**
     * A container's stdin pipe as one attach session writes it: flushed after each write, and closed at the
     * session's end only when {@code closeAtEnd} (stdinOnce); otherwise the pipe stays open for the next attach.
     */
    static OutputStream sessionStdin(OutputStream pipe, boolean closeAtEnd) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (pipe) { // several attach sessions may type into one container
                    pipe.write(b, off, len);
                    pipe.flush();
                }
            }

            @Override
            public void close() throws IOException {
                if (closeAtEnd) {
                    pipe.close();
                }
            }
        };
    }
}
