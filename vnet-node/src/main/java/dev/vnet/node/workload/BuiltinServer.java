package dev.vnet.node.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/** What the built-in images (whoami, echo) share: a name, a log file for `vnet logs`, and running or not. */
abstract class BuiltinServer implements Workload {
    private final String containerName;
    private final Path logFile;
    volatile boolean running = true;

    BuiltinServer(String containerName, Path logFile) {
        this.containerName = containerName;
        this.logFile = logFile;
    }

    /** Appends a timestamped line to the container's log; best effort, the server keeps serving. */
    void log(String line) {
        try {
            Files.writeString(logFile, Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // Best effort.
        }
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
        return null; // a built-in server does not exit by itself
    }

    @Override
    public Path logFile() {
        return logFile;
    }
}
