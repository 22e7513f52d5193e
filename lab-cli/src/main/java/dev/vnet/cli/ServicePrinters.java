package dev.vnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Tables for Services, Endpoints and EndpointSlices, with kubectl's columns. */
final class ServicePrinters {
    private ServicePrinters() {}

    static void services(PrintWriter out, JsonNode list, boolean wide, boolean allNamespaces) {
        List<String> headers = new ArrayList<>(List.of("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"));
        if (wide) {
            headers.add("SELECTOR");
        }
        if (allNamespaces) {
            headers.add(0, "NAMESPACE");
        }
        Table t = new Table(headers.toArray(String[]::new));
        for (JsonNode s : list.path("items")) {
            JsonNode spec = s.path("spec");
            String type = spec.path("type").asText("ClusterIP");
            String clusterIp = spec.path("clusterIP").asText("");
            List<String> row = new ArrayList<>(List.of(s.path("metadata").path("name").asText(), type,
                    clusterIp.isEmpty() ? "<none>" : clusterIp, externalIp(s), ports(spec), GetCommand.age(s)));
            if (wide) {
                row.add(selector(spec.path("selector")));
            }
            if (allNamespaces) {
                row.add(0, s.path("metadata").path("namespace").asText());
            }
            t.row(row.toArray(String[]::new));
        }
        t.print(out);
    }

    static String externalIp(JsonNode s) {
        JsonNode spec = s.path("spec");
        String type = spec.path("type").asText("ClusterIP");
        if (type.equals("ExternalName")) {
            return spec.path("externalName").asText();
        }
        JsonNode ingress = s.path("status").path("loadBalancer").path("ingress");
        if (ingress.size() > 0) {
            return ingress.get(0).path("ip").asText();
        }
        return type.equals("LoadBalancer") ? "<pending>" : "<none>";
    }

    static String ports(JsonNode spec) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : spec.path("ports")) {
            String port = p.path("port").asText();
            if (p.hasNonNull("nodePort")) {
                port += ":" + p.path("nodePort").asText();
            }
            out.add(port + "/" + p.path("protocol").asText("TCP"));
        }
        return out.isEmpty() ? "<none>" : String.join(",", out);
    }

    static String selector(JsonNode selector) {
        List<String> out = new ArrayList<>();
        selector.fields().forEachRemaining(e -> out.add(e.getKey() + "=" + e.getValue().asText()));
        return out.isEmpty() ? "<none>" : String.join(",", out);
    }

    /** Ready endpoints as ip:port, in the order the API lists them. */
    static List<String> endpointList(JsonNode endpoints) {
        List<String> out = new ArrayList<>();
        for (JsonNode subset : endpoints.path("subsets")) {
            for (JsonNode a : subset.path("addresses")) {
                for (JsonNode p : subset.path("ports")) {
                    out.add(a.path("ip").asText() + ":" + p.path("port").asText());
                }
                if (subset.path("ports").isEmpty()) {
                    out.add(a.path("ip").asText());
                }
            }
        }
        return out;
    }

    static String shortList(List<String> items) {
        if (items.isEmpty()) {
            return "<none>";
        }
        if (items.size() <= 3) {
            return String.join(",", items);
        }
        return String.join(",", items.subList(0, 3)) + " + " + (items.size() - 3) + " more...";
    }

    static void endpoints(PrintWriter out, JsonNode list, boolean wide) {
        Table t = new Table("NAME", "ENDPOINTS", "AGE");
        for (JsonNode e : list.path("items")) {
            List<String> eps = endpointList(e);
            t.row(e.path("metadata").path("name").asText(), wide ? String.join(",", eps) : shortList(eps),
                    GetCommand.age(e));
        }
        t.print(out);
    }

    static void endpointSlices(PrintWriter out, JsonNode list) {
        Table t = new Table("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE");
        for (JsonNode s : list.path("items")) {
            List<String> ports = new ArrayList<>();
            s.path("ports").forEach(p -> ports.add(p.path("port").asText("<unset>")));
            List<String> addrs = new ArrayList<>();
            s.path("endpoints").forEach(e -> e.path("addresses").forEach(a -> addrs.add(a.asText())));
            t.row(s.path("metadata").path("name").asText(), s.path("addressType").asText(),
                    ports.isEmpty() ? "<unset>" : String.join(",", ports), shortList(addrs), GetCommand.age(s));
        }
        t.print(out);
    }
}
