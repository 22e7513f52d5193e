package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.cli.LabCommand;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every lab of labs/, played through on one real vnet lab (2 nodes, started in the background): for each step
 * the check must fail before the step's solution runs (a check that cannot fail is caught here) and pass after
 * it; the lab must end done, and `lab reset` must remove what it created. Needs root (skipped otherwise).
 */
@Tag("integration")
class LabsIntegrationTest {
    private static final Path LABS = Path.of("../labs");
    private static final Duration SHELL_TIMEOUT = Duration.ofSeconds(60);
    private static String prefix;
    private static Path stateDir;
    private static Path progress;
    private static Path bin;
    private static Catalog catalog;

    private record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private static Run vnet(String... args) {
        List<String> all = new ArrayList<>(List.of("--state-dir", stateDir.toString(), "--prefix", prefix,
                "--config", stateDir.resolve("no-config.yaml").toString())); // not the machine's /etc/vnet
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LabCommand.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static Run lab(String... args) {
        List<String> all = new ArrayList<>(List.of("lab", "--labs-dir", LABS.toString(), "--lab-state", progress.toString()));
        all.addAll(List.of(args));
        return vnet(all.toArray(String[]::new));
    }

    static Stream<String> labIds() throws Exception {
        // Labs on node processes over etcd are walked by MultiProcessIntegrationTest, on such a lab.
        // -Dvnet.labs=12,13 walks only the labs whose ids start so (while writing one).
        List<String> only = List.of(System.getProperty("vnet.labs", "").split(",")).stream()
                .filter(s -> !s.isBlank()).toList();
        return Catalog.open(LABS).labs().stream().filter(l -> l.store().equals("memory"))
                .filter(l -> only.isEmpty() || only.stream().anyMatch(l.id()::startsWith)).map(Exercise::id);
    }

    @BeforeAll
    static void up() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        catalog = Catalog.open(LABS);
        for (Exercise lab : catalog.labs()) {
            for (String pod : lab.pods()) {
                assumeTrue(!NetNs.exists(pod), "integration test skipped: a network namespace " + pod
                        + " exists, so another vnet lab is running the labs on this machine");
            }
        }
        prefix = "vl" + UUID.randomUUID().toString().substring(0, 6) + "-";
        stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        progress = stateDir.resolve("labs").resolve("labs.json");
        int nodes = catalog.labs().stream().filter(l -> l.store().equals("memory")).mapToInt(Exercise::nodes).max().orElse(1);
        Run up = vnet("up", "-d", "--nodes", Integer.toString(nodes));
        assertEquals(0, up.exit(), up.err());
        // Shell lines of solutions call `vnet`: this lab's, through the test's own class path.
        bin = stateDir.resolve("bin");
        Files.createDirectories(bin);
        Path wrapper = bin.resolve("vnet");
        Files.writeString(wrapper, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java")
                + "' -cp '" + System.getProperty("java.class.path") + "' " + dev.vnet.cli.Main.class.getName()
                + " --state-dir '" + stateDir + "' --prefix '" + prefix + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterAll
    static void down() throws Exception {
        if (prefix != null) {
            Run down = vnet("down");
            if (down.exit() == 0) {
                try (Stream<Path> files = Files.walk(stateDir)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labIds")
    void everyStepFailsUntilItsSolutionRunsThenPasses(String id) throws Exception {
        Exercise lab = catalog.lab(id);
        Run start = lab("start", id);
        assertEquals(0, start.exit(), start.all());
        assertTrue(start.out().contains("step 1 of " + lab.steps().size()), start.out());

        for (int n = 1; n <= lab.steps().size(); n++) {
            String step = id + " step " + n + " (" + lab.step(n).title() + ")";
            Run before = lab("check");
            assertEquals(1, before.exit(), step + " passed before its solution ran: a check that cannot fail?\n"
                    + before.all());
            assertTrue(before.out().contains("✗ "), before.out());
            for (String line : lab.step(n).solution()) {
                solve(lab, line, step);
            }
            Run after = checkSoon();
            assertEquals(0, after.exit(), step + " still fails after its solution:\n" + after.all());
            Run next = lab("next");
            assertEquals(0, next.exit(), next.all());
        }

        Run status = lab("status", id);
        assertTrue(status.out().contains("done"), status.out());
        assertTrue(lab("list").out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains(" done ")));

        Run reset = lab("reset", id);
        assertEquals(0, reset.exit(), reset.all());
        for (String pod : lab.pods()) {
            assertFalse(NetNs.exists(pod), "pod " + pod + "'s namespace is left after reset");
            assertEquals(1, vnet("get", "pod", pod).exit(), "pod " + pod + " is left after reset");
        }
        for (String svc : lab.services()) {
            assertEquals(1, vnet("get", "svc", svc).exit(), "Service " + svc + " is left after reset");
        }
        assertFalse(Files.exists(new ProgressStore(progress).workdir(id)));
        assertTrue(lab("list").out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains(" new ")));
    }

    /** `lab check` until it passes, for up to 5 s: containers and conntrack need a moment after a command. */
    private static Run checkSoon() throws InterruptedException {
        Run r = lab("check");
        for (int i = 0; i < 10 && r.exit() != 0; i++) {
            Thread.sleep(500);
            r = lab("check");
        }
        return r;
    }

    /** Runs one solution line as a learner would: vnet commands in-process, anything else with bash. */
    private static void solve(Exercise lab, String line, String step) throws Exception {
        CheckContext ctx = new CheckContext(lab, CheckContext.Api.of(ApiClient.local(stateDir)), CheckContext.PROCESSES,
                new ProgressStore(progress).workdir(lab.id()), new HashMap<>());
        String command;
        try {
            command = ctx.expand(line);
        } catch (Vars.Unresolved e) {
            fail(step + ": cannot fill in \"" + line + "\": " + e.getMessage());
            return;
        }
        if (command.startsWith("vnet ")) {
            List<String> words = Words.split(command);
            Run r = vnet(words.subList(1, words.size()).toArray(String[]::new));
            System.out.println("$ " + command + "\n" + r.all() + "(exit " + r.exit() + ")");
            return;
        }
        CheckContext.Shell.Outcome o = CheckContext.PROCESSES.run(List.of("env", "PATH=" + bin + ":" + System.getenv("PATH"),
                "bash", "-c", command), SHELL_TIMEOUT);
        System.out.println("$ " + command + "\n" + o.output() + "(exit " + o.exit() + ")");
        assertTrue(o.exit() != 124, step + ": \"" + command + "\" did not end within " + SHELL_TIMEOUT.toSeconds() + " s");
    }
}
