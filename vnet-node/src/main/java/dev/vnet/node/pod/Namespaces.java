package dev.vnet.node.pod;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import java.util.Optional;

/** The names pods' network namespaces may take, and tearing namespaces down. */
public final class Namespaces {
    private Namespaces() {}

    /**
     * Refuses a pod whose network namespace name ({@code netns}, its {@code vnet.dev/netns}) this machine cannot
     * give it: one of the lab's own ({@code PREFIXoutside}, {@code PREFIXnode-N}) or one that already exists.
     */
    public static void admit(String netns, String prefix) throws ApiException {
        if (netns.equals(prefix + "outside") || netns.startsWith(prefix + "node-")) {
            throw new ApiException("network namespace " + netns + " is reserved for the lab's own namespaces: "
                    + "choose another pod name");
        }
        if (NetNs.exists(netns)) {
            throw new ApiException("a network namespace named " + netns + " already exists on this machine: "
                    + "remove it (`ip netns del " + netns + "`) or choose another pod name");
        }
    }

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
