package dev.vnet.core.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs tshark and tcpdump on the files the writers produce; tests skip those checks where a tool is missing. */
final class ExternalTools {

    private ExternalTools() {
    }

    /** Skips the calling test unless {@code tool} is an executable on the PATH. */
    static void assumeInstalled(String tool) {
        Assumptions.assumeTrue(installed(tool), tool + " is not installed");
    }

    static boolean installed(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs the command, asserts it exits 0, and returns its standard output. */
    static String run(String... command) throws IOException, InterruptedException {
        Path stderr = Files.createTempFile("vnet-tool", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
            String err = Files.readString(stderr);
            assertEquals(0, process.exitValue(), String.join(" ", command) + " failed: " + err);
            return out;
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    /** Runs tshark with {@code -T fields} and returns one list of tab-separated fields per packet. */
    static List<String[]> tsharkFields(Path file, String... fields) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString(), "-T", "fields"));
        for (String field : fields) {
            command.add("-e");
            command.add(field);
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : run(command.toArray(new String[0])).split("\n")) {
            if (!line.isEmpty()) {
                rows.add(line.split("\t", -1));
            }
        }
        return rows;
    }
}
