package dev.vnet.node.metrics;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.node.router.RouterCounters;
import dev.vnet.overlay.Vtep;
import java.util.Locale;

/**
 * The L2/L3 stages of a node as metrics: each bridge port (pods and the gateway), the bridge itself, the
 * gateway, the router and the VXLAN VTEP. Ports come and go with pods, so the port callbacks list the
 * bridge's ports anew at every scrape; a removed pod's series simply stop.
 */
final class DataPathMetrics {
    private DataPathMetrics() {}

    static void register(MetricSet m, Bridge bridge, GatewayPort gateway, RouterCounters router, Vtep vtep) {
        ports(m, bridge);
        bridge(m, bridge);
        gateway(m, gateway);
        router(m, router);
        vxlan(m, vtep);
    }

    private static void ports(MetricSet m, Bridge bridge) {
        m.counter("vnet_port_rx_packets_total", "Frames that entered the bridge through the port.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().rxPackets(), p.name())), "port");
        m.byteCounter("vnet_port_rx_bytes_total", "Bytes that entered the bridge through the port.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().rxBytes(), p.name())), "port");
        m.counter("vnet_port_tx_packets_total", "Frames the bridge sent out of the port.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().txPackets(), p.name())), "port");
        m.byteCounter("vnet_port_tx_bytes_total", "Bytes the bridge sent out of the port.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().txBytes(), p.name())), "port");
        m.counter("vnet_port_rx_segments_total",
                "Wire-sized segments that entered through the port: a super-frame (offloads) counts as the segments it stands for.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().rxSegments(), p.name())), "port");
        m.counter("vnet_port_tx_segments_total",
                "Wire-sized segments the bridge sent out of the port: a super-frame counts as the segments it stands for.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().txSegments(), p.name())), "port");
        m.counter("vnet_port_answers_picked_up_total",
                "Frames from the pod read by the thread that had just written into its port (the pod's immediate answer), not by the port's reader.",
                cb -> bridge.ports().forEach(p -> cb.call(p.counters().answersPickedUp(), p.name())), "port");
        m.counter("vnet_port_drops_total", "Frames dropped at the port, by reason.", cb -> {
            for (BridgePort p : bridge.ports()) {
                MetricSet.drops(cb, p.counters().dropsByReason(), p.name());
            }
        }, "port", "reason");
    }

    private static void bridge(MetricSet m, Bridge bridge) {
        m.counter("vnet_bridge_forwarded_frames_total", "Frames forwarded to a single port after an FDB hit.",
                cb -> cb.call(bridge.forwarded()));
        m.counter("vnet_bridge_flooded_frames_total", "Frames flooded: broadcast, multicast or unknown unicast.",
                cb -> cb.call(bridge.flooded()));
        m.counter("vnet_bridge_diverted_frames_total",
                "Frames between two pods handed to the router because they belong to a translated flow.",
                cb -> cb.call(bridge.diverted()));
        m.counter("vnet_bridge_learned_total",
                "Source MACs learned: new, moved to another port, or refused because the FDB was full.", cb -> {
                    cb.call(bridge.learnedNew(), "new");
                    cb.call(bridge.learnedMoved(), "moved");
                    cb.call(bridge.learnRefused(), "refused");
                }, "event");
        m.gauge("vnet_bridge_fdb_entries", "Entries in the forwarding database, static ones included.",
                cb -> cb.call(bridge.fdb().size()));
    }

    private static void gateway(MetricSet m, GatewayPort gateway) {
        m.counter("vnet_gateway_arp_replies_total", "ARP requests the gateway answered.",
                cb -> cb.call(gateway.arpReplies()));
        m.counter("vnet_gateway_echo_replies_total", "Pings to the gateway it answered.",
                cb -> cb.call(gateway.echoReplies()));
        m.counter("vnet_gateway_routed_packets_total", "Packets the gateway handed to the router and it sent on.",
                cb -> cb.call(gateway.routed()));
        m.gauge("vnet_gateway_neighbors", "Entries in the gateway's ARP cache.",
                cb -> cb.call(gateway.neighbors().snapshot().size()));
    }

    private static void router(MetricSet m, RouterCounters router) {
        m.counter("vnet_router_routed_packets_total",
                "Packets the router sent on, by where: local_pod, overlay (VXLAN) or node_tun.", cb -> {
                    for (RouterCounters.Route r : RouterCounters.Route.values()) {
                        cb.call(router.routed(r), r.name().toLowerCase(Locale.ROOT));
                    }
                }, "route");
        m.counter("vnet_router_icmp_errors_total", "ICMP errors the router sent (time exceeded, frag needed, ...).",
                cb -> cb.call(router.icmpErrors()));
        m.counter("vnet_router_drops_total", "Packets the router dropped, by reason.",
                cb -> MetricSet.drops(cb, router.dropsByReason()), "reason");
    }

    private static void vxlan(MetricSet m, Vtep vtep) {
        m.counter("vnet_vxlan_tx_packets_total", "Frames encapsulated and sent to another node.",
                cb -> cb.call(vtep.txPackets()));
        m.byteCounter("vnet_vxlan_tx_bytes_total", "Bytes sent to other nodes (VXLAN header and inner frame).",
                cb -> cb.call(vtep.txBytes()));
        m.counter("vnet_vxlan_rx_packets_total", "VXLAN datagrams received from the underlay.",
                cb -> cb.call(vtep.rxPackets()));
        m.byteCounter("vnet_vxlan_rx_bytes_total", "Bytes of VXLAN datagrams received (UDP payload).",
                cb -> cb.call(vtep.rxBytes()));
        m.counter("vnet_vxlan_tx_superframes_total",
                "Super-frames cut into wire-sized segments before encapsulation (userspace TSO).",
                cb -> cb.call(vtep.segmentedFrames()));
        m.counter("vnet_vxlan_tx_segmented_sends_total",
                "Sends that carried several datagrams at once (UDP GSO, UDP_SEGMENT).",
                cb -> cb.call(vtep.segmentedSends()));
        m.counter("vnet_vxlan_rx_coalesced_segments_total",
                "Arriving segments joined into super-frames for the pod (userspace GRO).",
                cb -> cb.call(vtep.coalescedSegments()));
        m.counter("vnet_vxlan_drops_total", "VXLAN traffic dropped, by reason.",
                cb -> MetricSet.drops(cb, vtep.dropsByReason()), "reason");
        m.gauge("vnet_vxlan_peers", "Other nodes this node tunnels to.", cb -> cb.call(vtep.peers().peers().size()));
    }
}
