package dev.vnet.node.router;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.bridge.Router;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.capture.PacketTap;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IpProtocol;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.overlay.InnerFrameHandler;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.Vtep;
import java.nio.ByteBuffer;

/**
 * A node's IPv4 router. Packets reach it from three sides: pods (through the gateway port of the bridge),
 * other nodes (decapsulated VXLAN) and the node itself (its TUN device). Each is parsed once into a
 * {@link PacketContext} and crosses the same {@link Pipeline} of stages, in order:
 *
 * <ol>
 *   <li>{@code service} ({@link ServiceStage}): Service translation, conntrack, DNAT and SNAT;</li>
 *   <li>{@code policy} ({@link PolicyStage}): NetworkPolicy, judging new connections by pod IPs after DNAT;</li>
 *   <li>{@code dns} ({@link DnsStage}): queries to the cluster DNS address go to this node's own resolver;</li>
 *   <li>{@code router} ({@link RoutingStage}): a local pod, another node over VXLAN, the TUN, or out of the
 *       cluster; TTL, "time exceeded" and "fragmentation needed" included.</li>
 * </ol>
 *
 * Frames between two pods of this node are switched by the bridge and never reach the router, unless it must
 * see them (as br_netfilter makes Linux's bridge hand them to iptables): while policies exist, every IPv4 frame
 * between pods, and otherwise the replies of translated flows.
 *
 * Frames it is given are borrowed: it copies each into a buffer of the calling thread's own and rewrites the
 * copy. Each thread has its own {@link ContextStack}, so the packets the router makes while routing one (ICMP
 * errors, echo replies) never overwrite it, and the data path allocates nothing.
 */
public final class NodeRouter implements Router, InnerFrameHandler {
    private final long vtepMac;
    private final GatewayPort gateway;
    private final Bridge bridge;
    private final RouterCounters counters = new RouterCounters();
    private final Pipeline pipeline = new Pipeline(counters);
    private final ThreadLocal<ContextStack> stacks = ThreadLocal.withInitial(ContextStack::new);
    private final Egress egress;
    private final DnsStage dns;
    private final PolicyStage policy;
    private final ServiceStage service = new ServiceStage();
    /** Where drops are reported as flow events; null for none. */
    private volatile FlowLog flows;
    /** Capture hook for "tun-in"; the pipeline and the ways out hold the others. */
    private volatile PacketTap tap;
    private volatile String node = "?";

    public NodeRouter(Cidr localSubnet, Cidr podCidr, int tunIp, long vtepMac, int overlayMtu,
                      GatewayPort gateway, Bridge bridge, Vtep vtep) {
        this.vtepMac = vtepMac;
        this.gateway = gateway;
        this.bridge = bridge;
        this.egress = new Egress(vtepMac, gateway, bridge, vtep, counters);
        this.dns = new DnsStage(egress);
        this.policy = new PolicyStage();
        Reentry reentry = new Reentry(stacks::get, pipeline);
        pipeline.setErrorReporter(new IcmpErrors(reentry, gateway.ip(), counters));
        pipeline.put(Pipeline.Slot.SERVICE, service);
        pipeline.put(Pipeline.Slot.POLICY, policy);
        pipeline.put(Pipeline.Slot.DNS, dns);
        pipeline.put(Pipeline.Slot.ROUTING, new RoutingStage(localSubnet, podCidr, tunIp, gateway.ip(), overlayMtu,
                vtep.peers(), egress, reentry));
        gateway.setRouter(this);
        gateway.addProxyArp(tunIp);
        vtep.setHandler(this);
    }

    /** The node's NetworkPolicies, or null when the cluster has none (every packet then passes the stage). */
    /** From now on, frames for other nodes meet the faults of {@code table} on their tunnel (null: none). */
    public void setFaults(dev.vnet.fault.FaultTable table, dev.vnet.fault.FaultEngine engine, String node,
                          dev.vnet.overlay.Vtep vtep) {
        egress.setFaults(table == null ? null : new FaultGate(table, engine, node, vtep));
    }

    public void setPolicyGate(PolicyGate gate) {
        policy.setGate(gate);
        updateDiverter();
    }

    /** The node's policies now, or null. */
    public PolicyGate policyGate() {
        return policy.gate();
    }

