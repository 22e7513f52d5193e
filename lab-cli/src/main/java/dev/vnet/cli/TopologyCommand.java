package dev.vnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "topology", description = {
        "Draw the lab as it is now: the underlay bridge vnet-ul with the outside, each node on it with its VTEP,",
        "its TUN vnet0 and its bridge, the gateway and the pods on the bridge's ports (IP, MAC), and the VXLAN",
        "tunnels between the nodes.",
        "Example: vnet apply -f labs/examples/pods.yaml ; vnet topology"})
final class TopologyCommand implements Callable<Integer> {
    /** The drawing fits a 100-column terminal: a 7-column left rail plus a box this wide. */
    static final int BOX_WIDTH = 90;
    private static final String RAIL = "   │   ";
    private static final String NO_RAIL = "       ";

    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        render(root.client().call(UpCommand.request("topology"))).forEach(out::println);
        out.flush();
        return 0;
    }

    /** The lines {@code vnet topology} prints for the lab's {@code topology} answer. */
    static List<String> render(JsonNode t) {
        List<String> lines = new ArrayList<>();
        JsonNode ul = t.path("underlay");
        String cidr = ul.path("cidr").asText();
        String prefix = cidr.contains("/") ? cidr.substring(cidr.indexOf('/')) : "";
        lines.add("outside  " + ul.path("outsideIP").asText() + prefix + "  (netns " + ul.path("netns").asText()
                + ", the world outside the cluster)");
        lines.add("   │");
        String bar = "═══╧═══ " + ul.path("bridge").asText() + "  " + cidr + "  underlay bridge ";
        lines.add(bar + "═".repeat(Math.max(3, RAIL.length() + BOX_WIDTH - bar.length())));
        List<JsonNode> nodes = new ArrayList<>();
        t.path("nodes").forEach(nodes::add);
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            boolean last = i == nodes.size() - 1;
            lines.add("   │");
            lines.add((last ? "   └── " : "   ├── ") + n.path("underlayLink").asText() + " ── eth0 "
                    + n.path("underlayIP").asText() + prefix);
            String rail = last ? NO_RAIL : RAIL;
            for (String row : nodeBox(n, t.path("udpPort").asInt(), t.path("vni").asInt())) {
                lines.add(rail + row);
            }
        }
        lines.add("");
        lines.addAll(tunnels(t));
        return lines;
    }

    /** One node as a box: its devices, then its bridge with the gateway and the pods on their ports. */
    static List<String> nodeBox(JsonNode n, int udpPort, int vni) {
        List<String> body = new ArrayList<>();
        String ip = n.path("underlayIP").asText();
        body.add("VTEP     " + ip + ":" + udpPort + "  VNI " + vni + "  MAC " + n.path("vtepMAC").asText());
        JsonNode tun = n.path("tun");
        body.add("TUN      " + tun.path("name").asText() + "  " + tun.path("ip").asText()
                + "/32  (the node's own stack)");
        body.add("router   " + n.path("podCIDR").asText() + " → bridge · other pod subnets → VTEP · else → "
                + tun.path("name").asText());
        body.add("bridge   " + n.path("bridge").asText() + (n.path("pods").isEmpty() ? "  (no pods yet)" : ""));
        List<String[]> ports = new ArrayList<>();
        JsonNode gw = n.path("gateway");
        ports.add(new String[] {gw.path("port").asText("gateway"), gw.path("ip").asText(), gw.path("mac").asText(),
                "gateway: ARP, ping, to the router"});
        for (JsonNode p : n.path("pods")) {
            ports.add(new String[] {p.path("port").asText(), p.path("ip").asText(), p.path("mac").asText(),
                    "pod " + p.path("namespace").asText() + "/" + p.path("name").asText()});
        }
        int[] width = new int[3];
        for (String[] p : ports) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], p[c].length());
            }
        }
        for (int i = 0; i < ports.size(); i++) {
            String[] p = ports.get(i);
            body.add((i == ports.size() - 1 ? "  └─ " : "  ├─ ") + pad(p[0], width[0]) + "   " + pad(p[1], width[1])
                    + "   " + pad(p[2], width[2]) + "   " + p[3]);
        }
        List<String> box = new ArrayList<>();
        String title = "┌─ " + n.path("name").asText() + " ─ pod subnet " + n.path("podCIDR").asText() + " ─ netns "
                + n.path("netns").asText() + " ";
        box.add(title + "─".repeat(Math.max(1, BOX_WIDTH - title.length() - 1)) + "┐");
        int inner = BOX_WIDTH - 4;
        for (String line : body) {
            box.add("│ " + pad(fit(line, inner), inner) + " │");
        }
        box.add("└" + "─".repeat(BOX_WIDTH - 2) + "┘");
        return box;
    }

    /** The VXLAN tunnels, one line per pair of nodes. */
    static List<String> tunnels(JsonNode t) {
        List<String> lines = new ArrayList<>();
        lines.add("VXLAN tunnels  (VNI " + t.path("vni").asInt() + ", UDP " + t.path("udpPort").asInt() + " over "
                + t.path("underlay").path("bridge").asText() + "; pod MTU " + t.path("mtu").asInt() + ")");
        if (t.path("tunnels").isEmpty()) {
            lines.add("  none" + (t.path("nodes").size() > 1 ? " yet: the nodes have not learned each other" : ""));
        }
        for (JsonNode tn : t.path("tunnels")) {
            boolean both = tn.path("both").asBoolean();
            lines.add("  " + tn.path("from").asText() + " " + tn.path("fromIP").asText()
                    + (both ? "  ◄══════►  " : "  ═══════►  ") + tn.path("to").asText() + " " + tn.path("toIP").asText()
                    + "   " + tn.path("fromPodCIDR").asText() + " ⇄ " + tn.path("toPodCIDR").asText()
                    + (both ? "" : "  (one way so far)"));
        }
        return lines;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private static String fit(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}
