package dev.vnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vnet.apiserver.api.Manifests;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "get", description = {
        "List resources as kubectl does: a table, a wider table, or the objects as YAML or JSON.",
        "Examples: vnet get pods -o wide   |   vnet get svc -o wide   |   vnet get endpoints web   |   vnet get nodes"})
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "pods, nodes, services (svc), endpoints (ep) or endpointslices")
    String kind;

    @Parameters(index = "1", arity = "0..1", description = "One resource by name.")
    String name;

    @Option(names = {"-o", "--output"}, description = "wide, yaml or json")
    String output;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Pods of every namespace.")
    boolean all;

    @Override
    public Integer call() throws Exception {
        if (output != null && !output.equals("wide") && !output.equals("yaml") && !output.equals("json")) {
            throw new VnetCommand.CliException("unknown output format \"" + output + "\": use wide, yaml or json", 2);
        }
        var req = UpCommand.request("get").put("kind", kind).put("namespace", namespace).put("allNamespaces", all);
        if (name != null) {
            req.put("name", name);
        }
        JsonNode reply = root.client().call(req);
        JsonNode list = reply.path("list");
        PrintWriter out = spec.commandLine().getOut();
        JsonNode shown = name != null && list.path("items").size() == 1 ? list.path("items").get(0) : list;
        if ("json".equals(output)) {
            out.println(Manifests.JSON.writeValueAsString(shown));
        } else if ("yaml".equals(output)) {
            out.print(Manifests.YAML.writeValueAsString(shown));
        } else if (list.path("items").isEmpty() && name == null) {
            out.println(all || kind.startsWith("no") ? "No resources found"
                    : "No resources found in " + namespace + " namespace.");
        } else {
            switch (list.path("items").get(0).path("kind").asText()) {
                case "Node" -> printNodes(out, list, reply.path("leases"));
                case "Service" -> ServicePrinters.services(out, list, "wide".equals(output), all);
                case "Endpoints" -> ServicePrinters.endpoints(out, list, "wide".equals(output));
                case "EndpointSlice" -> ServicePrinters.endpointSlices(out, list);
                default -> printPods(out, list);
            }
        }
        out.flush();
        return 0;
    }

    private void printPods(PrintWriter out, JsonNode list) {
        boolean wide = "wide".equals(output);
        Table t = wide ? new Table("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE")
                : new Table("NAME", "READY", "STATUS", "RESTARTS", "AGE");
        if (all) {
            t = wide ? new Table("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE")
                    : new Table("NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE");
        }
        for (JsonNode p : list.path("items")) {
            int total = p.path("spec").path("containers").size();
            int ready = 0;
            for (JsonNode c : p.path("status").path("containerStatuses")) {
                ready += c.path("ready").asBoolean() ? 1 : 0;
            }
            String ip = p.path("status").path("podIP").asText("<none>");
            String[] cells = {p.path("metadata").path("name").asText(), ready + "/" + total,
                    p.path("status").path("phase").asText("Pending"), "0", age(p), ip,
                    p.path("spec").path("nodeName").asText("<none>")};
            String[] row = wide ? cells : java.util.Arrays.copyOf(cells, 5);
            if (all) {
                String[] withNs = new String[row.length + 1];
                withNs[0] = p.path("metadata").path("namespace").asText();
                System.arraycopy(row, 0, withNs, 1, row.length);
                row = withNs;
            }
            t.row(row);
        }
        t.print(out);
    }

    private void printNodes(PrintWriter out, JsonNode list, JsonNode leases) {
        boolean wide = "wide".equals(output);
        Table t = wide ? new Table("NAME", "UNDERLAY-IP", "POD-CIDR", "VTEP-MAC", "STATUS", "LEASE", "AGE")
                : new Table("NAME", "STATUS", "AGE");
        for (JsonNode n : list.path("items")) {
            String status = "NotReady";
            for (JsonNode c : n.path("status").path("conditions")) {
                if (c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True")) {
                    status = "Ready";
                }
            }
            String ip = "";
            for (JsonNode a : n.path("status").path("addresses")) {
                if (a.path("type").asText().equals("InternalIP")) {
                    ip = a.path("address").asText();
                }
            }
            String nm = n.path("metadata").path("name").asText();
            if (wide) {
                t.row(nm, ip, n.path("spec").path("podCIDR").asText(),
                        n.path("metadata").path("annotations").path("vnet.dev/vtep-mac").asText("<none>"), status,
                        lease(leases.path(nm)), age(n));
            } else {
                t.row(nm, status, age(n));
            }
        }
        t.print(out);
    }

    /** A node's subnet lease as `get nodes -o wide` shows it: 10.244.2.0/24 (27s of 30s), or expired. */
    static String lease(JsonNode l) {
        if (l.isMissingNode()) {
            return "<expired>";
        }
        return l.path("subnet").asText() + " (" + (l.has("remainingSeconds") ? l.path("remainingSeconds").asLong() + "s"
                : "?") + "/" + l.path("ttlSeconds").asLong() + "s)";
    }

    /** Age as kubectl prints it: 45s, 3m, 2h, 4d. */
    static String age(JsonNode obj) {
        String ts = obj.path("metadata").path("creationTimestamp").asText("");
        if (ts.isEmpty()) {
            return "<unknown>";
        }
        long s = Math.max(0, Duration.between(Instant.parse(ts), Instant.now()).getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return (s / 60) + "m";
        }
        if (s < 172800) {
            return (s / 3600) + "h";
        }
        return (s / 86400) + "d";
    }
}
