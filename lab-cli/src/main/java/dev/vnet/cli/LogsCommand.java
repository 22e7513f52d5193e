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

@Command(name = "logs", description = {"Print the output of a pod's container.",
        "Examples: vnet logs pod-a -c client   |   vnet logs -n prod web"})
final class LogsCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "POD", description = "The pod (of -n, or NAMESPACE/NAME).")
    String pod;

    @Option(names = {"-c", "--container"}, description = "The container (needed when the pod has several).")
    String container;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        var req = Operation.LOGS.request().put("pod", pod).put("namespace", namespace)
                .put("container", container == null ? "" : container);
        out.print(root.client().call(req).path("text").asString());
        out.flush();
        return 0;
    }
}
