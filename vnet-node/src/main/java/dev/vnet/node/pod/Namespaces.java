package dev.vnet.node.pod;

import dev.vnet.core.linux.Commands;
import java.util.Optional;

/** Helpers for tearing namespaces down. */
public final class Namespaces {
    private Namespaces() {}

    /**
     * Ends the processes still inside namespace {@code netns} (only processes in a namespace the lab made,
     * so only the lab's own), TERM first, then KILL.
     */
    public static void killProcessesIn(Commands commands, String netns) {
        Commands.Result r = commands.tryRun("ip", "netns", "pids", netns);
        if (!r.ok() || r.output().isBlank()) {
            return;
        }
        var handles = r.output().lines().map(String::strip).filter(s -> s.matches("\\d+"))
                .map(Long::parseLong).filter(pid -> pid != ProcessHandle.current().pid())
                .map(ProcessHandle::of).flatMap(Optional::stream).toList();
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (ProcessHandle h : handles) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            h.destroyForcibly();
        }
    }
}
