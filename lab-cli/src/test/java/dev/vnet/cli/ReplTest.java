package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.cli.course.ProgressStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the REPL keeps its history; and that the tests' vnet state is theirs, not the user's. */
class ReplTest {
    @Test
    void theHistoryIsInTheStateFolder() {
        assertEquals(Path.of("/x/vnet/history"), Repl.historyFile(Map.of("XDG_STATE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.local/state/vnet/history"), Repl.historyFile(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.local/state/vnet/history"),
                Repl.historyFile(Map.of("XDG_STATE_HOME", "relative", "HOME", "/h")), "XDG wants absolute paths");
    }

    @Test
    void theHistoryIsBesideTheLabProgress() {
        Map<String, String> env = Map.of("XDG_STATE_HOME", "/x", "HOME", "/h");

        assertEquals(ProgressStore.defaultFile(env).getParent(), Repl.historyFile(env).getParent());
    }

    /**
     * Surefire gives the tests a HOME and XDG_STATE_HOME under target/ (lab-cli/pom.xml), so no test (nor the
     * REPL a test starts) reads the lab the user is in, or writes to their history.
     */
    @Test
    void theTestsStateIsUnderTarget() {
        Path target = Path.of("target").toAbsolutePath();
        Map<String, String> env = System.getenv();

        assertTrue(ProgressStore.defaultFile(env).startsWith(target), ProgressStore.defaultFile(env).toString());
        assertTrue(Repl.historyFile(env).startsWith(target), Repl.historyFile(env).toString());
        assertTrue(Path.of(env.get("HOME")).startsWith(target), env.get("HOME"));
    }
}
