package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "exec", description = {
        "Run a command inside a pod's network namespace, a node's (node/NAME) or the outside's (outside).",
        "It is `ip netns exec NETNS CMD...`: the pod's resolv.conf applies, and stdin/stdout are yours.",
        "Examples: vnet exec pod-a -- ping -c 3 10.244.1.3   |   vnet exec -n prod web -- ip addr   |   vnet exec outside -- ip addr"})
final class ExecCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Parameters(index = "0", paramLabel = "TARGET", description = "A pod name (of -n, or NAMESPACE/NAME), node/NAME, or outside.")
    String target;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pod's Kubernetes namespace.")
    String namespace;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments (after --).")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        tools.jackson.databind.JsonNode where = root.client().call(Operation.TARGET.request().put("name", target)
                .put("namespace", namespace));
        String netns = where.path("netns").asString();
        if (!dev.vnet.core.linux.NetNs.exists(netns)) {
            // A cluster of machines: the target lives on another VM.
            if (where.path("node").asString("").startsWith("a node that does not answer")) {
                throw new VnetCommand.CliException(target + " is not on this machine, and " + where.path("node").asString());
            }
            throw new VnetCommand.CliException(target + " runs on " + where.path("node").asString("another node")
                    + ", not on this machine: run vnet exec there (e.g. vagrant ssh " + where.path("node").asString("NODE")
                    + ")");
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        argv.addAll(command);
        Process p;
        try {
            p = new ProcessBuilder(argv).inheritIO().start();
        } catch (java.io.IOException e) {
            throw new VnetCommand.CliException("cannot run ip: install iproute2 (`apt-get install iproute2`)");
        }
        return p.waitFor();
    }
}
