package dev.vnet.cli;

import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "describe", description = {
        "Show resources in detail, as kubectl describe does. For a Service: its IPs, ports, endpoints and",
        "affinity, plus what vnet's data plane does with it (proxy mode, load balancing, the node answering its LB IP).",
        "Examples: vnet describe svc web   |   vnet describe pod web-1   |   vnet describe ns prod   |   vnet describe nodes"})
final class DescribeCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "A kind: svc, pod, node, endpoints, ...")
    String kind;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One resource by name (all if none).")
    String name;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Override
    public Integer call() throws Exception {
        describe(Kinds.builtIn().named(kind));
        return 0;
    }

    private <T extends HasMetadata> void describe(Kind<T> k) throws Exception {
        Resources resources = new Resources(root.client());
        List<T> items = resources.list(k, namespace, false, name);
        PrintWriter out = spec.commandLine().getOut();
        if (items.isEmpty()) {
            out.println(k.namespaced() ? "No resources found in " + namespace + " namespace." : "No resources found");
        }
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.println();
            }
            k.describe(items.get(i), resources).lines().forEach(out::println);
        }
        out.flush();
    }
}