    /** The connections the policy stage let through and remembers (aged by the node's housekeeping). */
    public dev.vnet.nat.conntrack.Conntrack policyConnections() {
        return policy.connections();
    }

    /** The stages in order: service, policy, dns, router. */
    public Pipeline pipeline() {
        return pipeline;
    }

    public void setTun(IpSink tun) {
        egress.setTun(tun);
    }

    /** Puts the Service stage in front of routing, and lets it see translated flows between local pods. */
    public void setProxy(ServiceProxy p) {
        service.setProxy(p);
        updateDiverter();
    }

    /** The bridge asks the router about frames between pods only while a proxy or policies need to see them. */
    private void updateDiverter() {
        bridge.setDiverter(service.proxy() == null && policy.gate() == null ? null : diverter);
    }

    public ServiceProxy proxy() {
        return service.proxy();
    }

    public void setFlowLog(FlowLog log) {
        this.flows = log;
    }

    /** Captures at "nat-before", "nat-after", "tun-out" and "tun-in"; null to stop. */
    public void setTap(PacketTap t) {
        this.tap = t;
        pipeline.setTap(t);
        egress.setTap(t);
    }

    /** The node this router belongs to, for traces and flow events. */
    public void setNodeName(String name) {
        this.node = name;
        pipeline.setNodeName(name);
    }

    /** Steers DNS to {@code dnsIp}:53 into the node's own stack, where the node's DNS server answers. */
    public void setLocalDns(int dnsIp) {
        dns.setDnsIp(dnsIp);
        service.setLocalDns(dnsIp);
    }

    public RouterCounters counters() {
        return counters;
    }

    public void podAdded(int ip, long mac) {
        egress.podAdded(ip, mac);
    }

    public void podRemoved(int ip) {
        egress.podRemoved(ip);
        gateway.neighbors().remove(ip);
    }

    /**
     * The bridge asks about each unicast frame between ports: while policies exist every IPv4 one must be
     * judged, else one of a translated flow (a local endpoint answering a local client) must come through the
     * router to be translated back.
     */
    private final Bridge.Diverter diverter = new Bridge.Diverter() {
        @Override
        public boolean wants(BridgePort ingress, ByteBuffer frame, int length, long now) {
            if (ingress == gateway.port() || length < EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN
                    || EthernetFrame.of(frame, 0, length).etherType() != EthernetFrame.TYPE_IPV4) {
                return false;
            }
            if (policy.gate() != null) {
                return true;
            }
            ServiceProxy p = service.proxy();
            return p != null && p.conntrack().size() > 0
                    && p.tracks(frame, EthernetFrame.HEADER_LEN, length - EthernetFrame.HEADER_LEN, now);
        }

        @Override
        public void take(BridgePort ingress, ByteBuffer frame, int length, long offload, long now) {
            ContextStack stack = stacks.get();
            ByteBuffer buf = stack.nextBuffer();
            if (buf == null) {
                counters.drop(DropReason.LOOP);
                return;
            }
            buf.put(0, frame, 0, length);
            run(stack, length, Origin.POD, false, offload, now);
        }
    };

    /** From a pod, through the gateway port, which parsed the packet and checked its IPv4 header. */
    @Override
    public DropReason route(PacketContext packet, long now) {
        ContextStack stack = stacks.get();
        ByteBuffer buf = stack.nextBuffer();
        if (buf == null) {
            return counters.drop(DropReason.LOOP);
        }
        PacketContext own = stack.push();
        try {
            own.copyFrom(packet, buf); // frames we are given are borrowed; we rewrite a copy
            return logged(own, pipeline.run(own, now));
        } finally {
            stack.pop();
        }
    }

    /** From another node: a decapsulated frame, addressed to our VTEP MAC. */
    public DropReason fromOverlay(ByteBuffer buf, int offset, int length, Peer from, long now) {
        return fromOverlay(buf, offset, length, VirtioNetHeader.NONE, from, now);
    }

