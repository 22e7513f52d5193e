package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.lab.LocalLab;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Kubernetes Python client (Debian's python3-kubernetes, for /usr/bin/python3) against a real lab's
 * Kubernetes API, with the lab's kubeconfig: list, create from a dict, read back, a watch, exec with output, stdin
 * and exit code, and the lists whose items the client checks strictly. The script is written to the test's own
 * directory; it talks to 127.0.0.1 only. Needs root and the client (skipped with the reason otherwise).
 */
@Tag("integration")
class PythonClientIntegrationTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String SCRIPT = """
# The official Kubernetes Python client against a vnet lab: list, create from a dict, read, watch, exec.
import sys
import time

from kubernetes import client, config, watch
from kubernetes.stream import stream

config.load_kube_config(config_file=sys.argv[1])
name = sys.argv[2]
v1 = client.CoreV1Api()

pods = v1.list_namespaced_pod("default")
print("list: %d pods, resourceVersion %s" % (len(pods.items), type(pods.metadata.resource_version).__name__))

svc = v1.create_namespaced_service("default", {
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
    "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
got = v1.read_namespaced_service(name, "default")
print("service: %s %s %d->%s created %s" % (got.metadata.name, got.spec.cluster_ip, got.spec.ports[0].port,
                                            got.spec.ports[0].target_port, got.metadata.creation_timestamp.year))

v1.create_namespaced_pod("default", {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
    "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "infinity"]}]}})
w = watch.Watch()
events = []
for ev in w.stream(v1.list_namespaced_pod, "default", timeout_seconds=5):
    if ev["object"].metadata.name == name:
        events.append(ev["type"] + ":" + str(ev["object"].status.phase))
        if ev["object"].status.phase == "Running":
            w.stop()
print("watch: " + " ".join(events))
for _ in range(100):
    if v1.read_namespaced_pod(name, "default").status.phase == "Running":
        break
    time.sleep(0.1)

out = stream(v1.connect_get_namespaced_pod_exec, name, "default", command=["sh", "-c", "echo exec $((6*7))"],
             stderr=True, stdin=False, stdout=True, tty=False)
print("exec: " + out.strip())
resp = stream(v1.connect_get_namespaced_pod_exec, name, "default", command=["sh", "-c", "head -n1; exit 3"],
              stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("typed\\n")
resp.run_forever(timeout=10)
print("exec stdin: %s exit %s" % (resp.read_stdout().strip(), resp.returncode))

everywhere = v1.list_pod_for_all_namespaces()
nodes = v1.list_node()
print("all pods: %d, nodes: %s" % (len(everywhere.items), " ".join(n.metadata.name for n in nodes.items)))
api = v1.read_namespaced_service("kubernetes", "default")
print("kubernetes: %s:%d" % (api.spec.cluster_ip, api.spec.ports[0].port))

v1.delete_namespaced_pod(name, "default")
v1.delete_namespaced_service(name, "default")
print("deleted")
""";

    @TempDir
    static Path home;
    private static TestLab lab;

    @BeforeAll
    static void startLab() throws Exception {
        TestLab.assumeRoot();
        assumeTrue(Files.isExecutable(PYTHON) && TestLab.run(30, PYTHON.toString(), "-c", "import kubernetes").exit()
                == 0, "integration test skipped: no Kubernetes Python client (apt-get install python3-kubernetes, or "
                + "scripts/install-deps.sh test)");
        lab = TestLab.start(1);
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void theOfficialClientListsCreatesWatchesAndExecs() throws Exception {
        Path script = home.resolve("client.py");
        Files.writeString(script, SCRIPT);
        Path kubeconfig = home.resolve("kubeconfig");
        Files.copy(LocalLab.kubeconfig(lab.config), kubeconfig);
        String name = lab.pod("py");
        ProcessBuilder pb = new ProcessBuilder(PYTHON.toString(), script.toString(), kubeconfig.toString(), name)
                .redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("KUBECONFIG");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out);
        System.out.println("python3-kubernetes against vnet:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("resourceVersion str"), out);
        String service = "service: " + name + " 10\\.96\\.\\d+\\.\\d+ 80->8080 created \\d{4}";
        assertTrue(out.lines().anyMatch(l -> l.matches(service)), "created from a dict, read back: " + out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("watch: ADDED:")), "the watch saw the pod added: " + out);
        assertTrue(out.contains("exec: exec 42"), out);
        assertTrue(out.contains("exec stdin: typed exit 3"), "stdin in, the exit code out: " + out);
        assertTrue(out.contains("nodes: node-1"), out);
        assertTrue(out.contains("kubernetes: 10.96.0.1:443"), out);
        assertTrue(out.strip().endsWith("deleted"), out);
    }
}
