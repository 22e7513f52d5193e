package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.policy.Reachability;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "policy", description = {
        "What the cluster's NetworkPolicies allow, and why. `check` judges one connection (egress on the",
        "source's side, ingress on the destination's, each with the policy and rule that decided); `matrix`",
        "tabulates every pair of pods, and with --probe compares it with real TCP connects from the pods.",
        "Examples: vnet policy check frontend backend:8080   |   vnet policy matrix -n x -n y --port 80 --probe"},
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Matrix.class})
final class PolicyCommand implements Runnable {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", description = {
            "Whether a new connection from SRC to DST:PORT is allowed, each side with its reason. SRC and DST are",
            "pods (NAME or NAMESPACE/NAME) or IPs (an IP of no pod is what ipBlock rules speak of).",
            "Examples: vnet policy check frontend backend:8080   |   vnet policy check x/a y/b:80 --proto udp"})
    static final class Check implements Callable<Integer> {
        @ParentCommand
        PolicyCommand parent;

        @Parameters(index = "0", paramLabel = "SRC", description = "The client: a pod or an IP.")
        String source;

        @Parameters(index = "1", paramLabel = "DST[:PORT]", description = "The server and its port.")
        String destination;

        @Option(names = {"--proto", "--protocol"}, paramLabel = "PROTO", description = "TCP (default), UDP or ICMP.")
        String protocol = "TCP";

        @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The namespace of names without "
                + "one (default: default).")
        String namespace = "default";

        @Override
        public Integer call() throws Exception {
            PrintWriter out = parent.spec.commandLine().getOut();
            String dst = destination;
            int port = 0;
            int colon = dst.lastIndexOf(':');
            if (colon > 0) {
                try {
                    port = Integer.parseInt(dst.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new ApiException("\"" + dst.substring(colon + 1) + "\" is not a port number (DST:PORT)");
                }
                dst = dst.substring(0, colon);
            }
            JsonNode r = parent.root.client().call(Operation.POLICY_CHECK.request().put("from", source).put("to", dst)
                    .put("port", port).put("protocol", protocol).put("namespace", namespace));
            String what = r.path("from").asString() + " → " + r.path("to").asString()
                    + (port > 0 ? " port " + port : "") + "/" + protocol.toUpperCase(java.util.Locale.ROOT);
            out.println(what + ": " + (r.path("allowed").asBoolean() ? "ALLOWED" : "DENIED"));
            side(out, "egress ", r.path("egress"));
            side(out, "ingress", r.path("ingress"));
            if (r.path("policies").asInt() == 0) {
                out.println("(the cluster has no NetworkPolicy: every connection is allowed)");
            }
            out.flush();
            return r.path("allowed").asBoolean() ? 0 : 1;
        }

        private static void side(PrintWriter out, String label, JsonNode side) {
            String node = side.hasNonNull("node") ? " [on " + side.path("node").asString() + "]" : "";
            out.println("  " + label + node + ": " + side.path("reason").asString());
        }
    }

    @Command(name = "matrix", description = {
            "The reachability table over the running pods: one row per client, one column per server, `.` allowed",
            "and `X` denied, as the NetworkPolicy conformance tests print it. --probe then connects from every",
            "pod to every other (TCP, 1.5 s each, all of one pod's at once) and prints what really happened:",
            "a connection that is accepted or refused got through; one with no answer was dropped.",
            "Examples: vnet policy matrix   |   vnet policy matrix -n x -n y -n z --port 80 --probe"})
    static final class Matrix implements Callable<Integer> {
        @ParentCommand
        PolicyCommand parent;

        @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only pods of these namespaces "
                + "(default: all but kube-system).")
        List<String> namespaces = new ArrayList<>();

        @Option(names = "--port", paramLabel = "PORT", description = "The servers' port (default: 80).")
        int port = 80;

        @Option(names = {"--proto", "--protocol"}, paramLabel = "PROTO", description = "TCP (default), UDP or ICMP.")
        String protocol = "TCP";

        @Option(names = "--probe", description = "Also try it: TCP connects from each pod to every other.")
        boolean probe;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = parent.spec.commandLine().getOut();
            ObjectNode req = Operation.POLICY_MATRIX.request().put("port", port).put("protocol", protocol);
            namespaces.forEach(req.putArray("namespaces")::add);
            JsonNode r = parent.root.client().call(req);
            List<String> names = new ArrayList<>();
            List<String> ips = new ArrayList<>();
            for (JsonNode p : r.path("pods")) {
                names.add(p.path("namespace").asString() + "/" + p.path("name").asString());
                ips.add(p.path("ip").asString());
            }
            int n = names.size();
            boolean[][] expected = new boolean[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    expected[i][j] = r.path("allowed").get(i).get(j).asBoolean();
                }
            }
            String corner = r.path("protocol").asString() + (protocol.equalsIgnoreCase("ICMP") ? "" : "/" + port);
            out.println("Policy says (" + r.path("policies").asInt() + " NetworkPolicies; rows connect to columns; "
                    + ". allowed, X denied, - a pod to itself, which never leaves the pod and is always allowed):");
            out.print(Reachability.table(corner, names, (i, j) -> i == j ? "-" : expected[i][j] ? "." : "X"));
            if (!probe) {
                out.flush();
                return 0;
            }
            if (!protocol.equalsIgnoreCase("TCP")) {
                throw new ApiException("--probe tries TCP connections only (a UDP datagram that is dropped and one "
                        + "nobody answers look alike)");
            }
            String[][] seen = new String[n][n];
            for (int i = 0; i < n; i++) {
                ObjectNode p = Operation.POLICY_PROBE.request().put("pod", names.get(i));
                var targets = p.putArray("targets");
                for (int j = 0; j < n; j++) {
                    if (j != i) {
                        targets.add(ips.get(j) + ":" + port);
                    }
                }
                JsonNode results = parent.root.client().call(p).path("results");
                int k = 0;
                for (int j = 0; j < n; j++) {
                    if (j == i) {
                        seen[i][j] = "-";
                        continue;
                    }
                    boolean reached = results.get(k++).path("reached").asBoolean();
                    seen[i][j] = (reached ? "." : "X") + (reached != expected[i][j] ? "!" : "");
                }
            }
            out.println();
            out.println("Probed by a TCP connect from every pod (! marks a difference from what policy says):");
            out.print(Reachability.table(corner, names, (i, j) -> seen[i][j]));
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean reached = seen[i][j].startsWith(".");
                    if (i != j && seen[i][j].endsWith("!")) {
                        wrong.add(names.get(i) + " → " + names.get(j) + ": policy says "
                                + (expected[i][j] ? "allowed" : "denied") + ", the probe " + (reached ? "got through"
                                : "got no answer"));
                    }
                }
            }
            out.println();
            if (wrong.isEmpty()) {
                out.println("The data plane agrees with the policies: " + (n * (n - 1)) + " of " + (n * (n - 1))
                        + " connections as expected.");
            } else {
                out.println(wrong.size() + " of " + (n * (n - 1)) + " connections differ from what policy says:");
                wrong.forEach(w -> out.println("  " + w));
            }
            out.flush();
            return wrong.isEmpty() ? 0 : 1;
        }
    }
}
