package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.Privileges;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The REPL through a real terminal: tmux runs `vnet` with no verb, and the test types into it and reads the
 * screen. Completion of a pod name, a Mininet-style line, Ctrl-C during a long ping, Ctrl-D to leave.
 */
@Tag("integration")
class ReplIntegrationTest {
    private static String prefix;
    private static Path stateDir;
    private static String session;

    private static int vnet(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--state-dir";
        all[1] = stateDir.toString();
        all[2] = "--prefix";
        all[3] = prefix;
        System.arraycopy(args, 0, all, 4, args.length);
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
            tmux("kill-session", "-t", session);
        }
        if (prefix != null) {
            vnet("down");
            TestDirs.delete(stateDir);
        }
    }

    private static String tmux(String... args) throws Exception {
        String[] argv = new String[args.length + 1];
        argv[0] = "tmux";
        System.arraycopy(args, 0, argv, 1, args.length);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.waitFor(10, TimeUnit.SECONDS);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", session, "-S", "-200");
    }

    /** Waits until the screen shows {@code n} prompts: the REPL is reading again, so typing goes to it. */
    private static void awaitPrompts(int n) throws Exception {
        for (int i = 0; i < 50 && screen().lines().filter(l -> l.startsWith("vnet>")).count() < n; i++) {
            Thread.sleep(100);
        }
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
                + stateDir + " --prefix " + prefix;
        tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "50", cmd);
        assertTrue(await("vnet>").contains("vnet>"), screen());

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
        int prompts = (int) screen().lines().filter(l -> l.startsWith("vnet>")).count();
        awaitPrompts(prompts + 1);

        // Ctrl-C stops the running command, not the REPL.
        tmux("send-keys", "-t", session, prefix + "a ping " + prefix + "b", "Enter");
        await("icmp_seq=2");
        tmux("send-keys", "-t", session, "C-c");
        s = await("packets transmitted");
        awaitPrompts((int) screen().lines().filter(l -> l.startsWith("vnet>")).count() + 1);
        tmux("send-keys", "-t", session, "get nodes", "Enter");
        s = await("Ready");
        assertTrue(s.contains("Ready"), "the REPL is still there after Ctrl-C: " + s);

        // Ctrl-D leaves.
        tmux("send-keys", "-t", session, "C-d");
        boolean gone = false;
        for (int i = 0; i < 50 && !gone; i++) {
            Thread.sleep(100);
            gone = !tmux("list-sessions").contains(session);
        }
        assertTrue(gone, "Ctrl-D ends the REPL");
    }
}
