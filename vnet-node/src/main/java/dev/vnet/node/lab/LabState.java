package dev.vnet.node.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a lab has made, written down as it is made, so that a lab whose process crashed can be cleaned up
 * by the next {@code vnet up} or {@code vnet down}: the namespaces (one per line) and the lab's PID.
 */
final class LabState {
    private final Path dir;
    private final Set<String> namespaces = new LinkedHashSet<>();

    LabState(Path dir) {
        this.dir = dir;
    }

    /** The record a previous run of a node process left in {@code dir}, to go on from. */
    static LabState resume(Path dir) {
        LabState s = new LabState(dir);
        s.namespaces.addAll(recorded(dir));
        return s;
    }

    synchronized Set<String> namespaces() {
        return Set.copyOf(namespaces);
    }

    Path namespacesFile() {
        return dir.resolve("namespaces");
    }

    Path pidFile() {
        return dir.resolve("lab.pid");
    }

    synchronized void added(String netns) throws IOException {
        if (namespaces.add(netns)) {
            write();
        }
    }

    synchronized void removed(String netns) {
        if (namespaces.remove(netns)) {
            try {
                write();
            } catch (IOException ignored) {
                // The record is advisory; cleanup also finds namespaces by prefix.
            }
        }
    }

    private void write() throws IOException {
        Path tmp = dir.resolve("namespaces.tmp");
        Files.write(tmp, namespaces, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, namespacesFile(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Namespaces recorded by an earlier lab in {@code dir}. */
    static List<String> recorded(Path dir) {
        try {
            return Files.readAllLines(dir.resolve("namespaces")).stream().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        }
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
