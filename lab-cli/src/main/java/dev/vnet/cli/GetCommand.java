package dev.vnet.cli;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Operation;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "get", description = {
        "List resources as kubectl does: a table, a wider table, or the objects as YAML or JSON.",
        "Examples: vnet get pods -o wide   |   vnet get pods -A -o wide   |   vnet get svc -o wide   |   vnet get ns   |   vnet get nodes"})
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "A kind: pods (po), namespaces (ns), nodes (no), "
            + "services (svc), endpoints (ep), endpointslices, subnetleases")
    String kind;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One resource by name.")
    String name;

    @Option(names = {"-o", "--output"}, description = "wide, yaml or json")
    String output;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Resources of every namespace.")
    boolean all;

    @Override
    public Integer call() throws Exception {
        if (output != null && !output.equals("wide") && !output.equals("yaml") && !output.equals("json")) {
            throw new VnetCommand.CliException("unknown output format \"" + output + "\": use wide, yaml or json", 2);
        }
        Kind<?> k = Kinds.builtIn().named(kind);
        ObjectNode req = Operation.GET.request().put("kind", k.kind()).put("namespace", namespace)
                .put("allNamespaces", all);
        if (name != null) {
            req.put("name", name);
        }
        JsonNode list = root.client().call(req).path("list");
        PrintWriter out = spec.commandLine().getOut();
        JsonNode shown = name != null && list.path("items").size() == 1 ? list.path("items").get(0) : list;
        if ("json".equals(output)) {
            out.println(Json.PRETTY.writeValueAsString(shown));
        } else if ("yaml".equals(output)) {
            out.print(Json.YAML.writeValueAsString(shown));
        } else if (list.path("items").isEmpty()) {
            out.println(all || !k.namespaced() ? "No resources found" : "No resources found in " + namespace
                    + " namespace.");
        } else {
            print(k, list.path("items"), out);
        }
        out.flush();
        return 0;
    }

    private <T extends HasMetadata> void print(Kind<T> k, JsonNode items, PrintWriter out) throws Exception {
        Resources resources = new Resources(root.client());
        List<T> typed = Resources.typed(k, items);
        resources.table(k, typed, "wide".equals(output), all).print(out);
    }
}
