package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vnet.cli.course.Catalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REPL prompt's lab part comes from the progress file of the environment it is given, and only that. */
class LabPromptTest {
    private static final String LAB = "01-pod-is-a-namespace";
    private static final Path LABS = repositoryLabs();

    @TempDir
    Path dir;

    private static String progress(String lab, int step, boolean done) {
        return """
                {"current": "%s", "labs": {"%s": {"step": %d, "done": %b}}}
                """.formatted(lab, lab, step, done);
    }

    private static int steps() throws Exception {
        return Catalog.open(LABS).lab(LAB).steps().size();
    }

    private Path write(String relative, String text) throws Exception {
        Path f = dir.resolve(relative);
        Files.createDirectories(f.getParent());
        return Files.writeString(f, text);
    }

    @Test
    void showsTheLabAndStepOfTheStateFolder() throws Exception {
        write("state/vnet/labs.json", progress(LAB, 1, false));

        assertEquals(LAB + " 1/" + steps(), LabPrompt.current(Map.of("XDG_STATE_HOME", dir.resolve("state").toString(),
                "HOME", dir.resolve("home").toString(), "VNET_LABS", LABS.toString())));
    }

    @Test
    void theStateFolderWinsOverHome() throws Exception {
        write("state/vnet/labs.json", progress(LAB, 1, true));
        write("home/.local/state/vnet/labs.json", progress("02-pods-on-one-node", 2, false));

        assertEquals(LAB + " done", LabPrompt.current(Map.of("XDG_STATE_HOME", dir.resolve("state").toString(),
                "HOME", dir.resolve("home").toString(), "VNET_LABS", LABS.toString())));
    }

    @Test
    void withoutXdgStateHomeTheProgressIsUnderHome() throws Exception {
        write("home/.local/state/vnet/labs.json", progress(LAB, 2, false));

        assertEquals(LAB + " 2/" + steps(), LabPrompt.current(Map.of("HOME", dir.resolve("home").toString(),
                "VNET_LABS", LABS.toString())));
    }

    @Test
    void noProgressIsAPlainPrompt() {
        assertNull(LabPrompt.current(Map.of("XDG_STATE_HOME", dir.resolve("state").toString(),
                "HOME", dir.resolve("home").toString(), "VNET_LABS", LABS.toString())));
    }

    private static Path repositoryLabs() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("labs").resolve(LAB))) {
                return p.resolve("labs");
            }
        }
        throw new IllegalStateException("no labs/" + LAB + " above " + Path.of("").toAbsolutePath());
    }
}
