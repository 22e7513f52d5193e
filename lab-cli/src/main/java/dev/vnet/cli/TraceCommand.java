package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "trace", description = {
        "Send a probe packet from a pod and print every stage it crossed on every node, with what each decided:",
        "the bridge (FDB hit or flood), the Service stage (conntrack, the Service matched, the endpoint and why,",
        "DNAT/SNAT), the router (route, TTL), VXLAN (VNI, peer, outer ports), and how it ended.",
        "SRC is a pod of -n, or NAMESPACE/NAME. DST is an IP, a Service or a pod (a name in SRC's namespace, or",
        "NAMESPACE/NAME), with :PORT for TCP/UDP (default: TCP with a port, ICMP without).",
        "Examples: vnet trace pod-a web:80   |   vnet trace pod-a 10.244.2.7 --proto icmp",
        "          vnet trace pod-a --next \"tcp port 80\"   (then make pod-a send, e.g. curl http://web/)"})
final class TraceCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "POD", description = "The source pod (of -n, or NAMESPACE/NAME).")
    String source;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The source pod's Kubernetes namespace.")
    String namespace;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DESTINATION", description = "DST[:PORT] (not with --next)")
    String target;

    @Option(names = "--next", description = "Instead of a probe, follow the next real packet from SRC matching "
            + "this filter (e.g. \"tcp port 80\"), waiting up to --wait seconds.")
    String next;

    @Option(names = "--wait", defaultValue = "30", description = "How long --next waits (default: ${DEFAULT-VALUE} s).")
    int waitSeconds;

    @Option(names = "--proto", description = "tcp, udp or icmp")
    String protocol;

    @Option(names = {"-o", "--output"}, description = "json for scripts and labs")
    String output;

    @Override
    public Integer call() throws Exception {
        if ((target == null) == (next == null)) {
            throw new VnetCommand.CliException("give either DST[:PORT] or --next FILTER", 2);
        }
        var req = Operation.TRACE.request().put("source", source).put("namespace", namespace)
                .put("protocol", protocol == null ? "" : protocol);
        if (next != null) {
            req.put("next", next).put("wait", waitSeconds);
        } else {
            req.put("target", target);
        }
        JsonNode t = root.client().call(req);
        PrintWriter out = spec.commandLine().getOut();
        if ("json".equals(output)) {
            ((tools.jackson.databind.node.ObjectNode) t).remove("ok");
            out.println(dev.vnet.apiserver.api.Json.PRETTY.writeValueAsString(t));
            out.flush();
            return 0;
        }
        out.println("trace " + t.path("source").asString(source) + " → " + t.path("resolved").asString() + ": " + t.path("probe").asString());
        Table table = new Table("µs", "NODE", "STAGE", "DECISION");
        for (JsonNode h : t.path("hops")) {
            table.row(h.path("micros").asString(), h.path("node").asString(), h.path("stage").asString(),
                    h.path("decision").asString());
        }
        table.print(out);
        out.println("result: " + t.path("outcome").asString());
        out.flush();
        return 0;
    }
}
