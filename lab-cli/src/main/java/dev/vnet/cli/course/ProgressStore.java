package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;

/**
 * Where progress is kept, so it survives quitting: {@code $VNET_LAB_STATE} if set, else {@code labs.json} in
 * vnet's state folder ({@link #stateDir}, shared with the REPL's history). Writes replace the file
 * atomically, so a crash never leaves half a file. Each lab also gets a scratch folder beside it
 * ({@code lab-files/ID/}, the labs' {@code ${workdir}}) for captures and the like.
 */
public final class ProgressStore {
    /** The environment variable that overrides the progress file. */
    public static final String ENV = "VNET_LAB_STATE";
    private static final ObjectMapper JSON = dev.vnet.apiserver.api.Json.PRETTY.rebuild()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final Path file;

    public ProgressStore(Path file) {
        this.file = file;
    }

    /** The progress file for this environment (see the class comment). */
    public static Path defaultFile(Map<String, String> env) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        return stateDir(env).resolve("labs.json");
    }

    /**
     * vnet's per-user state folder, as the XDG Base Directory spec places it: {@code $XDG_STATE_HOME/vnet} if
     * that is an absolute path, else {@code $HOME/.local/state/vnet}.
     */
    public static Path stateDir(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "vnet");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".local", "state", "vnet");
    }

    public Path file() {
        return file;
    }

    /** The scratch folder of a lab. */
    public Path workdir(String labId) {
        return file.toAbsolutePath().getParent().resolve("lab-files").resolve(labId);
    }

    /** The saved progress; none saved yet is empty progress. */
    public Progress load() throws ApiException {
        if (!Files.exists(file)) {
            return new Progress();
        }
        try {
            Progress p = JSON.readValue(file.toFile(), Progress.class);
            if (p.labs == null) {
                p.labs = new java.util.TreeMap<>();
            }
            return p;
        } catch (tools.jackson.core.JacksonException e) {
            throw new ApiException("cannot read the lab progress in " + file + " (" + e.getClass().getSimpleName()
                    + "): remove the file to start over");
        }
    }

    public void save(Progress progress) throws ApiException {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".labs", ".json.tmp");
            try {
                JSON.writeValue(tmp.toFile(), progress);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ApiException("cannot save the lab progress to " + file + ": " + e.getMessage());
        }
    }
}
