package dev.vnet.core.linux;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one place where vnet runs system commands ({@code ip}, mostly) to configure interfaces and namespaces.
 *
 * <p>Every command goes through {@link #run}, so {@code vnet up --explain} can print each one as it runs:
 * the learner sees exactly the iproute2 steps that build the lab.
 */
public final class Commands {
    private static final long TIMEOUT_SECONDS = 20;

    private final PrintStream explain;

    /** @param explain where to echo each command before it runs, or null to run quietly */
    public Commands(PrintStream explain) {
        this.explain = explain;
    }

    public static Commands quiet() {
        return new Commands(null);
    }

    /** Runs {@code argv}; throws with the command's own error text when it exits non-zero. */
    public String run(String... argv) throws IOException {
        Result r = exec(argv);
        if (r.exitCode != 0) {
            throw new IOException("`" + String.join(" ", argv) + "` failed: " + r.output.strip());
        }
        return r.output;
    }

    /** Runs {@code argv} and reports failure in the result instead of throwing; for cleanup steps. */
    public Result tryRun(String... argv) {
        try {
            return exec(argv);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
    }

    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private Result exec(String... argv) throws IOException {
        if (explain != null) {
            explain.println("+ " + String.join(" ", argv));
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + argv[0] + ": " + missingHint(argv[0]), e);
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("`" + String.join(" ", argv) + "` did not finish in " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv[0], e);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Whether {@code program} is on the PATH. */
    public static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The Debian package that provides a tool vnet uses, for one-line "install it" hints. */
    public static String packageFor(String program) {
        return switch (program) {
            case "ip" -> "iproute2";
            case "ping" -> "iputils-ping";
            case "dig", "nslookup" -> "dnsutils";
            case "tcpdump" -> "tcpdump";
            case "curl" -> "curl";
            case "iperf3" -> "iperf3";
            default -> program;
        };
    }

    static String missingHint(String program) {
        return program + " is not installed: run `apt-get install " + packageFor(program) + "` (or `make install`)";
    }

    /** Splits a list of arguments for display, quoting those with spaces. */
    public static String display(List<String> argv) {
        List<String> out = new ArrayList<>();
        for (String a : argv) {
            out.add(a.contains(" ") ? "'" + a + "'" : a);
        }
        return String.join(" ", out);
    }
}
