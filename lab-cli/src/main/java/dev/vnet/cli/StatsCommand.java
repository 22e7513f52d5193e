package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import dev.vnet.core.packet.DropReason;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "stats", description = {
        "Show each node's counters: a table of its bridge ports (packets and bytes each way, drops), then one line",
        "per stage of the data path (bridge, gateway, router, VXLAN, Services, conntrack) with its drops in words,",
        "and the cluster DNS counters. The same counters are served to Prometheus at http://NODE-IP:9090/metrics.",
        "Example: vnet exec client -- ping -c 3 10.244.2.2 ; vnet stats --node node-1"})
final class StatsCommand implements Callable<Integer> {
    /** Where the stage names end, so that their details line up. */
    private static final String INDENT = "  ";
    private static final int STAGE_WIDTH = 11;

    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--node"}, paramLabel = "NODE", description = "Only this node's counters.")
    String node;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode reply = root.client().call(Operation.STATS.request().put("node", node == null ? "" : node));
        render(reply).forEach(out::println);
        out.flush();
        return 0;
    }

    /** The lines {@code vnet stats} prints for the lab's {@code stats} answer. */
    static List<String> render(JsonNode reply) {
        List<String> lines = new ArrayList<>();
        for (JsonNode n : reply.path("nodes")) {
            if (!lines.isEmpty()) {
                lines.add("");
            }
            lines.add(n.path("name").asString());
            lines.addAll(portTable(n.path("ports")));
            for (JsonNode p : n.path("ports")) {
                for (String d : dropsInWords(p.path("dropsByReason"))) {
                    lines.add(INDENT + "dropped on " + p.path("name").asString() + ": " + d);
                }
            }
            lines.addAll(stages(n));
        }
        JsonNode dns = reply.path("dns");
        if (!dns.isMissingNode()) {
            if (!lines.isEmpty()) {
                lines.add("");
            }
            // One DNS log serves the whole lab, so its counters are every node's answers together.
            lines.add("cluster DNS (all nodes)");
            lines.add(stage("dns", "queries " + counts(dns.path("queriesByType")) + "; answers "
                    + counts(dns.path("responsesByRcode")) + "; malformed " + dns.path("malformed").asLong()));
        }
        return lines;
    }

    private static List<String> portTable(JsonNode ports) {
        Table t = new Table("PORT", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES", "DROPS");
        for (JsonNode p : ports) {
            t.row(p.path("name").asString(), num(p, "rxPackets"), num(p, "rxBytes"), num(p, "txPackets"),
                    num(p, "txBytes"), num(p, "drops"));
        }
        StringWriter sw = new StringWriter();
        t.print(new PrintWriter(sw));
        return sw.toString().lines().map(l -> INDENT + l).toList();
    }

    private static List<String> stages(JsonNode n) {
        List<String> lines = new ArrayList<>();
        JsonNode b = n.path("bridge");
        lines.add(stage("bridge", "forwarded " + num(b, "forwarded") + ", flooded " + num(b, "flooded")
                + ", to the router " + num(b, "diverted") + "; FDB " + num(b, "fdbEntries") + " entries"));
        lines.add(stage("", "learned " + num(b, "learnedNew") + " new, " + num(b, "learnedMoved") + " moved, "
                + num(b, "learnRefused") + " refused (FDB full)"));
        JsonNode g = n.path("gateway");
        lines.add(stage("gateway", "ARP replies " + num(g, "arpReplies") + ", echo replies " + num(g, "echoReplies")
                + ", routed " + num(g, "routed") + "; neighbours " + num(g, "neighbors")));
        JsonNode r = n.path("router");
        JsonNode routed = r.path("routed");
        lines.add(stage("router", "to local pods " + num(routed, "LOCAL_POD") + ", to other nodes "
                + num(routed, "OVERLAY") + ", to the node " + num(routed, "NODE_TUN") + "; ICMP errors sent "
                + num(r, "icmpErrors")));
        lines.addAll(dropLines(r.path("dropsByReason")));
        List<String> pipeline = new ArrayList<>();
        for (JsonNode st : r.path("pipeline")) {
            pipeline.add(st.path("stage").asString("") + " " + num(st, "packets"));
        }
        if (!pipeline.isEmpty()) {
            lines.add(INDENT + " ".repeat(STAGE_WIDTH) + "pipeline (packets in): " + String.join(" → ", pipeline));
        }
        JsonNode v = n.path("vxlan");
        lines.add(stage("vxlan", "VNI " + num(v, "vni") + ", peers " + num(v, "peers") + "; sent "
                + num(v, "txPackets") + " packets / " + num(v, "txBytes") + " bytes, received " + num(v, "rxPackets")
                + " packets / " + num(v, "rxBytes") + " bytes"));
        lines.addAll(dropLines(v.path("dropsByReason")));
        JsonNode s = n.path("services");
        lines.add(stage("services", "new flows " + num(s, "newFlows") + ", translated " + num(s, "translated")
                + ", rejected " + num(s, "rejected") + ", SNAT " + num(s, "snatted") + " (" + num(s, "snatRedirects")
                + " moved to another endpoint)"));
        lines.addAll(dropLines(s.path("dropsByReason")));
        JsonNode c = n.path("conntrack");
        lines.add(stage("conntrack", num(c, "entries") + " entries of " + num(c, "max") + "; inserted "
                + num(c, "inserted") + ", expired " + num(c, "expired") + ", refused " + num(c, "droppedFull")
                + " (table full), " + num(c, "clashed") + " (clash)"));
        lines.add(INDENT + " ".repeat(STAGE_WIDTH) + "made room: " + num(c, "earlyDropped") + " half-open entries "
                + "dropped early, " + num(c, "reclaimed") + " SNAT ports taken back");
        return lines;
    }

    private static String stage(String name, String text) {
        return INDENT + name + " ".repeat(Math.max(1, STAGE_WIDTH - name.length())) + text;
    }

    private static List<String> dropLines(JsonNode byReason) {
        return dropsInWords(byReason).stream().map(d -> INDENT + " ".repeat(STAGE_WIDTH) + "dropped " + d).toList();
    }

    /** "3 × no route to the destination" for each reason, largest count first. */
    static List<String> dropsInWords(JsonNode byReason) {
        List<java.util.Map.Entry<String, Long>> drops = new ArrayList<>();
        byReason.properties().forEach(e -> drops.add(java.util.Map.entry(e.getKey(), e.getValue().asLong())));
        drops.sort(java.util.Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(java.util.Map.Entry.comparingByKey()));
        return drops.stream().map(e -> e.getValue() + " × " + describe(e.getKey())).toList();
    }

    /** A drop reason in words, as {@link DropReason#description()} has it; unknown names as they are. */
    static String describe(String reason) {
        try {
            return DropReason.valueOf(reason).description();
        } catch (IllegalArgumentException e) {
            return reason.toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    private static String counts(JsonNode byKey) {
        List<String> parts = new ArrayList<>();
        byKey.properties().forEach(e -> parts.add(e.getKey() + " " + e.getValue().asLong()));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String num(JsonNode o, String field) {
        return Long.toString(o.path(field).asLong());
    }
}
