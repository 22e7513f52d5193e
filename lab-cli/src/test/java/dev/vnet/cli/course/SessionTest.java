package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab verbs on a lab in memory: list, start, check, hint, next, status, reset, and saved progress. */
class SessionTest {
    @TempDir
    Path dir;

    private final FakeApi fake = new FakeApi();
    private Catalog catalog;
    private ProgressStore store;
    private StringWriter out;

    @BeforeEach
    void setUp() throws Exception {
        FakeApi.writeLab(dir.resolve("labs"));
        catalog = Catalog.open(dir.resolve("labs"));
        store = new ProgressStore(dir.resolve("state/labs.json"));
    }

    /** A session as one `vnet lab ...` command has it: progress is read from the file each time. */
    private Session session() {
        out = new StringWriter();
        return new Session(catalog, store, fake.api(), (argv, timeout) -> fake.run(argv), new PrintWriter(out));
    }

    private String text() {
        return out.toString();
    }

    @Test
    void listPrintsOneLinePerLabStartingWithItsId() throws Exception {
        session().list();
        assertEquals("01-test  new       how the engine runs labs\n", text());
        session().start("01-test");
        session().list();
        assertEquals("01-test  step 1/2  how the engine runs labs\n", text());
    }

    @Test
    void startAppliesTheManifestsAndShowsStepOneWithItsVariablesFilledIn() throws Exception {
        session().start("01");
        assertTrue(text().startsWith("lab 01-test: A test lab\nteaches: how the engine runs labs\npod/t1-a created\n"
                + "service/t1-svc created\n\nstep 1 of 2: Ping\n\n  Ping 10.244.1.1 from t1-a (10.244.1.2).\n\ntry:\n"
                + "  $ vnet exec t1-a -- ping -c 1 10.244.1.1\n"), text());
        assertTrue(fake.ops.contains("apply"));
        assertTrue(Files.isDirectory(store.workdir("01-test")));
    }

    @Test
    void hintsComeOneAtATimeThenTheSolution() throws Exception {
        session().start("01-test");
        session().hint(null);
        assertEquals("hint 1 of 1 for step 1: ping it\n", text());
        session().hint(null);
        assertEquals("no more hints: these commands solve step 1:\n  $ vnet exec t1-a -- ping -c 1 10.244.1.1\n", text());
        session().hint(null);
        assertTrue(text().startsWith("no more hints"), text());
        fake.neighExit = 0;
        assertTrue(session().next(null));
        session().hint(null);
        assertEquals("hint 1 of 2 for step 2: curl it\n", text());
        session().hint(null);
        assertEquals("hint 2 of 2 for step 2: harder\n", text());
        session().status(null);
        assertTrue(text().contains("hints shown: 2 of 2"), text());
    }

    @Test
    void checkSaysWhatIsMissingUntilTheNetworkHasIt() throws Exception {
        session().start("01-test");
        assertFalse(session().check(null));
        assertEquals("step 1 of 2: Ping\n  ✗ t1-a has not talked to its gateway 10.244.1.1\n"
                + "not yet: 0 of 1 checks pass (stuck? `vnet lab hint`)\n", text());
        assertEquals(List.of("ip", "netns", "exec", "t1-a", "bash", "-c", "ip neigh show 10.244.1.1 | grep -q lladdr"),
                fake.commands.get(0));
        assertFalse(session().next(null), "next refuses a step whose checks fail");
        fake.neighExit = 0;
        assertTrue(session().check(null));
        assertTrue(text().endsWith("step 1 done: `vnet lab next` goes on to step 2\n"), text());
    }

