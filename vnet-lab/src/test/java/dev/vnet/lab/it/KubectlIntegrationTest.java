package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.lab.LocalLab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl against a real lab's Kubernetes API: nodes, apply, wait, get (wide, watch), describe, label,
 * delete, and the errors kubectl users meet. kubectl runs with KUBECONFIG, HOME and its cache in the test's own
 * directory; it talks to 127.0.0.1 only. Needs root and /usr/bin/kubectl (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlIntegrationTest {
    private static final Path KUBECTL = Path.of("/usr/bin/kubectl");

    @TempDir
    static Path home;
    private static TestLab lab;
    private static Path kubeconfig;
    private static String web;
    private static Path manifest;

    @BeforeAll
    static void startLab() throws Exception {
        TestLab.assumeRoot();
        assumeTrue(Files.isExecutable(KUBECTL), "integration test skipped: no kubectl at " + KUBECTL);
        lab = TestLab.start(1);
        kubeconfig = home.resolve("kubeconfig");
        Files.copy(LocalLab.kubeconfig(lab.config), kubeconfig);
        web = lab.pod("web");
        manifest = home.resolve("web.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s, labels: {app: %1$s}}
                spec:
                  containers:
                  - name: web
                    image: whoami
                    ports: [{containerPort: 8080}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s}
                spec:
                  selector: {app: %1$s}
                  ports: [{port: 80, targetPort: 8080}]
                """.formatted(web));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    static TestLab.Result kubectl(String... args) throws IOException, InterruptedException {
        return kubectl(60, args);
    }

    static TestLab.Result kubectl(long timeoutSeconds, String... args) throws IOException, InterruptedException {
        Process p = start(args);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new TestLab.Result(p.isAlive() ? -1 : p.exitValue(), out);
    }

    private static Process start(String... args) throws IOException {
        return start(null, args);
    }

    /** kubectl with its output to {@code out} (a file, for one that runs until stopped), or to a pipe when null. */
    private static Process start(Path out, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(KUBECTL.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (out != null) {
            pb.redirectOutput(out.toFile());
        }
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("KUBECACHEDIR", home.resolve("cache").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    private static TestLab.Result ok(String... args) throws Exception {
        TestLab.Result r = kubectl(args);
        assertEquals(0, r.exit(), "kubectl " + String.join(" ", args) + ": " + r.out());
        return r;
    }

    private static String failing(String... args) throws Exception {
        TestLab.Result r = kubectl(args);
        assertNotEquals(0, r.exit(), "kubectl " + String.join(" ", args) + " should fail: " + r.out());
        return r.out();
    }

    @Test
    @Order(1)
    void versionAndNodes() throws Exception {
        String version = ok("version").out();
        assertTrue(version.contains("Server Version: v1.32.0-vnet"), version);
        System.out.println("kubectl against vnet: " + version.lines().findFirst().orElse(""));
        String nodes = ok("get", "nodes").out();
        assertTrue(nodes.contains("node-1") && nodes.contains("Ready"), nodes);
    }

    @Test
    @Order(2)
    void applyWaitAndGet() throws Exception {
        String applied = ok("apply", "-f", manifest.toString()).out();
        assertTrue(applied.contains("pod/" + web + " created") && applied.contains("service/" + web + " created"),
                applied);
        String waited = ok("wait", "--for=condition=Ready", "pod/" + web, "--timeout=60s").out();
        assertTrue(waited.contains("condition met"), waited);
        String wide = ok("get", "pods", "-o", "wide").out();
        assertTrue(wide.lines().anyMatch(l -> l.startsWith(web + " ") && l.contains("Running")
                && l.contains("10.244.") && l.contains("node-1")), wide);
        String svc = ok("get", "svc", web).out();
        assertTrue(svc.contains("ClusterIP") && svc.contains("10.96.") && svc.contains("80/TCP"), svc);
        assertTrue(ok("apply", "-f", manifest.toString()).out().contains("pod/" + web + " unchanged"));
    }

    @Test
    @Order(3)
    void describeShowsTheEndpoints() throws Exception {
        String ip = lab.podIp(web);
        String described = "";
        for (int i = 0; i < 50 && !described.contains(ip + ":8080"); i++) {
            described = ok("describe", "svc", web).out();
            Thread.sleep(200);
        }
        String d = described;
        assertTrue(d.lines().anyMatch(l -> l.startsWith("Endpoints:") && l.contains(ip + ":8080")), d);
    }

    @Test
    @Order(4)
    void watchSeesALabelChange() throws Exception {
        Path seenFile = home.resolve("watch.out");
        Process watch = start(seenFile, "get", "pods", "-w");
        Thread.sleep(1500);
        String labeled = ok("label", "pod", web, "tier=front").out();
        assertTrue(labeled.contains("pod/" + web + " labeled"), labeled);
        Thread.sleep(1500);
        watch.destroy();
        watch.waitFor(5, TimeUnit.SECONDS);
        String seen = Files.readString(seenFile);
        assertTrue(seen.lines().filter(l -> l.startsWith(web + " ")).count() >= 2,
                "the listed row, then the modified one: " + seen);
        assertTrue(ok("get", "pod", web, "--show-labels").out().contains("tier=front"));
        assertTrue(ok("get", "pods", "-l", "tier=front", "-o", "name").out().contains("pod/" + web));
    }

    @Test
    @Order(5)
    void errorsReadAsKubectlsOwn() throws Exception {
        Path bad = home.resolve("bad.yaml");
        Files.writeString(bad, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers: [{name: a, image: whoami, imagee: x}]
                """.formatted(lab.pod("bad")));
        assertTrue(failing("apply", "-f", bad.toString()).contains(
                "strict decoding error: unknown field \"spec.containers[0].imagee\""));
        Files.writeString(bad, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n");
        assertTrue(failing("apply", "-f", bad.toString()).contains("no matches for kind \"Deployment\""));
        Files.writeString(bad, """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: nope}
                spec:
                  containers: [{name: a, image: whoami}]
                """.formatted(lab.pod("p")));
        assertTrue(failing("apply", "-f", bad.toString()).contains("namespaces \"nope\" not found"));
        Files.writeString(bad, Files.readString(manifest).replace("selector:", "clusterIP: 10.96.99.99\n  selector:"));
        String immutable = failing("apply", "-f", bad.toString());
        assertTrue(immutable.contains("is invalid") && immutable.contains("spec.clusterIP")
                && immutable.contains("immutable"), immutable);
        assertTrue(failing("get", "pod", lab.pod("ghost")).contains("pods \"" + lab.pod("ghost") + "\" not found"));
    }

    @Test
    @Order(6)
    void podsReachTheApiThroughTheKubernetesService() throws Exception {
        String svc = ok("get", "svc", "kubernetes").out();
        assertTrue(svc.lines().anyMatch(l -> l.startsWith("kubernetes ") && l.contains("10.96.0.1 ")
                && l.contains("443/TCP")), svc);
        String ep = ok("get", "endpoints", "kubernetes").out();
        assertTrue(ep.contains("192.168.56.11:6443"), ep);
        String client = lab.pod("client");
        Files.writeString(home.resolve("client.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers:
                  - {name: c, image: busybox, command: [sleep, infinity]}
                """.formatted(client));
        ok("apply", "-f", home.resolve("client.yaml").toString());
        ok("wait", "--for=condition=Ready", "pod/" + client, "--timeout=60s");
        try {
            String version = ok("exec", client, "--", "curl", "-sk", "--max-time", "10",
                    "https://kubernetes.default.svc/version").out();
            assertTrue(version.contains("\"gitVersion\": \"v1.32.0-vnet\"") || version.contains(
                    "\"gitVersion\":\"v1.32.0-vnet\""), "anonymous /version from a pod: " + version);
            String pods = ok("exec", client, "--", "curl", "-sk", "--max-time", "10",
                    "https://kubernetes.default.svc/api/v1/namespaces/default/pods").out();
            assertTrue(pods.contains("\"code\":403") || pods.contains("\"code\": 403"),
                    "without a token only the public information: " + pods);
            String resolved = ok("exec", client, "--", "nslookup", "kubernetes.default").out();
            assertTrue(resolved.contains("10.96.0.1") && resolved.contains("kubernetes.default.svc.cluster.local"),
                    resolved);
        } finally {
            kubectl("delete", "pod", client, "--wait=false");
        }
    }

    /** kubectl with {@code stdin} written to its input, then closed; stdout and stderr together. */
    private static TestLab.Result typed(String stdin, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(KUBECTL.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("KUBECACHEDIR", home.resolve("cache").toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + ": " + out);
        return new TestLab.Result(p.exitValue(), out);
    }

    @Test
    @Order(7)
    void runRmInteractivePrintsTheOutputAndDeletesThePod() throws Exception {
        String debug = lab.pod("debug");
        TestLab.Result ns = typed("", "run", "--rm", "-i", debug, "--image=busybox", "--restart=Never", "--",
                "nslookup", "kubernetes");
        assertEquals(0, ns.exit(), ns.out());
        assertTrue(ns.out().contains("Name:\tkubernetes.default.svc.cluster.local") && ns.out().contains(
                "Address: 10.96.0.1"), ns.out());
        assertTrue(ns.out().contains("pod \"" + debug + "\" deleted"), ns.out());
        assertTrue(!ns.out().contains("falling back"), "attached, not read from the logs: " + ns.out());

        String shell = lab.pod("sh");
        TestLab.Result sh = typed("echo typed $((6*7))\nexit 3\n", "run", "--rm", "-i", shell, "--image=busybox",
                "--restart=Never", "--", "sh");
        assertEquals(3, sh.exit(), "kubectl run exits with the container's code: " + sh.out());
        assertTrue(sh.out().contains("typed 42"), "stdin reached the container's shell: " + sh.out());
        assertTrue(sh.out().contains("pod \"" + shell + "\" deleted"), sh.out());
        assertTrue(!sh.out().contains("falling back"), sh.out());
        String left = ok("get", "pods", "-o", "name").out();
        assertTrue(!left.contains(debug) && !left.contains(shell), left);
    }

    @Test
    @Order(8)
    void deleteRemovesBoth() throws Exception {
        String deleted = ok("delete", "-f", manifest.toString()).out();
        assertTrue(deleted.contains("pod \"" + web + "\" deleted") && deleted.contains("service \"" + web
                + "\" deleted"), deleted);
        assertTrue(!ok("get", "pods", "-o", "name").out().contains(web));
    }
}
