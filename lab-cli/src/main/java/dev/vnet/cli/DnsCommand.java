package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
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

@Command(name = "dns", description = {
        "`vnet dns log` shows the recent questions the nodes' cluster DNS answered, with the answers and codes,",
        "then counters by query type and response code. Watch ndots:5 expand a short name into several queries.",
        "Example: vnet exec client -- curl -s http://web/ ; vnet dns log"})
final class DnsCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WHAT", completionCandidates = DnsCommand.Words.class, description = "log")
    String what;

    @Option(names = {"-n", "--node"}, paramLabel = "NODE", description = "Only this node's answers.")
    String node;

    @Option(names = "--tail", defaultValue = "30", description = "How many recent entries (default: ${DEFAULT-VALUE}).")
    int tail;

    @Override
    public Integer call() throws Exception {
        if (!what.equals("log")) {
            throw new VnetCommand.CliException("usage: vnet dns log [-n NODE] [--tail N]", 2);
        }
        PrintWriter out = spec.commandLine().getOut();
        JsonNode reply = root.client().call(Operation.DNS_LOG.request().put("node", node == null ? "" : node));
        List<JsonNode> entries = new ArrayList<>();
        reply.path("entries").forEach(entries::add);
        Table t = new Table("TIME", "NODE", "CLIENT", "PROTO", "TYPE", "NAME", "RCODE", "ANSWER");
        for (JsonNode e : entries.subList(Math.max(0, entries.size() - tail), entries.size())) {
            List<String> answers = new ArrayList<>();
            e.path("answers").forEach(a -> answers.add(a.asString()));
            String at = e.path("at").asString();
            t.row(at.length() >= 19 ? at.substring(11, 19) : at, e.path("node").asString(), e.path("client").asString(),
                    e.path("transport").asString(), e.path("type").asString(), e.path("name").asString(),
                    e.path("rcode").asString(), answers.isEmpty() ? "-" : String.join(", ", answers));
        }
        t.print(out);
        out.println("queries by type: " + reply.path("queriesByType") + "  responses by code: "
                + reply.path("responsesByRcode") + "  malformed: " + reply.path("malformed").asLong());
        out.flush();
        return 0;
    }

    /** What the verb shows. */
    static final class Words implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("log").iterator();
        }
    }
}