    /** From another node, with offload metadata: segments the VTEP joined into a super-frame (GRO). */
    @Override
    public DropReason fromOverlay(ByteBuffer buf, int offset, int length, long offload, Peer from, long now) {
        if (length < EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN) {
            return counters.drop(DropReason.TRUNCATED);
        }
        ContextStack stack = stacks.get();
        EthernetFrame eth = stack.arriving().wrap(buf, offset, length);
        if (eth.destination() != vtepMac) {
            return counters.drop(DropReason.NOT_FOR_US);
        }
        if (eth.etherType() != EthernetFrame.TYPE_IPV4) {
            return counters.drop(DropReason.UNSUPPORTED_PROTOCOL);
        }
        ByteBuffer own = stack.nextBuffer();
        if (own == null) {
            return counters.drop(DropReason.LOOP);
        }
        own.put(0, buf, offset, length); // the datagram is the socket's; we rewrite a copy
        return run(stack, length, Origin.OVERLAY, true, offload, now);
    }

    /**
     * From this node's host stack: an IP packet read from the TUN at index {@link EthernetFrame#HEADER_LEN}
     * of {@code buf} (this thread's {@link #threadBuffer()}, which the router then rewrites), with room in
     * front for the Ethernet header the router adds.
     */
    public DropReason fromTun(ByteBuffer buf, int ipLength, long now) {
        return fromTun(buf, ipLength, VirtioNetHeader.NONE, now);
    }

    /** Like {@link #fromTun(ByteBuffer, int, long)}, for a packet read with offload metadata (a TUN with offloads). */
    public DropReason fromTun(ByteBuffer buf, int ipLength, long offload, long now) {
        PacketTap t = tap;
        if (t != null) {
            t.packet("tun-in", buf, EthernetFrame.HEADER_LEN, ipLength, 101, "from the node's stack");
        }
        ContextStack stack = stacks.get();
        ByteBuffer own = stack.nextBuffer();
        if (own == null) {
            return counters.drop(DropReason.LOOP);
        }
        if (own != buf) {
            own.put(EthernetFrame.HEADER_LEN, buf, EthernetFrame.HEADER_LEN, ipLength);
        }
        // The MACs are set once the next hop is known.
        EthernetFrame.of(own, 0, EthernetFrame.HEADER_LEN).setEtherType(EthernetFrame.TYPE_IPV4);
        return run(stack, EthernetFrame.HEADER_LEN + ipLength, Origin.NODE, true, offload, now);
    }

    /** This thread's buffer for the next packet; a TUN reader reads into it at index 14 to spare a copy. */
    public ByteBuffer threadBuffer() {
        return stacks.get().nextBuffer();
    }

    /**
     * Parses the frame at index 0 of the stack's next buffer, checks its IPv4 header checksum if asked (a
     * pod's was checked by the gateway), runs it through the pipeline and reports a drop as a flow event.
     */
    private DropReason run(ContextStack stack, int frameLength, Origin origin, boolean verify, long offload,
                           long now) {
        ByteBuffer buf = stack.nextBuffer();
        PacketContext packet = stack.push();
        try {
            DropReason bad = packet.parse(buf, 0, frameLength, origin);
            packet.setOffload(offload);
            if (bad == DropReason.NONE && verify && !packet.ip().verifyChecksum()) {
                bad = DropReason.BAD_CHECKSUM;
            }
            if (bad != DropReason.NONE) {
                return logged(packet, counters.drop(bad));
            }
            return logged(packet, pipeline.run(packet, now));
        } finally {
            stack.pop();
        }
    }

    /**
     * Reports a drop as a flow event, with the packet as it was when dropped: its own context, which the
     * packets the router made about it (an ICMP error) did not touch, since they had contexts of their own.
     */
    private DropReason logged(PacketContext packet, DropReason verdict) {
        FlowLog log = flows;
        if (verdict == DropReason.NONE || log == null) {
            return verdict;
        }
        if (!packet.parsed()) {
            log.add(node, "?", "-", "-", "dropped", verdict.description());
            return verdict;
        }
        boolean ports = packet.hasPorts();
        String src = Ipv4Address.toString(packet.source()) + (ports ? ":" + packet.sourcePort() : "");
        String dst = Ipv4Address.toString(packet.destination()) + (ports ? ":" + packet.destinationPort() : "");
        String detail = packet.dropDetail();
        log.add(node, IpProtocol.nameOf(packet.protocol()), src, dst, "dropped",
                detail != null ? detail : verdict.description());
        return verdict;
    }
}
