package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "status", description = {"Show whether a lab is running, and its nodes.", "Example: vnet status"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode status = root.client().call(Operation.STATUS.request());
        if (root.client() instanceof dev.vnet.apiserver.client.ClusterClient) {
            out.println("cluster of node processes, store " + status.path("store").asString() + " (the nodes that answered)");
        } else {
            out.println("lab running since " + status.path("startedAt").asString() + " (pid " + status.path("pid").asLong()
                    + "), store " + status.path("store").asString());
        }
        Table t = new Table("NODE", "NETNS", "UNDERLAY-IP", "POD-CIDR", "GATEWAY", "PODS");
        for (JsonNode n : status.path("nodes")) {
            t.row(n.path("name").asString(), n.path("netns").asString(), n.path("underlayIP").asString(),
                    n.path("podCIDR").asString(), n.path("gateway").asString(), n.path("pods").asString());
        }
        t.print(out);
        return 0;
    }
}
