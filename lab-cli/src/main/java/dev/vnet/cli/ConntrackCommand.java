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

@Command(name = "conntrack", description = {
        "List the translated flows each node tracks, as `conntrack -L` does: the original tuple (as the client",
        "sent it), the reply tuple (as the endpoint answers, after DNAT/SNAT), the TCP state and the seconds left.",
        "Example: vnet conntrack -n node-1"})
final class ConntrackCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--node"}, paramLabel = "NODE", description = "Only this node's table.")
    String node;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode reply = root.client().call(Operation.CONNTRACK.request().put("node", node == null ? "" : node));
        int n = 0;
        for (JsonNode e : reply.path("entries")) {
            out.printf("%-7s %-5s %-12s %6d %s %s%s%s%n    %s%n", e.path("node").asString(), e.path("protocol").asString(),
                    e.path("state").asString(), e.path("timeout").asLong(), e.path("original").asString(),
                    e.path("reply").asString(), e.path("dnat").asBoolean() ? " [DNAT]" : "",
                    e.path("snat").asBoolean() ? " [SNAT]" : "", e.path("label").asString());
            n++;
        }
        out.println("conntrack: " + n + " flow entries");
        out.flush();
        return 0;
    }
}
