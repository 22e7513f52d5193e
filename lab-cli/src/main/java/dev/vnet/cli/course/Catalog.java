package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The labs of a {@code labs/} folder, in id order, each loaded and checked; pod and Service names must not be
 * shared between labs, so that labs can run side by side on one vnet lab.
 */
public final class Catalog {
    /** The environment variable that points at a labs folder. */
    public static final String ENV = "VNET_LABS";

    private final Path dir;
    private final List<Exercise> labs;

    private Catalog(Path dir, List<Exercise> labs) {
        this.dir = dir;
        this.labs = List.copyOf(labs);
    }

    /** Loads every {@code NN-slug/lab.yaml} of {@code dir}; any lab file with a mistake fails the whole. */
    public static Catalog open(Path dir) throws ExerciseFileException {
        List<Exercise> labs = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                // A folder without lab.yaml yet is a lab being written, not a broken one.
                if (ExerciseLoader.ID.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(ExerciseLoader.FILE))) {
                    labs.add(ExerciseLoader.load(p));
                }
            }
        } catch (IOException e) {
            throw new ExerciseFileException("cannot list the labs in " + display(dir) + ": " + e.getMessage());
        }
        Map<String, String> owner = new HashMap<>();
        for (Exercise lab : labs) {
            for (String name : names(lab)) {
                String other = owner.putIfAbsent(name, lab.id());
                if (other != null) {
                    throw new ExerciseFileException(display(lab.dir().resolve(ExerciseLoader.FILE)) + ": " + name
                            + " is also created by lab " + other + ": names must be unique across labs");
                }
            }
        }
        return new Catalog(dir, labs);
    }

    private static Set<String> names(Exercise lab) {
        Set<String> out = new LinkedHashSet<>();
        lab.pods().forEach(p -> out.add("pod " + p));
        lab.services().forEach(s -> out.add("Service " + s));
        return out;
    }

    public Path dir() {
        return dir;
    }

    public List<Exercise> labs() {
        return labs;
    }

    /** The lab with this id, or with this number ("02"). */
    public Exercise lab(String idOrNumber) throws ApiException {
        for (Exercise lab : labs) {
            if (lab.id().equals(idOrNumber) || (idOrNumber.matches("\\d\\d") && lab.id().startsWith(idOrNumber + "-"))) {
                return lab;
            }
        }
        throw new ApiException("there is no lab \"" + idOrNumber + "\": `vnet lab list` shows them");
    }

    /**
     * Where the labs are: {@code explicit} if given, else $VNET_LABS, else a {@code labs/} folder with labs in the
     * working folder or one of its parents, else next to the vnet jar (the source tree's, or an installed
     * {@code labs/} beside it or in /usr/local/share/vnet).
     */
    public static Path locate(Path explicit, Map<String, String> env) throws ApiException {
        if (explicit != null) {
            return requireLabs(explicit, "--labs-dir");
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return requireLabs(Path.of(fromEnv), ENV);
        }
        List<Path> candidates = new ArrayList<>();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            candidates.add(p.resolve("labs"));
        }
        try {
            Path jar = Path.of(Catalog.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar.getParent(); p != null; p = p.getParent()) {
                candidates.add(p.resolve("labs"));
            }
        } catch (Exception e) {
            // No code source (unusual class loaders): the other places still apply.
        }
        candidates.add(Path.of("/usr/local/share/vnet/labs"));
        for (Path c : candidates) {
            if (hasLabs(c)) {
                return c;
            }
        }
        throw new ApiException("no labs found: run vnet in its source folder, or set " + ENV + " to its labs/ folder");
    }

    private static Path requireLabs(Path dir, String from) throws ApiException {
        if (!hasLabs(dir)) {
            throw new ApiException(from + " points at " + dir + ", which holds no NN-slug/" + ExerciseLoader.FILE);
        }
        return dir;
    }

    private static boolean hasLabs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(p -> ExerciseLoader.ID.matcher(p.getFileName().toString()).matches()
                    && Files.isRegularFile(p.resolve(ExerciseLoader.FILE)));
        } catch (IOException e) {
            return false;
        }
    }

    /** A path as the learner would type it: relative to the working folder when inside it. */
    public static String display(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }
}
