package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "apply", description = {
        "Create the resources of Kubernetes-shaped YAML manifests (several documents per file are fine).",
        "Unknown fields are errors, as with kubectl's strict validation; a bad file changes nothing.",
        "Example: vnet apply -f labs/examples/pods.yaml"})
final class ApplyCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--filename"}, required = true, description = "A manifest file, or - for standard input.")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        for (Path f : files) {
            ObjectNode req = Operation.APPLY.request().put("source", f.toString()).put("text", read(f));
            JsonNode reply = root.client().call(req);
            reply.path("messages").forEach(m -> out.println(m.asString()));
            // As kubectl prints the API server's warnings: on stderr, so a script reading stdout is not disturbed.
            reply.path("warnings").forEach(w -> spec.commandLine().getErr().println("Warning: " + w.asString()));
        }
        out.flush();
        return 0;
    }

    static String read(Path f) throws VnetCommand.CliException {
        try {
            if (f.toString().equals("-")) {
                return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(f);
        } catch (NoSuchFileException e) {
            throw new VnetCommand.CliException("the file " + f + " does not exist");
        } catch (IOException e) {
            throw new VnetCommand.CliException("cannot read " + f + ": " + e.getMessage());
        }
    }
}
