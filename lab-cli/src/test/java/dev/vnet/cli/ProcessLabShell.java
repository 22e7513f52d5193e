package dev.vnet.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A multi-process lab of a test's own (its prefix and state directory), driven as a user drives one: machine
 * verbs in process, every other `vnet` command as its own process (which enters the outside namespace itself),
 * and shell commands.
 */
final class ProcessLabShell {
    record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    final String prefix;
    final Path stateDir;

    ProcessLabShell(String prefix, Path stateDir) {
        this.prefix = prefix;
        this.stateDir = stateDir;
    }

    private List<String> common() {
        return List.of("--state-dir", stateDir.toString(), "--prefix", prefix, "--config",
                stateDir.resolve("no-config.yaml").toString()); // never the machine's /etc/vnet
    }

    /** In process, for the machine verbs (up, down, node restart): they never talk to lab addresses. */
    Run local(String... args) {
        List<String> all = new ArrayList<>(common());
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    /** `vnet ARGS` as its own process, as typed in a shell of the root namespace. */
    Run vnet(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        argv.addAll(common());
        argv.addAll(List.of(args));
        return run(90, argv);
    }

    static Run sh(long timeoutSeconds, String... argv) throws Exception {
        return run(timeoutSeconds, List.of(argv));
    }

    static Run run(long timeoutSeconds, List<String> argv) throws Exception {
        Path out = Files.createTempFile("vnet-pl", ".out");
        Path err = Files.createTempFile("vnet-pl", ".err");
        try {
            Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, Files.readString(out), Files.readString(err) + "[timed out: " + argv + "]");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
