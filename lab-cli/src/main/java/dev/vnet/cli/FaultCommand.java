package dev.vnet.cli;

import dev.vnet.apiserver.api.FaultKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.client.ApiClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

@Command(name = "fault", description = {
        "Break the network on purpose, as real clusters break: at a pod's port (--pod), on the tunnel from a node",
        "to one peer (--peer), or on a node's whole underlay (neither); or pause a node's loops.",
        "  vnet fault add --node NODE [--pod POD | --peer NODE] EFFECT...   prints the fault's id",
        "  vnet fault list | vnet fault del ID... | vnet fault clear",
        "Effects: --loss P%  --delay MS [--jitter MS]  --duplicate P%  --reorder P%  --corrupt P%  --rate MBIT",
        "         --drop 'FILTER' (tcpdump syntax)  --mtu N  --no-frag-needed (the PMTU black hole)",
        "         --pause sync (the node stops applying the store's changes, as a stopped kube-proxy)",
        "         --pause dns (the node's DNS stops answering)",
        "Examples: vnet fault add --node node-1 --peer node-2 --loss 30%   |   vnet fault add --node node-2 --pause sync"})
final class FaultCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VERB", description = "add, list, del or clear")
    String verb;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ApiClient client = root.client();
        switch (verb) {
            case "add" -> {
                ArrayNode args = dev.vnet.apiserver.api.Json.MAPPER.createArrayNode();
                rest.forEach(args::add);
                JsonNode reply = client.call(Operation.FAULT_ADD.request().set("args", args));
                out.println(reply.path("id").asInt());
                spec.commandLine().getErr().println("fault " + reply.path("id").asInt() + ": "
                        + reply.path("description").asString());
            }
            case "list" -> list(client, out);
            case "del", "delete" -> {
                if (rest.isEmpty()) {
                    throw new VnetCommand.CliException("usage: vnet fault del ID... (`vnet fault list` shows the ids)", 2);
                }
                int status = 0;
                for (String id : rest) {
                    try {
                        client.delete(FaultKind.KIND, null, id);
                        out.println("fault " + id + " deleted");
                    } catch (dev.vnet.apiserver.api.ApiException e) {
                        spec.commandLine().getErr().println("error: " + (e.getMessage().contains("not found")
                                ? "fault " + id + " not found (`vnet fault list` shows the ids)" : e.getMessage()));
                        status = 1;
                    }
                }
                out.flush();
                return status;
            }
            case "clear" -> {
                int n = 0;
                for (JsonNode f : client.list(FaultKind.KIND, null, true, null).path("items")) {
                    client.delete(FaultKind.KIND, null, f.path("metadata").path("name").asString());
                    n++;
                }
                out.println(n + (n == 1 ? " fault" : " faults") + " cleared");
            }
            default -> throw new VnetCommand.CliException("unknown verb \"" + verb + "\": vnet fault add, list, del "
                    + "or clear", 2);
        }
        out.flush();
        return 0;
    }

    /** The store's faults, each with the counters of the node that applies it. */
    private static void list(ApiClient client, PrintWriter out) throws Exception {
        Map<Integer, JsonNode> counts = new HashMap<>();
        try {
            for (JsonNode c : client.call(Operation.FAULT_COUNTS.request()).path("faults")) {
                counts.put(c.path("id").asInt(), c);
            }
        } catch (dev.vnet.apiserver.api.ApiException e) {
            // A node that does not answer: its faults are listed without counters.
        }
        Table t = new Table("ID", "NODE", "FAULT", "SEEN", "DROPPED", "DELAYED", "DUPLICATED", "CORRUPTED");
        for (JsonNode f : client.list(FaultKind.KIND, null, true, null).path("items")) {
            int id = Integer.parseInt(f.path("metadata").path("name").asString("0"));
            JsonNode c = counts.get(id);
            t.row(Integer.toString(id), f.path("spec").path("node").asString(),
                    f.path("spec").path("description").asString(), c == null ? "?" : c.path("seen").asString(),
                    c == null ? "?" : c.path("dropped").asString(), c == null ? "?" : c.path("delayed").asString(),
                    c == null ? "?" : c.path("duplicated").asString(), c == null ? "?" : c.path("corrupted").asString());
        }
        if (t.isEmpty()) {
            out.println("no faults (vnet fault add --node NODE ... injects one)");
        } else {
            t.print(out);
        }
    }
}
