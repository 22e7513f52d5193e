package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.PrintWriter;
import java.nio.file.Path;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "delete", description = {
        "Delete resources by kind and name, or those of a manifest file; returns once they are gone. A namespace",
        "is deleted with everything in it (default and kube-system cannot be).",
        "Examples: vnet delete pod pod-b   |   vnet delete ns prod   |   vnet delete -f labs/examples/pods.yaml"})
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--filename"}, description = "Delete what this manifest file defines (repeatable).")
    List<Path> files;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Option(names = "--ignore-not-found", description = "Succeed when a named resource does not exist.")
    boolean ignoreNotFound;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KIND", description = "A kind: pod, svc, ns, ...")
    String kind;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "NAME", description = "The resources' names.")
    List<String> names;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (files != null && !files.isEmpty()) {
            if (kind != null) {
                throw new VnetCommand.CliException("give either -f FILE or KIND NAME..., not both", 2);
            }
            int status = 0;
            for (Path f : files) {
                var targets = dev.vnet.apiserver.client.ApiClient.named(ApplyCommand.read(f), f.toString(), namespace);
                status = Math.max(status, print(root.client().deleteEach(targets, true), out));
            }
            return status;
        }
        if (kind == null || names == null || names.isEmpty()) {
            throw new VnetCommand.CliException("usage: vnet delete pod NAME... (or vnet delete -f FILE)", 2);
        }
        Kind<?> k = Kinds.builtIn().named(kind);
        List<dev.vnet.apiserver.client.ApiClient.Named> targets = new java.util.ArrayList<>();
        names.forEach(n -> targets.add(new dev.vnet.apiserver.client.ApiClient.Named(k, namespace, n)));
        return print(root.client().deleteEach(targets, ignoreNotFound), out);
    }

    private int print(JsonNode reply, PrintWriter out) {
        reply.path("messages").forEach(m -> out.println(m.asString()));
        out.flush();
        if (reply.path("errors").size() > 0) {
            reply.path("errors").forEach(e -> spec.commandLine().getErr().println("error: " + e.asString()));
            return 1;
        }
        return 0;
    }
}
