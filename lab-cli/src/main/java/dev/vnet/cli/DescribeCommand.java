package dev.vnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vnet.apiserver.server.ApiException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "describe", description = {
        "Show one Service in detail, as kubectl describe does: its IPs, ports, endpoints and affinity,",
        "plus what vnet's data plane does with it (proxy mode, load balancing, the node answering its LB IP).",
        "Example: vnet describe svc web"})
final class DescribeCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "svc")
    String kind;

    @Parameters(index = "1", description = "The Service's name.")
    String name;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
    String namespace;

    @Override
    public Integer call() throws Exception {
        if (!List.of("svc", "service", "services").contains(kind)) {
            throw new VnetCommand.CliException("vnet describes Services: vnet describe svc NAME", 2);
        }
        PrintWriter out = spec.commandLine().getOut();
        JsonNode svc = one("services");
        JsonNode eps;
        try {
            eps = one("endpoints");
        } catch (ApiException e) {
            eps = null;
        }
        JsonNode meta = svc.path("metadata");
        JsonNode s = svc.path("spec");
        JsonNode dp = root.client().call(UpCommand.request("service-dataplane").put("namespace", namespace)
                .put("name", name));
        line(out, "Name:", meta.path("name").asText());
        line(out, "Namespace:", meta.path("namespace").asText());
        line(out, "Labels:", ServicePrinters.selector(meta.path("labels")));
        line(out, "Annotations:", ServicePrinters.selector(meta.path("annotations")));
        line(out, "Selector:", ServicePrinters.selector(s.path("selector")));
        line(out, "Type:", s.path("type").asText("ClusterIP"));
        line(out, "IP:", s.path("clusterIP").asText("<none>"));
        if (s.hasNonNull("externalName")) {
            line(out, "External Name:", s.path("externalName").asText());
        }
        String ext = ServicePrinters.externalIp(svc);
        if (!ext.equals("<none>") && !s.hasNonNull("externalName")) {
            line(out, "LoadBalancer Ingress:", ext + "  (answered by ARP from " + dp.path("lbNode").asText("?") + ")");
        }
        for (JsonNode p : s.path("ports")) {
            String pn = p.path("name").asText("<unset>");
            line(out, "Port:", pn + "  " + p.path("port").asText() + "/" + p.path("protocol").asText("TCP"));
            line(out, "TargetPort:", p.path("targetPort").asText() + "/" + p.path("protocol").asText("TCP"));
            if (p.hasNonNull("nodePort")) {
                line(out, "NodePort:", pn + "  " + p.path("nodePort").asText() + "/" + p.path("protocol").asText("TCP"));
            }
            line(out, "Endpoints:", eps == null ? "<none>" : ServicePrinters.shortList(portEndpoints(eps, pn)));
        }
        line(out, "Session Affinity:", s.path("sessionAffinity").asText("None")
                + (s.has("sessionAffinityConfig") ? " (timeout "
                + s.path("sessionAffinityConfig").path("clientIP").path("timeoutSeconds").asText() + " s)" : ""));
        if (s.hasNonNull("externalTrafficPolicy")) {
            line(out, "External Traffic Policy:", s.path("externalTrafficPolicy").asText());
        }
        if (s.hasNonNull("internalTrafficPolicy")) {
            line(out, "Internal Traffic Policy:", s.path("internalTrafficPolicy").asText());
        }
        line(out, "Proxy Mode:", dp.path("proxyMode").asText());
        line(out, "Load Balancing:", dp.path("algorithm").asText());
        line(out, "Connections:", dp.path("connections").asText("0") + " tracked (see `vnet conntrack`)");
        line(out, "Events:", "<none>");
        out.flush();
        return 0;
    }

    private JsonNode one(String kindWord) throws ApiException {
        return root.client().call(UpCommand.request("get").put("kind", kindWord).put("name", name)
                .put("namespace", namespace)).path("list").path("items").get(0);
    }

    private static List<String> portEndpoints(JsonNode eps, String portName) {
        List<String> out = new ArrayList<>();
        for (JsonNode subset : eps.path("subsets")) {
            for (JsonNode p : subset.path("ports")) {
                if (p.path("name").asText("<unset>").equals(portName) || subset.path("ports").size() == 1) {
                    subset.path("addresses").forEach(a -> out.add(a.path("ip").asText() + ":" + p.path("port").asText()));
                }
            }
        }
        return out;
    }

    private static void line(PrintWriter out, String label, String value) {
        out.printf("%-25s%s%n", label, value);
    }
}
