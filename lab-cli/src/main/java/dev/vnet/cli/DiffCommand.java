package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "diff", description = {
        "What the store asks of each node against what the node has programmed: its Service table, overlay peers,",
        "policy inputs and DNS records, each difference with its age, and each loop's last applied revision.",
        "Empty when the cluster has converged. Example: vnet diff --node node-2"})
final class DiffCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--node"}, paramLabel = "NODE", description = "Only this node.")
    String node;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode reply = root.client().call(Operation.DIFF.request().put("node", node == null ? "" : node));
        int total = 0;
        for (JsonNode n : reply.path("nodes")) {
            StringBuilder loops = new StringBuilder();
            for (JsonNode l : n.path("loops")) {
                loops.append(loops.length() == 0 ? "" : "; ").append(l.path("loop").asString()).append(" rev ")
                        .append(l.path("revision").asLong()).append(l.path("paused").asBoolean() ? " (PAUSED)" : "");
                String pending = l.path("pendingSince").asString("");
                if (!pending.isEmpty()) {
                    loops.append(", changes waiting since ").append(pending);
                }
            }
            JsonNode diffs = n.path("differences");
            String at = n.path("loops").path(0).path("appliedAt").asString("");
            out.println(n.path("node").asString() + ": " + (diffs.isEmpty() ? "in step with the store"
                    : diffs.size() + (diffs.size() == 1 ? " difference" : " differences")) + " (last sync "
                    + (at.isEmpty() ? "never" : at) + "; " + loops + ")");
            for (JsonNode d : diffs) {
                String change = d.path("change").asString();
                out.printf("  %-8s %-8s %s  (%ds)%n", d.path("table").asString(), change, d.path("key").asString(),
                        d.path("ageSeconds").asLong());
                if (!d.path("desired").asString().isEmpty()) {
                    out.println("           store wants: " + d.path("desired").asString());
                }
                if (!d.path("programmed").asString().isEmpty()) {
                    out.println("           node has:    " + d.path("programmed").asString());
                }
                total++;
            }
        }
        out.flush();
        return total == 0 ? 0 : 1;
    }
}
