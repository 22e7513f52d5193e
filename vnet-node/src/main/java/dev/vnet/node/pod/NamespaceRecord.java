package dev.vnet.node.pod;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The network namespaces a node (or a lab) has made, written down as they are made (one per line, in
 * {@code DIR/namespaces}), so that whatever a crashed process left can be found and removed by the next run.
 */
public final class NamespaceRecord {
    private final Path dir;
    private final Set<String> namespaces = new LinkedHashSet<>();

    public NamespaceRecord(Path dir) {
        this.dir = dir;
    }

    /** The record a previous run left in {@code dir}, to go on from. */
    public static NamespaceRecord resume(Path dir) {
        NamespaceRecord s = new NamespaceRecord(dir);
        s.namespaces.addAll(recorded(dir));
        return s;
    }

    public synchronized Set<String> namespaces() {
        return Set.copyOf(namespaces);
    }

    public Path file() {
        return dir.resolve("namespaces");
    }

    public synchronized void added(String netns) throws IOException {
        if (namespaces.add(netns)) {
            write();
        }
    }

    public synchronized void removed(String netns) {
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
        Files.move(tmp, file(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Namespaces recorded by an earlier run in {@code dir}. */
    public static List<String> recorded(Path dir) {
        try {
            return Files.readAllLines(dir.resolve("namespaces")).stream().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
