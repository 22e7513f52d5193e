package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "capture", description = {
        "Capture packets at a point of the data path, as pcap or pcapng for Wireshark, tshark or tcpdump.",
        "Points: a pod's port (give the pod), gateway, nat (before and after the Service stage, with its verdict",
        "as a packet comment), overlay (VXLAN's inner frames), tun (the node's own stack), underlay (the kernel's",
        "vnet-ul bridge: outer UDP/VXLAN and the inner frame), all. -w FILE.pcap or .pcapng, or a stream on stdout.",
        "Examples: vnet capture pod-a -w a.pcap -c 20   |   vnet capture --point underlay -c 10 | tshark -r - -V",
        "          vnet capture pod-a --filter \"icmp or arp\" | wireshark -k -i -"})
final class CaptureCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Parameters(index = "0", arity = "0..1", paramLabel = "POD", description = "The pod whose port to capture (of -n, "
            + "or NAMESPACE/NAME).")
    String pod;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pod's Kubernetes namespace.")
    String namespace;

    @Option(names = "--point", completionCandidates = Completion.Points.class, description = "pod, gateway, nat, overlay, tun, underlay or all")
    String point;

    @Option(names = "--node", paramLabel = "NODE", description = "Only this node's points (default: every node).")
    String node;

    @Option(names = {"-w", "--write"}, description = "The file to write (.pcap or .pcapng); default: stdout.")
    Path file;

    @Option(names = {"-c", "--count"}, defaultValue = "0", description = "Stop after N packets (default: until Ctrl-C).")
    int count;

    @Option(names = "--filter", description = "A tcpdump filter (pcap-filter(7)), compiled by libpcap; VXLAN is \"udp port 4789\".")
    String filter;

    @Override
    public Integer call() throws Exception {
        if (file == null && System.console() != null) {
            throw new VnetCommand.CliException("the capture is binary: write it with -w FILE, or pipe it into "
                    + "tshark -r - or wireshark -k -i -", 2);
        }
        boolean pcap = file != null && file.toString().endsWith(".pcap");
        var req = Operation.CAPTURE.request().put("pod", pod == null ? "" : pod).put("namespace", namespace)
                .put("node", node == null ? "" : node).put("count", count).put("format", pcap ? "pcap" : "pcapng")
                .put("filter", filter == null ? "" : filter);
        if (point != null) {
            req.put("point", point);
        }
        try (OutputStream out = file == null ? System.out : new BufferedOutputStream(new FileOutputStream(file.toFile()))) {
            root.client().stream(req, out);
        }
        if (file != null) {
            System.err.println("capture written to " + file);
        }
        return 0;
    }
}
