package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.core.linux.Privileges;
import dev.vnet.lab.LabConfig;
import dev.vnet.lab.LocalLab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real lab for integration tests, isolated from any other: its namespaces and pods carry a unique prefix
 * and its socket lives in its own state directory. Needs root; skips the test with the reason otherwise.
 */
final class TestLab implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String prefix;
    final LabConfig config;
    final LocalLab lab;
    final ApiClient api;
    final RootSnapshot rootBefore;

    private TestLab(String prefix, LabConfig config, LocalLab lab, RootSnapshot before) {
        this.prefix = prefix;
        this.config = config;
        this.lab = lab;
        this.api = ApiClient.local(config.stateDir());
        this.rootBefore = before;
    }

    static void assumeRoot() {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
    }

    static TestLab start(int nodes) throws ApiException {
        return start(nodes, false);
    }

    /** A lab of {@code nodes} nodes, with the ingress controller or without (most tests need none). */
    static TestLab start(int nodes, boolean ingress) throws ApiException {
        assumeRoot();
        String prefix = "vt" + UUID.randomUUID().toString().substring(0, 6) + "-";
        LabConfig config = LabConfig.defaults().withNodes(nodes).withIngress(ingress)
                .withPrefixAndState(prefix, Path.of("/run/vnet-test-" + prefix.substring(0, prefix.length() - 1)));
        RootSnapshot before = RootSnapshot.take();
        return new TestLab(prefix, config, LocalLab.start(config), before);
    }

    /** A pod name unique to this lab. */
    String pod(String shortName) {
        return prefix + shortName;
    }

    /**
     * An operation of vnet.dev/v1; "get" (kind, name, namespace) reads through the Kubernetes verbs instead, as
     * the CLI does, and answers {"list": {...}}.
     */
    JsonNode call(String op, Object... keyValues) throws ApiException {
        if (op.equals("get")) {
            java.util.Map<String, String> a = new java.util.HashMap<>();
            for (int i = 0; i < keyValues.length; i += 2) {
                a.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
            }
            ObjectNode out = JSON.createObjectNode();
            out.set("list", api.list(dev.vnet.apiserver.api.Kinds.builtIn().named(a.get("kind")),
                    a.getOrDefault("namespace", "default"), "true".equals(a.get("allNamespaces")), a.get("name")));
            return out;
        }
        ObjectNode req = JSON.createObjectNode().put("op", op);
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v instanceof Boolean b) {
                req.put((String) keyValues[i], b);
            } else {
                req.put((String) keyValues[i], String.valueOf(v));
            }
        }
        return api.call(req);
    }

    JsonNode apply(String yaml) throws ApiException {
        return call("apply", "source", "test.yaml", "text", yaml);
    }

    JsonNode delete(String podName) throws ApiException {
        return api.deleteEach(List.of(new ApiClient.Named(dev.vnet.apiserver.api.PodKind.KIND, "default", podName)),
                false);
    }

    JsonNode pod(String name, String field) throws ApiException {
        JsonNode items = call("get", "kind", "pods", "name", name).path("list").path("items");
        assertEquals(1, items.size(), "pod " + name);
        JsonNode node = items.get(0);
        for (String part : field.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    String podIp(String name) throws ApiException {
        return pod(name, "status.podIP").asString();
    }

    /** Runs a command in namespace {@code netns}; returns exit code and combined output. */
    static Result inNs(String netns, long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        argv.addAll(List.of(cmd));
        return run(timeoutSeconds, argv.toArray(String[]::new));
    }

    static Result run(long timeoutSeconds, String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + "[timeout]");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    record Result(int exit, String out) {}

    /** The lab's namespaces that still exist. */
    List<String> leftoverNamespaces() throws IOException, InterruptedException {
        return run(10, "ip", "netns", "list").out().lines().map(l -> l.split(" ")[0])
                .filter(n -> n.startsWith(prefix)).toList();
    }

    @Override
    public void close() {
        lab.close();
        try (var walk = java.nio.file.Files.walk(config.stateDir())) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Already gone.
        }
    }

    /** Links, addresses and routes of the root namespace, to show the lab never touched them. */
    record RootSnapshot(String links, String addrs, String routes) {
        static RootSnapshot take() {
            try {
                return new RootSnapshot(names(run(10, "ip", "-o", "link", "show").out()),
                        run(10, "ip", "-o", "addr", "show").out(), run(10, "ip", "route", "show").out());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String names(String linkDump) {
            StringBuilder sb = new StringBuilder();
            linkDump.lines().forEach(l -> sb.append(l.split(":")[1].strip()).append('\n'));
            return sb.toString();
        }
    }
}
