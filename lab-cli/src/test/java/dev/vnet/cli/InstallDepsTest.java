package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What {@code make run} and {@code make test} install: the Makefile's recipes read with {@code make -n}, and
 * {@code scripts/install-deps.sh --dry-run} run as on a bare machine (a PATH with no tools on it), so every
 * package of the set is listed. Nothing is installed; no root needed.
 */
class InstallDepsTest {
    /** What running the lab and its README walk use. */
    private static final Set<String> RUN = Set.of("iproute2", "iputils-ping", "curl", "dnsutils", "iperf3",
            "tcpdump", "tshark", "procps", "util-linux", "etcd-server", "etcd-client", "libpcap0.8",
            "openjdk-17-jdk-headless", "maven");
    /** What only the tests use. */
    private static final Set<String> TEST_ONLY = Set.of("tmux", "ruby", "shellcheck", "vagrant", "vagrant-libvirt",
            "systemd", "make");
    private static final String SCRIPT = "scripts/install-deps.sh";

    private final Path root = repositoryRoot();

    @Test
    void runInstallAndBuildInstallOnlyWhatTheLabNeeds() {
        for (String target : List.of("run", "install", "build")) {
            Set<String> packages = packagesInstalledBy(target);

            assertTrue(packages.containsAll(RUN), "make " + target + " installs " + packages + ", not all of " + RUN);
            Set<String> testOnly = new TreeSet<>(packages);
            testOnly.retainAll(TEST_ONLY);
            assertEquals(Set.of(), testOnly, "make " + target + " installs test-only packages");
        }
    }

    @Test
    void testInstallsWhatTheLabAndTheTestsNeed() {
        Set<String> packages = packagesInstalledBy("test");

        assertTrue(packages.containsAll(RUN), "make test installs " + packages + ", not all of " + RUN);
        assertTrue(packages.containsAll(TEST_ONLY), "make test installs " + packages + ", not all of " + TEST_ONLY);
    }

    @Test
    void ciRunsMakeTest() throws IOException {
        List<String> lines = Files.readAllLines(root.resolve(".ci/run"));

        assertTrue(lines.contains("make test"), ".ci/run: " + lines);
    }

    @Test
    void aMissingOrUnknownSetIsAOneLineUsageError() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("all"), List.of("run", "test"))) {
            List<String> command = new ArrayList<>(List.of(SCRIPT));
            command.addAll(args);
            Result r = script(command);

            assertEquals(2, r.exitCode(), command + ": " + r.output());
            assertTrue(r.output().startsWith("usage: install-deps.sh run|test") && r.output().lines().count() == 1,
                    command + ": " + r.output());
        }
    }

    /** The packages the one install-deps.sh line of {@code make -n TARGET} would install on a bare machine. */
    private Set<String> packagesInstalledBy(String target) {
        Result make = run(List.of(tool("make"), "-n", "-C", root.toString(), target), System.getenv("PATH"));
        assertEquals(0, make.exitCode(), "make -n " + target + ": " + make.output());
        List<String> deps = make.output().lines().filter(l -> l.startsWith(SCRIPT)).toList();
        assertEquals(1, deps.size(), "make -n " + target + " runs " + SCRIPT + " once: " + make.output());
        List<String> command = new ArrayList<>(Arrays.asList(deps.get(0).split(" +")));
        command.add("--dry-run");
        Result r = script(command);
        assertEquals(0, r.exitCode(), command + ": " + r.output());
        String line = r.output().lines().filter(l -> l.startsWith("would install: ")).findFirst()
                .orElseThrow(() -> new AssertionError(command + ": " + r.output()));
        return new TreeSet<>(Arrays.asList(line.substring("would install: ".length()).split(" ")));
    }

    /** Runs install-deps.sh with bash, on a PATH where no tool is found. */
    private Result script(List<String> command) {
        // An older script had no --dry-run and no usage check: run as root, it would try to install.
        assertTrue(read(root.resolve(SCRIPT)).contains("--dry-run"), SCRIPT + " has no --dry-run");
        List<String> argv = new ArrayList<>(List.of(tool("bash")));
        argv.add(root.resolve(command.get(0)).toString());
        argv.addAll(command.subList(1, command.size()));
        return run(argv, root.resolve("no-such-dir").toString());
    }

    private record Result(int exitCode, String output) {}

    private Result run(List<String> argv, String path) {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", path);
        pb.environment().put("LC_ALL", "C");
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(argv + " did not finish in 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not run " + argv, e);
        }
    }

    /** The absolute path of a tool on the test's PATH; a missing one fails the test in one line. */
    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail(name + " is not installed: run scripts/install-deps.sh test");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("could not read " + file, e);
        }
    }

    /** The repository's top folder: the nearest ancestor of the working directory with the Makefile. */
    private static Path repositoryRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("Makefile")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no Makefile above " + cwd);
    }
}
