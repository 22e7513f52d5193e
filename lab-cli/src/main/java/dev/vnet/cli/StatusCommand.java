package dev.vnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", description = {"Show whether a lab is running, and its nodes.", "Example: vnet status"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode status = root.client().call(UpCommand.request("status"));
        if (root.client() instanceof dev.vnet.apiserver.client.ClusterClient) {
            out.println("cluster of node processes, store " + status.path("store").asText() + " (the nodes that answered)");
        } else {
            out.println("lab running since " + status.path("startedAt").asText() + " (pid " + status.path("pid").asLong()
                    + "), store " + status.path("store").asText());
        }
        Table t = new Table("NODE", "NETNS", "UNDERLAY-IP", "POD-CIDR", "GATEWAY", "PODS");
        for (JsonNode n : status.path("nodes")) {
            t.row(n.path("name").asText(), n.path("netns").asText(), n.path("underlayIP").asText(),
                    n.path("podCIDR").asText(), n.path("gateway").asText(), n.path("pods").asText());
        }
        t.print(out);
        return 0;
    }
}
