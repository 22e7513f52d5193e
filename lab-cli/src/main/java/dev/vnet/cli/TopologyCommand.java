package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

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
        render(root.client().call(Operation.TOPOLOGY.request())).forEach(out::println);
        out.flush();
        return 0;
    }

    /** The lines {@code vnet topology} prints for the lab's {@code topology} answer. */
    static List<String> render(JsonNode t) {
        List<String> lines = new ArrayList<>();
        JsonNode ul = t.path("underlay");
        String cidr = ul.path("cidr").asString();
        String prefix = cidr.contains("/") ? cidr.substring(cidr.indexOf('/')) : "";
        lines.add("outside  " + ul.path("outsideIP").asString() + prefix + "  (netns " + ul.path("netns").asString()
                + ", the world outside the cluster)");
        lines.add("   │");
        String bar = "═══╧═══ " + ul.path("bridge").asString() + "  " + cidr + "  underlay bridge ";
        lines.add(bar + "═".repeat(Math.max(3, RAIL.length() + BOX_WIDTH - bar.length())));
        List<JsonNode> nodes = new ArrayList<>();
        t.path("nodes").forEach(nodes::add);
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            boolean last = i == nodes.size() - 1;
            lines.add("   │");
            lines.add((last ? "   └── " : "   ├── ") + n.path("underlayLink").asString() + " ── eth0 "
                    + n.path("underlayIP").asString() + prefix);
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
        String ip = n.path("underlayIP").asString();
        body.add("VTEP     " + ip + ":" + udpPort + "  VNI " + vni + "  MAC " + n.path("vtepMAC").asString());
        JsonNode tun = n.path("tun");
        body.add("TUN      " + tun.path("name").asString() + "  " + tun.path("ip").asString()
                + "/32  (the node's own stack)");
        body.add("router   " + n.path("podCIDR").asString() + " → bridge · other pod subnets → VTEP · else → "
                + tun.path("name").asString());
        body.add("bridge   " + n.path("bridge").asString() + (n.path("pods").isEmpty() ? "  (no pods yet)" : ""));
        List<String[]> ports = new ArrayList<>();
        JsonNode gw = n.path("gateway");
        ports.add(new String[] {gw.path("port").asString("gateway"), gw.path("ip").asString(), gw.path("mac").asString(),
                "gateway: ARP, ping, to the router"});
        for (JsonNode p : n.path("pods")) {
            ports.add(new String[] {p.path("port").asString(), p.path("ip").asString(), p.path("mac").asString(),
                    "pod " + p.path("namespace").asString() + "/" + p.path("name").asString()});
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
        String title = "┌─ " + n.path("name").asString() + " ─ pod subnet " + n.path("podCIDR").asString() + " ─ netns "
                + n.path("netns").asString() + " ";
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
                + t.path("underlay").path("bridge").asString() + "; pod MTU " + t.path("mtu").asInt() + ")");
        if (t.path("tunnels").isEmpty()) {
            lines.add("  none" + (t.path("nodes").size() > 1 ? " yet: the nodes have not learned each other" : ""));
        }
        for (JsonNode tn : t.path("tunnels")) {
            boolean both = tn.path("both").asBoolean();
            lines.add("  " + tn.path("from").asString() + " " + tn.path("fromIP").asString()
                    + (both ? "  ◄══════►  " : "  ═══════►  ") + tn.path("to").asString() + " " + tn.path("toIP").asString()
                    + "   " + tn.path("fromPodCIDR").asString() + " ⇄ " + tn.path("toPodCIDR").asString()
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
