package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exercise files: the real labs load, and each kind of mistake is one clear line naming the file and the place. */
class ExerciseLoaderTest {
    private static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: t1-a}
            spec:
              containers:
              - {name: shell, image: busybox, command: ["sleep", "infinity"]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: t1-svc}
            spec:
              selector: {app: t1}
              ports: [{port: 80}]
            """;
    private static final String LAB = """
            id: 01-test
            title: A test lab
            teaches: how lab files are checked
            nodes: 2
            manifests: [pod.yaml]
            steps:
              - title: Ping
                text: Ping ${gateway:t1-a} from t1-a.
                hints: ["ping it"]
                checks:
                  - shell:
                      in: t1-a
                      run: ip neigh show ${gateway:t1-a} | grep -q lladdr
                      missing: t1-a has not talked to its gateway
              - title: Curl
                text: Curl the Service.
                hints: ["curl it", "harder"]
                checks:
                  - reach: {from: t1-a, to: t1-svc, port: 80}
                  - counter: {node: node-2, path: vxlan.rxPackets, increase: 1}
            solution:
              - ["vnet exec t1-a -- ping -c 1 ${gateway:t1-a}"]
              - ["vnet exec t1-a -- curl -s http://${clusterip:t1-svc}/"]
            recap: It worked.
            """;

    @TempDir
    Path dir;

    private static void assertEndsWith(String actual, String end) {
        assertTrue(actual.endsWith(end), "\"" + actual + "\" should end with \"" + end + "\"");
    }

    private static void assertContains(String actual, String part) {
        assertTrue(actual.contains(part), "\"" + actual + "\" should contain \"" + part + "\"");
    }

    private Path write(String lab) throws Exception {
        Path d = dir.resolve("01-test");
        Files.createDirectories(d);
        Files.writeString(d.resolve("pod.yaml"), POD);
        Files.writeString(d.resolve("lab.yaml"), lab);
        return d;
    }

    /** The one-line error for the test lab with {@code from} replaced by {@code to}. */
    private String errorWith(String from, String to) throws Exception {
        assertTrue(LAB.contains(from), "the test lab has no \"" + from + "\"");
        Path d = write(LAB.replace(from, to));
        ExerciseFileException e = assertThrows(ExerciseFileException.class, () -> ExerciseLoader.load(d));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith(d.resolve("lab.yaml").toString() + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theTestLabLoads() throws Exception {
        Exercise lab = ExerciseLoader.load(write(LAB));
        assertEquals("01-test", lab.id());
        assertEquals(2, lab.steps().size());
        assertEquals(List.of("reach", "counter"), lab.step(2).checks().stream().map(Check::type).toList());
        assertEquals(List.of("vnet exec t1-a -- ping -c 1 ${gateway:t1-a}"), lab.step(1).solution());
        assertEquals(java.util.Set.of("t1-a"), lab.pods());
        assertEquals(java.util.Set.of("t1-svc"), lab.services());
    }

    @Test
    void theRealLabsLoadWithStepsHintsChecksAndASolutionEach() throws Exception {
        Catalog catalog = Catalog.open(Path.of("../labs"));
        assertEquals(List.of("01-pod-is-a-namespace", "02-pods-on-one-node", "03-vxlan-across-nodes",
                "04-four-guarantees", "05-clusterip"), catalog.labs().stream().map(Exercise::id).limit(5).toList());
        for (Exercise lab : catalog.labs()) {
            assertTrue(lab.steps().size() >= 2 && lab.steps().size() <= 5, lab.id() + " has 2 to 5 steps");
            for (Step s : lab.steps()) {
                assertFalse(s.hints().isEmpty() || s.checks().isEmpty() || s.solution().isEmpty(), lab.id() + ": " + s.title());
            }
            assertFalse(lab.recap().isBlank());
        }
        assertEquals(2, catalog.lab("03").nodes());
    }

    @Test
    void anUnknownCheckTypeIsNamedWithTheKnownOnes() throws Exception {
        String e = errorWith("- reach: {from", "- ping: {from");
        assertTrue(e.contains("step 2, check 1: unknown check type \"ping\" (types: absent, capture, conntrack, counter, diff, endpoints, "
                + "log, pod, reach, shell, trace)"), e);
    }

    @Test
    void aMissingFieldIsNamed() throws Exception {
        assertEndsWith(errorWith("- title: Curl\n    text:", "- text:"), "step 2: missing field \"title\"");
        assertEndsWith(errorWith("teaches: how lab files are checked\n", ""), "missing field \"teaches\"");
    }

    @Test
    void aStepWithoutChecksIsRefused() throws Exception {
        String e = errorWith("""
                    checks:
                      - reach: {from: t1-a, to: t1-svc, port: 80}
                      - counter: {node: node-2, path: vxlan.rxPackets, increase: 1}
                """, "");
        assertTrue(e.endsWith("step 2: a step needs \"checks\": without them it could not tell when it is done"), e);
        assertEndsWith(errorWith("hints: [\"curl it\", \"harder\"]", "hints: []"), "\"hints\" needs at least one entry");
    }

    @Test
    void aShellCheckThatCannotFailIsRefused() throws Exception {
        String run = "run: ip neigh show ${gateway:t1-a} | grep -q lladdr";
        assertEndsWith(errorWith(run, "run: \"true\""), "step 1, check 1 (shell): \"run\" does nothing, so the check could never fail");
        assertEndsWith(errorWith(run, "run: \"# nothing\\n:\""), "\"run\" does nothing, so the check could never fail");
        assertEndsWith(errorWith(run, "run: ip neigh || true"), "\"run\" ends in a command that always succeeds, so the check could never fail");
        assertEndsWith(errorWith(run, "run: \"  \""), "\"run\" is empty");
        assertEndsWith(errorWith("\n          missing: t1-a has not talked to its gateway", ""), "a shell check needs \"missing\": the line that tells the learner what is not there yet");
    }

    @Test
    void otherChecksThatCannotFailAreRefused() throws Exception {
        String counter = "- counter: {node: node-2, path: vxlan.rxPackets, increase: 1}";
        assertEndsWith(errorWith(counter, "- counter: {node: node-2, path: vxlan.rxPackets, min: 0}"), "\"min\" must be at least 1: a counter is always at least 0");
        assertEndsWith(errorWith(counter, "- trace: {from: t1-a, to: \"t1-svc:80\"}"), "a trace check needs \"stages\" or \"outcome\": otherwise it cannot fail");
    }

    @Test
    void typosInFieldsPathsAndNamesAreCaught() throws Exception {
        assertEndsWith(errorWith("{from: t1-a, to: t1-svc, port: 80}", "{from: t1-a, to: t1-svc, prot: 80}"), "step 2, check 1 (reach): unknown field \"prot\" (known: expect, from, missing, port, proto, to)");
        assertContains(errorWith("vxlan.rxPackets", "vxlan.rxPacket"), "unknown counter path \"vxlan.rxPacket\": vxlan has ");
        assertEndsWith(errorWith("{from: t1-a, to: t1-svc", "{from: t1-b, to: t1-svc"), "\"from\": the lab creates no pod t1-b (its pods: t1-a)");
        assertEndsWith(errorWith("node: node-2", "node: node-3"), "\"node-3\" is not a node of this lab (it needs 2: node-1 to node-2)");
        assertContains(errorWith("Ping ${gateway:t1-a}", "Ping ${gw:t1-a}"), "unknown variable ${gw} (known: ");
        assertEndsWith(errorWith("${clusterip:t1-svc}", "${clusterip:t1-web}"), "${clusterip:t1-web}: the lab creates no Service t1-web");
        assertEndsWith(errorWith("recap: It worked.", "recap: It worked.\nrecpa: x"), "unknown field \"recpa\" (known: "
                + "extras, id, manifests, nodes, recap, solution, steps, store, teaches, title)");
        assertEndsWith(errorWith("recap: It worked.", "recap: It worked.\nstore: consul"), "\"store\" must be memory or etcd");
    }

    @Test
    void solutionsFolderAndYamlAreChecked() throws Exception {
        assertEndsWith(errorWith("  - [\"vnet exec t1-a -- curl -s http://${clusterip:t1-svc}/\"]\n", ""), "\"solution\" has 1 entries for 2 steps: give one list of commands per step");
        assertEndsWith(errorWith("id: 01-test", "id: 02-test"), "\"id\" is 02-test but the folder is 01-test: they must match");
        assertContains(errorWith("title: Ping", "title: [Ping"), ": not valid YAML at line ");
        assertEndsWith(errorWith("manifests: [pod.yaml]", "manifests: [pods.yaml]"), "manifest pods.yaml is not in "
                + dir.resolve("01-test"));
    }

    @Test
    void aManifestNoListMentionsIsRefusedSinceResetWouldMissIt() throws Exception {
        Path d = write(LAB);
        Files.writeString(d.resolve("more.yaml"), POD.replace("t1-a", "t1-b").replace("t1-svc", "t1-svc2"));
        ExerciseFileException e = assertThrows(ExerciseFileException.class, () -> ExerciseLoader.load(d));
        assertTrue(e.getMessage().endsWith("more.yaml is in the lab's folder but in neither \"manifests\" nor \"extras\": "
                + "`lab reset` would not delete what it creates"), e.getMessage());
        Files.writeString(d.resolve("lab.yaml"), LAB.replace("manifests: [pod.yaml]", "manifests: [pod.yaml]\nextras: [more.yaml]"));
        assertEquals(java.util.Set.of("t1-a", "t1-b"), ExerciseLoader.load(d).pods());
    }

    @Test
    void namesMustBeUniqueAcrossLabs() throws Exception {
        Path one = write(LAB);
        Path two = dir.resolve("02-test");
        Files.createDirectories(two);
        Files.writeString(two.resolve("pod.yaml"), Files.readString(one.resolve("pod.yaml")));
        Files.writeString(two.resolve("lab.yaml"), LAB.replace("id: 01-test", "id: 02-test"));
        ExerciseFileException e = assertThrows(ExerciseFileException.class, () -> Catalog.open(dir));
        assertTrue(e.getMessage().endsWith(": pod t1-a is also created by lab 01-test: names must be unique across labs"),
                e.getMessage());
    }

    @Test
    void aCaptureCheckNeedsAFilterThatParsesAndAPositiveMinimum() throws Exception {
        String shell = "      - shell:\n"
                + "          in: t1-a\n"
                + "          run: ip neigh show ${gateway:t1-a} | grep -q lladdr\n"
                + "          missing: t1-a has not talked to its gateway\n";
        String capture = "      - capture:\n"
                + "          pod: t1-a\n"
                + "          filter: %s\n"
                + "          in: t1-a\n"
                + "          run: ping -c 1 ${gateway:t1-a}\n"
                + "          min: %d\n"
                + "          missing: no ARP at t1-a's port\n";
        assertContains(errorWith(shell, capture.formatted("\"port x\"", 1)), "port");
        assertContains(errorWith(shell, capture.formatted("arp", 0)), "\"min\" must be at least 1");
        Path ok = write(LAB.replace(shell, capture.formatted("arp", 1)));
        assertEquals(1, ExerciseLoader.load(ok).steps().get(0).checks().size());
    }
}
