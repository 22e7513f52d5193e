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

@Command(name = "proxy", description = {
        "Show what kube-proxy would program for the current Services.",
        "`vnet proxy rules [SERVICE]` prints the iptables rules (iptables-save form: KUBE-SERVICES, KUBE-SVC-*,",
        "KUBE-SEP-* chains) that a node's Service table is equivalent to. Example: vnet proxy rules web"})
final class ProxyCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WHAT", completionCandidates = ProxyCommand.Words.class, description = "rules")
    String what;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SERVICE", description = "One Service (NAME or NAMESPACE/NAME).")
    String service;

    @Option(names = "--node", paramLabel = "NODE", defaultValue = "node-1", description = "Whose rules (default: ${DEFAULT-VALUE}).")
    String node;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Override
    public Integer call() throws Exception {
        if (!what.equals("rules")) {
            throw new VnetCommand.CliException("usage: vnet proxy rules [SERVICE] [--node NODE]", 2);
        }
        var req = Operation.PROXY_RULES.request().put("node", node).put("namespace", namespace)
                .put("service", service == null ? "" : service);
        PrintWriter out = spec.commandLine().getOut();
        var reply = root.client().call(req);
        if (reply.path("proxyMode").asString().equals("ipvs")) {
            out.println("# this lab runs in ipvs mode (hash lookups); these are the iptables rules it is equivalent to");
        }
        out.print(reply.path("text").asString());
        out.flush();
        return 0;
    }

    /** What the verb shows. */
    static final class Words implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("rules").iterator();
        }
    }
}
