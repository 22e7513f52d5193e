package dev.vnet.cli;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.Operation;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "get", description = {
        "List resources as kubectl does: a table, a wider table, or the objects as YAML or JSON.",
        "Examples: vnet get pods -o wide   |   vnet get pods -A -o wide   |   vnet get svc -o wide   |   vnet get ns   |   vnet get nodes"})
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", description = "A kind, or several separated by commas (pods,svc): "
            + "pods (po), namespaces (ns), nodes (no), services (svc), endpoints (ep), endpointslices, networkpolicies "
            + "(netpol), secrets, ingresses (ing), ingressclasses, gatewayclasses (gc), gateways (gtw), httproutes, "
            + "subnetleases")
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
        // Several kinds at once, as kubectl takes them ("pods,svc"): one table each, or one list for -o json|yaml.
        List<Kind<?>> kinds = new ArrayList<>();
        for (String word : kind.split(",")) {
            kinds.add(Kinds.builtIn().named(word.strip()));
        }
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode merged = null;
        boolean printed = false;
        for (Kind<?> k : kinds) {
            JsonNode list = root.client().list(k, namespace, all, name);
            if ("json".equals(output) || "yaml".equals(output)) {
                if (merged == null) {
                    merged = (ObjectNode) list.deepCopy();
                } else {
                    merged.withArray("items").addAll((ArrayNode) list.path("items"));
                }
            } else if (!list.path("items").isEmpty()) {
                if (printed) {
                    out.println();
                }
                print(k, list.path("items"), out);
                printed = true;
            }
        }
        if (merged != null) {
            JsonNode shown = name != null && kinds.size() == 1 && merged.path("items").size() == 1
                    ? merged.path("items").get(0) : merged;
            if ("json".equals(output)) {
                out.println(Json.PRETTY.writeValueAsString(shown));
            } else {
                out.print(Json.YAML.writeValueAsString(shown));
            }
        } else if (!printed) {
            boolean clusterWide = kinds.stream().noneMatch(Kind::namespaced);
            out.println(all || clusterWide ? "No resources found" : "No resources found in " + namespace
                    + " namespace.");
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
