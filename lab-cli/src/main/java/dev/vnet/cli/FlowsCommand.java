package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "flows", description = {
        "Recent flow events, one line each: new flows through a Service (the endpoint chosen and why) and packets",
        "a node dropped (and why). -f follows them live until Ctrl-C.",
        "Examples: vnet flows   |   vnet flows -f --verdict dropped   |   vnet flows --pod client"})
final class FlowsCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events.")
    boolean follow;

    @Option(names = "--verdict", description = "Only translated or dropped.")
    String verdict;

    @Option(names = "--pod", description = "Only flows from or to this pod's IP (a pod of -n, or NAMESPACE/NAME).")
    String pod;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pod's Kubernetes namespace.")
    String namespace;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String podIp = null;
        if (pod != null) {
            String key = dev.vnet.apiserver.api.PodKind.refKey(pod, namespace);
            JsonNode p = root.client().list(dev.vnet.apiserver.api.PodKind.KIND, key.substring(0, key.indexOf('/')), false,
                    key.substring(key.indexOf('/') + 1)).path("items").path(0);
            podIp = p.path("status").path("podIP").asString();
        }
        long since = 0;
        do {
            JsonNode events = root.client().call(Operation.FLOWS.request().put("since", since)).path("events");
            for (JsonNode e : events) {
                since = Math.max(since, e.path("seq").asLong());
                if (verdict != null && !verdict.equals(e.path("verdict").asString())) {
                    continue;
                }
                if (podIp != null && !e.path("src").asString().startsWith(podIp + ":")
                        && !e.path("dst").asString().startsWith(podIp + ":") && !e.path("src").asString().equals(podIp)
                        && !e.path("dst").asString().equals(podIp)) {
                    continue;
                }
                String at = e.path("at").asString();
                out.printf("%s %-7s %-4s %21s → %-21s %-10s %s%n", at.length() >= 23 ? at.substring(11, 23) : at,
                        e.path("node").asString(), e.path("protocol").asString(), e.path("src").asString(),
                        e.path("dst").asString(), e.path("verdict").asString().toUpperCase(), e.path("detail").asString());
            }
            out.flush();
            if (follow) {
                Thread.sleep(300);
            }
        } while (follow);
        return 0;
    }
}
