package dev.vnet.lab;

import dev.vnet.node.pod.NamespaceRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a lab has made, written down as it is made, so that a lab whose process crashed can be cleaned up
 * by the next {@code vnet up} or {@code vnet down}: the namespaces (a {@link NamespaceRecord}) and the lab's PID.
 */
final class LabState {
    private final Path dir;
    private final NamespaceRecord namespaces;

    LabState(Path dir) {
        this.dir = dir;
        this.namespaces = new NamespaceRecord(dir);
    }

    NamespaceRecord namespaces() {
        return namespaces;
    }

    void added(String netns) throws IOException {
        namespaces.added(netns);
    }

    void removed(String netns) {
        namespaces.removed(netns);
    }

    Path pidFile() {
        return dir.resolve("lab.pid");
    }

    /** The PID of a lab process that is still alive in {@code dir}, or -1. */
    static long livePid(Path dir) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve("lab.pid")).strip());
            if (pid == ProcessHandle.current().pid()) {
                return -1;
            }
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().map(c -> c.contains("java")).orElse(false))
                    .map(ProcessHandle::pid).orElse(-1L);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
