package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A vnet lab in memory for the engine's unit tests: answers the API requests the labs use with fixed pods and
 * nodes and counters the test sets, and runs "commands" by looking up the exit status the test chose.
 */
final class FakeApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The test lab's file: two steps, a shell check, then a reach and a counter. */
    static final String LAB = """
            id: 01-test
            title: A test lab
            teaches: how the engine runs labs
            nodes: 2
            manifests: [pod.yaml]
            steps:
              - title: Ping
                text: Ping ${gateway:t1-a} from t1-a (${ip:t1-a}).
                commands: ["vnet exec t1-a -- ping -c 1 ${gateway:t1-a}"]
                hints: ["ping it"]
                checks:
                  - shell:
                      in: t1-a
                      run: ip neigh show ${gateway:t1-a} | grep -q lladdr
                      missing: t1-a has not talked to its gateway ${gateway:t1-a}
              - title: Curl
                text: Curl ${clusterip:t1-svc}.
                hints: ["curl it", "harder"]
                checks:
                  - reach: {from: t1-a, to: t1-svc, port: 80}
                  - counter: {node: node-2, path: vxlan.rxPackets, increase: 2}
            solution:
              - ["vnet exec t1-a -- ping -c 1 ${gateway:t1-a}"]
              - ["vnet exec t1-a -- curl -s http://${clusterip:t1-svc}/"]
            recap: It worked on ${underlay:node-2}.
            """;
    static final String POD = """
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

    String startedAt = "2026-01-01T00:00:00Z";
    long vxlanRx = 100;
    int neighExit = 1;
    int tcpExit = 1;
    /** Whether the lab's pod and Service exist. */
    boolean applied;
    final List<String> ops = new ArrayList<>();
    final List<List<String>> commands = new ArrayList<>();

    /** Writes the test lab into {@code labs}/01-test. */
    static Path writeLab(Path labs) throws Exception {
        Path d = labs.resolve("01-test");
        Files.createDirectories(d);
        Files.writeString(d.resolve("pod.yaml"), POD);
        Files.writeString(d.resolve("lab.yaml"), LAB);
        return d;
    }

    /** The API as a session sees it: the operations, and the lists and deletes the Kubernetes verbs make. */
    CheckContext.Api api() {
        return new CheckContext.Api() {
            @Override
            public JsonNode call(ObjectNode request) throws ApiException {
                return FakeApi.this.call(request);
            }

            @Override
            public JsonNode list(String kind, String namespace, String name) throws ApiException {
                ops.add("list " + kind);
                return FakeApi.this.call(JSON.createObjectNode().put("op", "get").put("kind", kind)).path("list");
            }

            @Override
            public JsonNode delete(String text, String source) throws ApiException {
                return FakeApi.this.call(JSON.createObjectNode().put("op", "delete"));
            }
        };
    }

    JsonNode call(ObjectNode req) throws ApiException {
        String op = req.path("op").asString();
        if (!op.equals("get")) {
            ops.add(op);
        }
        ObjectNode out = JSON.createObjectNode().put("ok", true);
        switch (op) {
            case "status" -> {
                out.put("startedAt", startedAt);
                ArrayNode nodes = out.putArray("nodes");
                for (int n = 1; n <= 2; n++) {
                    nodes.addObject().put("name", "node-" + n).put("gateway", "10.244." + n + ".1")
                            .put("podCIDR", "10.244." + n + ".0/24").put("underlayIP", "192.168.56." + (10 + n));
                }
            }
            case "get" -> {
                ArrayNode items = out.putObject("list").putArray("items");
                if (req.path("kind").asString().startsWith("pod")) {
                    ObjectNode p = items.addObject();
                    p.putObject("metadata").put("name", "t1-a");
                    p.putObject("spec").put("nodeName", "node-1");
                    p.putObject("status").put("phase", "Running").put("podIP", "10.244.1.2");
                } else {
                    ObjectNode s = items.addObject();
                    s.putObject("metadata").put("name", "t1-svc");
                    s.putObject("spec").put("clusterIP", "10.96.0.5");
                }
            }
            case "apply" -> {
                out.putArray("messages").add(applied ? "pod/t1-a unchanged" : "pod/t1-a created")
                        .add(applied ? "service/t1-svc unchanged" : "service/t1-svc created");
                applied = true;
            }
            case "delete" -> {
                ArrayNode messages = out.putArray("messages");
                if (applied) {
                    messages.add("pod \"t1-a\" deleted").add("service \"t1-svc\" deleted");
                }
                applied = false;
            }
            case "target" -> out.put("netns", req.path("name").asString());
            case "stats" -> out.putArray("nodes").addObject().put("name", req.path("node").asString())
                    .putObject("vxlan").put("rxPackets", vxlanRx);
            default -> throw new ApiException("unknown request \"" + op + "\"");
        }
        return out;
    }

    CheckContext.Shell.Outcome run(List<String> argv) {
        commands.add(argv);
        String script = argv.get(argv.size() - 1);
        int exit = script.contains("ip neigh") ? neighExit : script.contains("/dev/tcp/10.96.0.5/80") ? tcpExit : 127;
        return new CheckContext.Shell.Outcome(exit, exit == 0 ? "" : "bash: connect: Connection timed out");
    }
}
