package dev.vnet.node.api;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.server.Streaming;
import dev.vnet.core.capture.CaptureFilter;
import dev.vnet.core.capture.CaptureSink;
import dev.vnet.core.capture.PcapWriter;
import dev.vnet.core.capture.PcapngWriter;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import dev.vnet.node.capture.CaptureSession;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;

/**
 * {@code vnet capture}: streams a capture in pcap or pcapng to the client. Points: a pod's port ("pod", the
 * default when a pod is named), "gateway", "nat" (before and after the Service stage, with its verdict), "overlay"
 * (VXLAN's inner frames), "tun" (the node's own stack), "underlay" (the kernel's vnet-ul bridge, through
 * libpcap: outer UDP/VXLAN headers and all), or "all" of a node's points.
 */
final class CaptureApi implements Streaming {
    private final NodeHost lab;

    CaptureApi(NodeHost lab) {
        this.lab = lab;
    }

    @Override
    public boolean handles(String op) {
        return op.equals("capture");
    }

    @Override
    public void stream(JsonNode req, OutputStream out, CountDownLatch clientGone) throws IOException, ApiException {
        String pod = req.path("pod").asString("");
        String podKey = pod.isEmpty() ? "" : PodKind.refKey(pod, req.path("namespace").asString(""));
        String point = req.path("point").asString(pod.isEmpty() ? "" : "pod");
        String nodeName = req.path("node").asString("");
        String filterText = req.path("filter").asString("");
        boolean pcap = req.path("format").asString("pcapng").equals("pcap");
        int count = req.path("count").asInt(0);
        if (point.isEmpty()) {
            throw new ApiException("say what to capture: a pod name, or --point gateway|nat|overlay|tun|underlay|all");
        }
        CaptureFilter filter;
        try {
            filter = filterText.isBlank() ? CaptureFilter.all() : CaptureFilter.parse(filterText);
        } catch (IllegalArgumentException e) {
            throw new ApiException(e.getMessage());
        }
        List<VnetNode> nodes = new ArrayList<>();
        RunningPod target = null;
        for (VnetNode n : lab.nodes()) {
            if (!pod.isEmpty()) {
                RunningPod p = n.pods().get(podKey);
                if (p != null) {
                    target = p;
                    nodes.add(n);
                }
            } else if (nodeName.isEmpty() || n.config().name().equals(nodeName)) {
                nodes.add(n);
            }
        }
        if (!pod.isEmpty() && target == null) {
            throw new ApiException("pods \"" + pod + "\" not found (or not running)");
        }
        if (nodes.isEmpty()) {
            throw new ApiException("nodes \"" + nodeName + "\" not found");
        }
        Set<String> inner = switch (point) {
            case "pod", "gateway", "underlay" -> Set.of();
            case "nat" -> Set.of("nat-before", "nat-after");
            case "overlay" -> Set.of("vxlan-out", "vxlan-in");
            case "tun" -> Set.of("tun-out", "tun-in");
            case "all" -> new LinkedHashSet<>(List.of("nat-before", "nat-after", "vxlan-out", "vxlan-in", "tun-out", "tun-in"));
            default -> throw new ApiException("unknown capture point \"" + point
                    + "\": pod, gateway, nat, overlay, tun, underlay or all");
        };
        if (pcap && (inner.size() > 1 || point.equals("all") || (point.equals("gateway") && nodes.size() > 1))) {
            throw new ApiException("classic pcap holds one capture point: write .pcapng (or stream) for --point "
                    + point);
        }
        CaptureSink sink = pcap ? new PcapWriter(out, point.equals("tun") ? PcapWriter.LINKTYPE_RAW
                : PcapWriter.LINKTYPE_ETHERNET) : new PcapngWriter(out);
        CaptureSession session = new CaptureSession(sink, filter, count);
        try {
            switch (point) {
                case "pod" -> session.attachPort(target.sandbox().port().port(), pod,
                        "pod " + pod + " eth0, as " + nodes.get(0).config().name() + "'s bridge sees it");
                case "gateway" -> nodes.forEach(n -> session.attachPort(n.gateway().port(),
                        n.config().name() + ":gateway", "the router's port on " + n.config().name() + "'s bridge"));
                case "underlay" -> session.attachKernel(lab.underlayLink()[0], lab.underlayLink()[1]);
                default -> nodes.forEach(n -> session.attachNode(n, inner));
            }
            if (point.equals("all")) {
                for (VnetNode n : nodes) {
                    session.attachPort(n.gateway().port(), n.config().name() + ":gateway",
                            "the router's port on " + n.config().name() + "'s bridge");
                }
            }
            out.flush(); // sends the header: the client knows the capture started
            while (!session.isDone() && clientGone.getCount() > 0) {
                try {
                    clientGone.await(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            session.close();
        }
    }
}
