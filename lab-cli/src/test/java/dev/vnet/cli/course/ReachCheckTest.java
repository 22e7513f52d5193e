package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reach check's three expectations against the outcomes a connection can have: it connects, it is refused at
 * once (the network let it through), or it gets no answer (what a NetworkPolicy denial looks like).
 */
class ReachCheckTest {
    @TempDir
    Path dir;

    private static final CheckContext.Shell.Outcome CONNECTED = new CheckContext.Shell.Outcome(0, "");
    private static final CheckContext.Shell.Outcome REFUSED =
            new CheckContext.Shell.Outcome(1, "bash: connect: Connection refused");
    private static final CheckContext.Shell.Outcome TIMED_OUT = new CheckContext.Shell.Outcome(124, "");

    /** The test lab with its second step's checks replaced by one reach with {@code expect}. */
    private Check reach(String expect) throws Exception {
        Path lab = FakeApi.writeLab(dir.resolve(expect));
        Files.writeString(lab.resolve("lab.yaml"), FakeApi.LAB.replace(
                "- reach: {from: t1-a, to: t1-svc, port: 80}",
                "- reach: {from: t1-a, to: t1-svc, port: 80, expect: " + expect + "}"));
        return ExerciseLoader.load(lab).step(2).checks().get(0);
    }

    private static Check.Result run(Check check, CheckContext.Shell.Outcome outcome) throws Exception {
        FakeApi fake = new FakeApi();
        List<List<String>> commands = new java.util.ArrayList<>();
        CheckContext ctx = new CheckContext(ExerciseLoader.load(FakeApi.writeLab(Files.createTempDirectory("reach"))),
                fake.api(), (argv, timeout) -> {
                    commands.add(argv);
                    return outcome;
                }, Files.createTempDirectory("reach-work"), new HashMap<>());
        Check.Result r = check.run(ctx);
        assertEquals(List.of("ip", "netns", "exec", "t1-a", "bash", "-c",
                "timeout 3 bash -c 'exec 3<>/dev/tcp/10.96.0.5/80'"), commands.get(0), "a TCP connect to the ClusterIP");
        return r;
    }

    @Test
    void blockedPassesOnlyWhenNothingAnswers() throws Exception {
        Check blocked = reach("blocked");
        assertEquals("t1-a gets no answer from t1-svc:80 over TCP", blocked.what());
        assertTrue(run(blocked, TIMED_OUT).passed());
        Check.Result connected = run(blocked, CONNECTED);
        assertFalse(connected.passed());
        assertTrue(connected.missing().contains("still gets through (connected)"), connected.missing());
        Check.Result refused = run(blocked, REFUSED);
        assertFalse(refused.passed(), "a refusal means the network let the SYN through");
        assertTrue(refused.missing().contains("still gets through (connection refused)"), refused.missing());
    }

    @Test
    void refusedWantsARefusalAndOpenAConnection() throws Exception {
        Check refused = reach("refused");
        assertTrue(run(refused, REFUSED).passed());
        assertFalse(run(refused, TIMED_OUT).passed());
        Check open = reach("open");
        assertTrue(run(open, CONNECTED).passed());
        Check.Result timedOut = run(open, TIMED_OUT);
        assertFalse(timedOut.passed());
        assertTrue(timedOut.missing().contains("(timed out)"), timedOut.missing());
    }

    @Test
    void anUnknownExpectationIsAnErrorInTheLabFile() throws Exception {
        ExerciseFileException e = org.junit.jupiter.api.Assertions.assertThrows(ExerciseFileException.class,
                () -> reach("closed"));
        assertTrue(e.getMessage().contains("\"expect\" must be open, refused or blocked"), e.getMessage());
    }
}
