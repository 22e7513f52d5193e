package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress on disk: where it lives, a round trip, and a damaged file. */
class ProgressStoreTest {
    @TempDir
    Path dir;

    @Test
    void theFileIsChosenFromTheEnvironment() {
        assertEquals(Path.of("/tmp/p.json"), ProgressStore.defaultFile(Map.of("VNET_LAB_STATE", "/tmp/p.json",
                "XDG_STATE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/x/vnet/labs.json"), ProgressStore.defaultFile(Map.of("XDG_STATE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.local/state/vnet/labs.json"), ProgressStore.defaultFile(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.local/state/vnet/labs.json"),
                ProgressStore.defaultFile(Map.of("XDG_STATE_HOME", "relative", "HOME", "/h")), "XDG wants absolute paths");
    }

    @Test
    void progressRoundTrips() throws Exception {
        ProgressStore store = new ProgressStore(dir.resolve("a/b/labs.json"));
        assertTrue(store.load().labs.isEmpty(), "no file yet is no progress");
        Progress p = new Progress();
        p.current = "02-pods-on-one-node";
        Progress.LabProgress lp = new Progress.LabProgress();
        lp.step = 3;
        lp.hintsShown = 2;
        lp.passed = true;
        lp.labStartedAt = "2026-01-01T00:00:00Z";
        lp.baselines.put("node-1/gateway.echoReplies", 12L);
        p.labs.put("02-pods-on-one-node", lp);
        store.save(p);

        Progress back = new ProgressStore(dir.resolve("a/b/labs.json")).load();
        assertEquals("02-pods-on-one-node", back.current);
        Progress.LabProgress b = back.of("02-pods-on-one-node");
        assertEquals(3, b.step);
        assertEquals(2, b.hintsShown);
        assertTrue(b.passed);
        assertEquals("2026-01-01T00:00:00Z", b.labStartedAt);
        assertEquals(Map.of("node-1/gateway.echoReplies", 12L), b.baselines);
        try (var files = Files.list(dir.resolve("a/b"))) {
            assertEquals(1, files.count(), "no temporary file is left");
        }
        assertEquals(dir.resolve("a/b/lab-files/02-pods-on-one-node"), store.workdir("02-pods-on-one-node"));
    }

    @Test
    void aDamagedFileSaysHowToStartOver() throws Exception {
        Path f = dir.resolve("labs.json");
        Files.writeString(f, "{\"current\": ");
        ApiException e = assertThrows(ApiException.class, () -> new ProgressStore(f).load());
        assertTrue(e.getMessage().startsWith("cannot read the lab progress in " + f), e.getMessage());
        assertTrue(e.getMessage().endsWith("remove the file to start over"), e.getMessage());
    }
}