    @Test
    void countersCountFromTheStepsBeginningAndTheLastNextShowsTheRecap() throws Exception {
        session().start("01-test");
        fake.neighExit = 0;
        fake.vxlanRx = 500; // traffic of step 1 does not count for step 2
        assertTrue(session().next(null));
        fake.tcpExit = 0;
        fake.vxlanRx = 501;
        assertFalse(session().check(null));
        assertTrue(text().contains("  ✓ t1-a reaches t1-svc:80 over TCP\n"
                + "  ✗ node-2's vxlan.rxPackets grew by 1 since this step began, 2 wanted\n"), text());
        fake.vxlanRx = 502;
        assertTrue(session().check(null));
        assertTrue(session().next(null));
        assertTrue(text().contains("lab 01-test done. Recap:\n\n  It worked on 192.168.56.12.\n"), text());
        session().status(null);
        assertTrue(text().startsWith("lab 01-test: A test lab\ndone (finished "), text());
        session().list();
        assertEquals("01-test  done      how the engine runs labs\n", text());
    }

    @Test
    void progressSurvivesAndAStartResumesInTheSameVnetLab() throws Exception {
        session().start("01-test");
        fake.neighExit = 0;
        session().next(null);
        int applies = (int) fake.ops.stream().filter("apply"::equals).count();
        session().start("01-test");
        assertTrue(text().startsWith("resuming lab 01-test at step 2 of 2"), text());
        assertEquals(applies, fake.ops.stream().filter("apply"::equals).count(), "a resume applies nothing");
        assertTrue(Files.readString(store.file()).contains("\"step\" : 2"));
    }

    @Test
    void aFreshStartRemovesWhatAnEarlierTryLeft() throws Exception {
        session().start("01-test");
        fake.neighExit = 0;
        assertTrue(session().next(null));
        fake.tcpExit = 0;
        fake.vxlanRx += 2;
        assertTrue(session().next(null));
        session().start("01-test"); // done, so it starts afresh
        assertTrue(text().contains("\nremoved what an earlier try left: pod \"t1-a\" deleted, service \"t1-svc\" deleted\n"
                + "pod/t1-a created\n"), text());
        assertEquals(1, store.load().of("01-test").step);
    }

    @Test
    void aRestartedVnetLabIsNoticed() throws Exception {
        session().start("01-test");
        fake.startedAt = "2026-01-02T00:00:00Z";
        ApiException e = assertThrows(ApiException.class, () -> session().check(null));
        assertEquals("the vnet lab was restarted since lab 01-test began, and its pods went with it: "
                + "`vnet lab start 01-test` sets it up again", e.getMessage());
        session().start("01-test");
        assertTrue(text().startsWith("the vnet lab was restarted since 01-test began: starting it over\n"), text());
    }

    @Test
    void resetDeletesTheLabsResourcesAndForgetsIt() throws Exception {
        session().start("01-test");
        Files.writeString(store.workdir("01-test").resolve("capture.pcap"), "x");
        session().reset(null);
        assertEquals("pod \"t1-a\" deleted\nservice \"t1-svc\" deleted\n"
                + "lab 01-test reset: `vnet lab start 01-test` begins it again\n", text());
        assertFalse(Files.exists(store.workdir("01-test")));
        assertEquals(null, store.load().current);
        assertTrue(store.load().labs.isEmpty());
        ApiException e = assertThrows(ApiException.class, () -> session().check(null));
        assertTrue(e.getMessage().startsWith("no lab started"), e.getMessage());
    }

    @Test
    void aLabNeedsEnoughNodesAndAKnownId() throws Exception {
        ApiException e = assertThrows(ApiException.class, () -> session().start("07"));
        assertEquals("there is no lab \"07\": `vnet lab list` shows them", e.getMessage());
        Session noLab = new Session(catalog, store, req -> {
            throw new ApiException("no lab is running: start one with `vnet up -d`");
        }, (argv, t) -> null, new PrintWriter(new StringWriter()));
        e = assertThrows(ApiException.class, () -> noLab.start("01-test"));
        assertEquals("no vnet lab is running: start one with `vnet up -d`, then `vnet lab start 01-test`", e.getMessage());
    }
}
