package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.cli.course.Catalog;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.Privileges;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REPL through a real terminal: tmux runs `vnet` with no verb, and the test types into it and reads the
 * screen. Completion of a pod name, a Mininet-style line, Ctrl-C during a long ping, Ctrl-D to leave.
 *
 * <p>Nothing of the user's is read or written: tmux is a server of its own (its own socket, no config file),
 * and the REPL gets a HOME and XDG_STATE_HOME in the test's folder, where the test puts a guided lab in
 * progress, so the prompt is known: "vnet 01-pod-is-a-namespace 1/N> ".
 */
@Tag("integration")
class ReplIntegrationTest {
    private static final String LAB = "01-pod-is-a-namespace";

    @TempDir
    static Path own;

    private static String prefix;
    private static Path stateDir;
    private static String session;
    private static String prompt;

    private static int vnet(String... args) {
        String[] all = new String[args.length + 6];
        all[0] = "--state-dir";
        all[1] = stateDir.toString();
        all[2] = "--prefix";
        all[3] = prefix;
        all[4] = "--config";
        all[5] = own.resolve("no-config.yaml").toString();
        System.arraycopy(args, 0, all, 6, args.length);
        return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), all);
    }

    @BeforeAll
    static void up() throws Exception {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        assumeTrue(Commands.onPath("tmux"), "REPL test skipped: tmux is not installed (apt-get install tmux)");
        prefix = "vr" + UUID.randomUUID().toString().substring(0, 6) + "-";
        stateDir = Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1));
        session = prefix + "repl";
        // The test's guided lab, in the REPL's state folder; a different one in its HOME, which must not win.
        Files.createDirectories(own.resolve("state/vnet"));
        Files.writeString(own.resolve("state/vnet/labs.json"), """
                {"current": "%1$s", "labs": {"%1$s": {"step": 1}}}
                """.formatted(LAB));
        Files.createDirectories(own.resolve("home/.local/state/vnet"));
        Files.writeString(own.resolve("home/.local/state/vnet/labs.json"), """
                {"current": "02-pods-on-one-node", "labs": {"02-pods-on-one-node": {"step": 2}}}
                """);
        prompt = "vnet " + LAB + " 1/" + Catalog.open(repositoryLabs()).lab(LAB).steps().size() + ">";
        assertEquals(0, vnet("up", "-d", "--nodes", "1"));
        Path pods = Files.createDirectories(stateDir).resolve("pods.yaml");
        Files.writeString(pods, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$sa}
                spec: {containers: [{name: s, image: busybox, command: [sleep, infinity]}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$sb}
                spec: {containers: [{name: s, image: busybox, command: [sleep, infinity]}]}
                """.formatted(prefix));
        assertEquals(0, vnet("apply", "-f", pods.toString()));
    }

    @AfterAll
    static void down() throws Exception {
        if (session != null) {
            tmux("kill-server"); // this test's own tmux server, by its socket
        }
        if (prefix != null) {
            vnet("down");
            TestDirs.delete(stateDir);
        }
    }

    /** tmux on this test's own server; the server, and so the REPL, gets the test's HOME and state folder. */
    private static String tmux(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("tmux", "-S", own.resolve("tmux.sock").toString(),
                "-f", "/dev/null"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeAll(List.of("TMUX", "TMUX_PANE", "VNET_LAB_STATE"));
        env.put("HOME", own.resolve("home").toString());
        env.put("XDG_STATE_HOME", own.resolve("state").toString());
        env.put("VNET_LABS", repositoryLabs().toString());
        Process p = pb.start();
        p.waitFor(10, TimeUnit.SECONDS);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", session, "-S", "-200");
    }

    /** Waits until the screen shows {@code n} prompts: the REPL is reading again, so typing goes to it. */
    private static void awaitPrompts(int n) throws Exception {
        for (int i = 0; i < 50 && prompts() < n; i++) {
            Thread.sleep(100);
        }
    }

    private static int prompts() throws Exception {
        return (int) screen().lines().filter(l -> l.startsWith(prompt)).count();
    }

    private static Path repositoryLabs() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("labs").resolve(LAB))) {
                return p.resolve("labs");
            }
        }
        throw new IllegalStateException("no labs/" + LAB + " above " + Path.of("").toAbsolutePath());
    }

    /** Waits until the screen shows {@code text}, up to 20 s; returns the screen. */
    private static String await(String text) throws Exception {
        String s = "";
        for (int i = 0; i < 200; i++) {
            s = screen();
            if (s.contains(text)) {
                return s;
            }
            Thread.sleep(100);
        }
        return s;
    }

    @Test
    void aSessionAtTheTerminal() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cmd = java + " -cp " + System.getProperty("java.class.path") + " dev.vnet.cli.Main --state-dir "
                + stateDir + " --prefix " + prefix + " --config " + own.resolve("no-config.yaml");
        tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "50", cmd);
        String first = await(prompt);
        assertTrue(first.contains(prompt), "the prompt shows the test's own guided lab: " + first);

        tmux("send-keys", "-t", session, "get pods", "Enter");
        String s = await(prefix + "b ");
        awaitPrompts(2);
        assertTrue(s.contains("NAME") && s.contains(prefix + "a"), s);

        // Completion of a live pod name: "exec <prefix>" and Tab twice lists both pods.
        tmux("send-keys", "-t", session, "exec " + prefix, "Tab", "Tab");
        for (int i = 0; i < 100 && screen().lines().noneMatch(l -> l.contains(prefix + "a") && l.contains(prefix + "b")); i++) {
            Thread.sleep(100);
        }
        s = screen();
        tmux("send-keys", "-t", session, "C-u");
        Thread.sleep(300);
        assertTrue(s.lines().anyMatch(l -> l.contains(prefix + "a") && l.contains(prefix + "b")),
                "both pods offered on one line: " + s);

        // A Mininet-style line: the second pod's name becomes its IP.
        tmux("send-keys", "-t", session, prefix + "a ping -c 1 -W 2 " + prefix + "b", "Enter");
        s = await("1 received");
        assertTrue(s.contains("1 received"), s);
        awaitPrompts(prompts() + 1);

        // Ctrl-C stops the running command, not the REPL.
        tmux("send-keys", "-t", session, prefix + "a ping " + prefix + "b", "Enter");
        await("icmp_seq=2");
        tmux("send-keys", "-t", session, "C-c");
        s = await("packets transmitted");
        awaitPrompts(prompts() + 1);
        int before = prompts();
        tmux("send-keys", "-t", session, "get nodes", "Enter");
        s = await("Ready");
        assertTrue(s.contains("Ready"), "the REPL is still there after Ctrl-C: " + s);

        // Ctrl-D leaves (typed once the REPL reads again).
        awaitPrompts(before + 1);
        String last = screen();
        tmux("send-keys", "-t", session, "C-d");
        boolean gone = false;
        for (int i = 0; i < 50 && !gone; i++) {
            Thread.sleep(100);
            gone = !tmux("list-sessions").contains(session);
        }
        assertTrue(gone, "Ctrl-D ends the REPL: " + last);

        // The history went to the test's state folder, nothing to its HOME.
        Path history = own.resolve("state/vnet/history");
        assertTrue(Files.exists(history) && Files.readString(history).contains("get pods"), "history in " + history);
        assertFalse(Files.exists(own.resolve("home/.local/state/vnet/history")), "no history under HOME");
    }
}
