package dev.vnet.node.router;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.bridge.Router;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.capture.PacketTap;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.overlay.InnerFrameHandler;
import dev.vnet.overlay.Peer;
import dev.vnet.overlay.Vtep;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's IPv4 router. Packets reach it from three sides: pods (through the gateway port of the bridge),
 * other nodes (decapsulated VXLAN) and the node itself (its TUN device). It sends each on by destination:
 *
 * <ul>
 *   <li>this node's TUN address (10.244.N.0) → the TUN, to the node's own processes;</li>
 *   <li>this node's pod subnet → the bridge, from the gateway's MAC to the pod's MAC;</li>
 *   <li>another node's pod subnet → VXLAN to that node, from our VTEP MAC to its VTEP MAC;</li>
 *   <li>anything else from a pod → the TUN, so the node's host stack routes it like any host would.</li>
 * </ul>
 *
 * As a router it decrements the TTL (answering "time exceeded" at 1), and when a packet with DF set is too
 * big for the overlay it answers "fragmentation needed" with the overlay MTU, so path-MTU discovery works.
 * Each thread that calls it gets its own scratch buffer and views: the data path allocates nothing.
 */
public final class NodeRouter implements Router, InnerFrameHandler {
    private static final int SCRATCH = 65536 + 64;
    private static final int ICMP_QUOTE = 8; // RFC 792: the IP header plus 64 bits of the original datagram

    /** Where a packet came from: a pod, another node, or this node's host stack. */
    public enum Origin { POD, OVERLAY, NODE }

    private final Cidr localSubnet;
    private final Cidr podCidr;
    private final int tunIp;
    private final long vtepMac;
    private final int overlayMtu;
    private final GatewayPort gateway;
    private final Bridge bridge;
    private final Vtep vtep;
    private volatile IpSink tun = (buf, off, len) -> false;
    /** The MAC each local pod was given, for delivery before it has spoken ARP. */
    private final Map<Integer, Long> podMacs = new ConcurrentHashMap<>();
    private final RouterCounters counters = new RouterCounters();
    /** The Service stage (kube-proxy's job); null until Services are wired in. */
    private volatile ServiceProxy proxy;
    /** The DNS Service IP when this node answers DNS itself (NodeLocal DNSCache style), else 0. */
    private volatile int localDns;
    private volatile String node = "?";
    /** Capture hook for the points inside the router: null unless someone captures. */
    private volatile PacketTap tap;
    /** Where drops are reported as flow events; null for none. */
    private volatile FlowLog flows;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final ByteBuffer buf = ByteBuffer.allocateDirect(SCRATCH);
        final ByteBuffer icmp = ByteBuffer.allocateDirect(256);
        final EthernetFrame eth = new EthernetFrame();
        final Ipv4Packet ip = new Ipv4Packet();
        final Ipv4Packet quote = new Ipv4Packet();
        final IcmpPacket icmpView = new IcmpPacket();
    }

    public NodeRouter(Cidr localSubnet, Cidr podCidr, int tunIp, long vtepMac, int overlayMtu,
                      GatewayPort gateway, Bridge bridge, Vtep vtep) {
        this.localSubnet = localSubnet;
        this.podCidr = podCidr;
        this.tunIp = tunIp;
        this.vtepMac = vtepMac;
        this.overlayMtu = overlayMtu;
        this.gateway = gateway;
        this.bridge = bridge;
        this.vtep = vtep;
        gateway.setRouter(this);
        gateway.addProxyArp(tunIp);
        vtep.setHandler(this);
    }

    public void setTun(IpSink tun) {
        this.tun = tun;
    }

    /** Puts the Service stage in front of routing, and lets it see translated flows between local pods. */
    public void setProxy(ServiceProxy p) {
        this.proxy = p;
        bridge.setDiverter(p == null ? null : this::divert);
    }

    public ServiceProxy proxy() {
        return proxy;
    }

    public void setFlowLog(FlowLog log) {
        this.flows = log;
    }

    /** Captures at "nat-before", "nat-after", "tun-out" and "tun-in"; null to stop. */
    public void setTap(PacketTap t) {
        this.tap = t;
    }

    /** The node this router belongs to, for traces. */
    public void setNodeName(String name) {
        this.node = name;
    }

    /** Steers DNS to {@code dnsIp}:53 into the node's own stack, where the node's DNS server answers. */
    public void setLocalDns(int dnsIp) {
        this.localDns = dnsIp;
    }

    /**
     * The bridge asks about each unicast frame between ports: one of a translated flow (a local endpoint
     * answering a local client) must come through the router to be translated back.
     */
    private boolean divert(dev.vnet.bridge.BridgePort ingress, ByteBuffer frame, int length, long now) {
        ServiceProxy p = proxy;
        if (p == null || ingress == gateway.port() || p.conntrack().size() == 0 || length < 14 + 20
                || (frame.get(12) & 0xff) != 0x08 || frame.get(13) != 0x00) {
            return false;
        }
        if (!p.tracks(frame, EthernetFrame.HEADER_LEN, length - EthernetFrame.HEADER_LEN, now)) {
            return false;
        }
        forward(frame, 0, length, Origin.POD, now);
        return true;
    }

    public RouterCounters counters() {
        return counters;
    }

    public void podAdded(int ip, long mac) {
        podMacs.put(ip, mac);
    }

    public void podRemoved(int ip) {
        podMacs.remove(ip);
        gateway.neighbors().remove(ip);
    }

    /** From a pod, through the gateway port (the frame's IPv4 header has been checked). */
    @Override
    public DropReason route(ByteBuffer frame, int length, long now) {
        return logged(forward(frame, 0, length, Origin.POD, now));
    }

    /** From another node: a decapsulated frame, addressed to our VTEP MAC. */
    @Override
    public DropReason fromOverlay(ByteBuffer buf, int offset, int length, Peer from, long now) {
        if (length < EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN) {
            return counters.drop(DropReason.TRUNCATED);
        }
        if (macAt(buf, offset) != vtepMac) {
            return counters.drop(DropReason.NOT_FOR_US);
        }
        if ((((buf.get(offset + 12) & 0xff) << 8) | (buf.get(offset + 13) & 0xff)) != EthernetFrame.TYPE_IPV4) {
            return counters.drop(DropReason.UNSUPPORTED_PROTOCOL);
        }
        return logged(forward(buf, offset, length, Origin.OVERLAY, now));
    }

    /**
     * From this node's host stack: an IP packet read from the TUN at index {@link EthernetFrame#HEADER_LEN}
     * of {@code buf}, with room in front for the Ethernet header the router adds.
     */
    public DropReason fromTun(ByteBuffer buf, int ipLength, long now) {
        PacketTap t = tap;
        if (t != null) {
            t.packet("tun-in", buf, EthernetFrame.HEADER_LEN, ipLength, 101, "from the node's stack");
        }
        buf.putShort(12, (short) EthernetFrame.TYPE_IPV4); // the MACs are set once the next hop is known
        return logged(forward(buf, 0, EthernetFrame.HEADER_LEN + ipLength, Origin.NODE, now));
    }

    /** A scratch buffer of the calling thread; a TUN reader reads into it to spare a copy. */
    public ByteBuffer threadBuffer() {
        return scratch.get().buf;
    }

    private DropReason forward(ByteBuffer in, int offset, int length, Origin origin, long now) {
        Scratch s = scratch.get();
        ByteBuffer f = s.buf;
        if (in != f || offset != 0) {
            copy(in, offset, f, length); // frames we are given are borrowed; we rewrite a copy
        }
        Ipv4Packet ip = s.ip.wrap(f, EthernetFrame.HEADER_LEN, length - EthernetFrame.HEADER_LEN);
        DropReason bad = ip.checkLength();
        if (bad != DropReason.NONE) {
            return counters.drop(bad);
        }
        if (origin != Origin.POD && !ip.verifyChecksum()) {
            return counters.drop(DropReason.BAD_CHECKSUM);
        }
        int frameLen = EthernetFrame.HEADER_LEN + ip.totalLength();
        Probe probe = Tracing.match(f, EthernetFrame.HEADER_LEN);
        if (ip.destination() == localDns && origin != Origin.NODE && isDns(f, ip)) {
            note(probe, "DNS to " + Ipv4Address.toString(localDns) + ":53 is answered by this node → vnet0");
            end(probe, "answered by " + node + "'s cluster DNS");
            return toTun(f, ip, origin); // answered by this node: the query never leaves it
        }
        ServiceProxy p = proxy;
        boolean translated = false;
        PacketTap t = tap;
        if (t != null) {
            t.packet("nat-before", f, 0, frameLen, 1, "from " + origin.name().toLowerCase());
        }
        if (p != null) {
            ServiceProxy.Verdict verdict = p.process(f, EthernetFrame.HEADER_LEN, ip.totalLength(), now);
            if (t != null) {
                t.packet("nat-after", f, 0, frameLen, 1, verdict.name());
            }
            switch (verdict) {
                case TRANSLATED -> translated = true;
                case REJECT -> {
                    end(probe, "rejected on " + node + ": " + DropReason.NO_ENDPOINTS.description());
                    DropReason r = counters.drop(DropReason.NO_ENDPOINTS); // counted before anyone hears of it
                    icmpError(s, IcmpPacket.TYPE_DEST_UNREACHABLE, IcmpPacket.CODE_PORT_UNREACHABLE, 0, origin, now);
                    return r;
                }
                case DROP -> {
                    end(probe, "dropped on " + node + " by the Service stage");
                    return counters.drop(DropReason.NAT_FAILED);
                }
                default -> { }
            }
        }
        int dst = ip.destination();
        if (dst == tunIp) {
            note(probe, Ipv4Address.toString(dst) + " is this node's own address (TUN vnet0) → the node's stack");
            end(probe, "delivered to " + node + " itself (TUN vnet0)");
            return toTun(f, ip, origin);
        }
        if (dst == gateway.ip() && origin != Origin.POD) {
            note(probe, "for the gateway " + Ipv4Address.toString(dst) + " itself: it answers echo requests");
            end(probe, "answered by " + node + "'s gateway");
            return answerGatewayEcho(s, frameLen, now); // pods reach the gateway on L2; others come through us
        }
        if (localSubnet.contains(dst)) {
            int ttl = ip.ttl();
            if (!decrementTtl(s, origin, now)) {
                end(probe, "dropped on " + node + ": TTL exceeded (ICMP time exceeded sent back)");
                return counters.drop(DropReason.TTL_EXCEEDED);
            }
            note(probe, Ipv4Address.toString(dst) + " is in this node's subnet " + localSubnet
                    + " → the bridge, from the gateway's MAC; TTL " + ttl + " → " + (ttl - 1));
            return toLocalPod(s, frameLen, dst, now);
        }
        Peer peer = vtep.peers().forDestination(dst);
        if (peer != null) {
            if (origin == Origin.OVERLAY) {
                end(probe, "dropped on " + node + ": " + DropReason.LOOP.description());
                return counters.drop(DropReason.LOOP); // never bounce a tunnelled packet into the tunnel again
            }
            if (ip.totalLength() > overlayMtu && ip.dontFragment()) {
                end(probe, "dropped on " + node + ": " + ip.totalLength() + " bytes with DF set do not fit the overlay "
                        + "MTU " + overlayMtu + " (ICMP fragmentation needed sent back)");
                DropReason r = counters.drop(DropReason.FRAG_NEEDED); // counted before anyone hears of it
                icmpError(s, IcmpPacket.TYPE_DEST_UNREACHABLE, IcmpPacket.CODE_FRAG_NEEDED, overlayMtu, origin, now);
                return r;
            }
            int ttl = ip.ttl();
            if (!decrementTtl(s, origin, now)) {
                end(probe, "dropped on " + node + ": TTL exceeded (ICMP time exceeded sent back)");
                return counters.drop(DropReason.TTL_EXCEEDED);
            }
            note(probe, Ipv4Address.toString(dst) + " is in " + peer.nodeName() + "'s subnet " + peer.podSubnet()
                    + " → VXLAN to " + peer.underlayIp() + "; TTL " + ttl + " → " + (ttl - 1));
            EthernetFrame eth = s.eth.wrap(f, 0, frameLen);
            eth.setSource(vtepMac);
            eth.setDestination(peer.vtepMac().bits());
            DropReason sent = vtep.send(peer, f, frameLen);
            if (sent != DropReason.NONE) {
                return counters.drop(sent);
            }
            counters.count(RouterCounters.Route.OVERLAY);
            return DropReason.NONE;
        }
        // Leaves the cluster through this node's host stack: our pods' traffic, and replies to clients outside
        // that reached a Service here (translated back, they may come from an endpoint on another node).
        if ((origin == Origin.POD || (origin == Origin.OVERLAY && translated)) && !podCidr.contains(dst)) {
            note(probe, Ipv4Address.toString(dst) + " is outside the cluster → vnet0, the node's stack routes it on");
            end(probe, "left the cluster through " + node + "'s stack (TUN vnet0)");
            return toTun(f, ip, origin);
        }
        end(probe, "dropped on " + node + ": " + DropReason.NO_ROUTE.description() + " " + Ipv4Address.toString(dst));
        return counters.drop(DropReason.NO_ROUTE);
    }

    /** Reports a drop as a flow event, with the packet as it was when dropped (in this thread's scratch). */
    private DropReason logged(DropReason verdict) {
        FlowLog log = flows;
        if (verdict == DropReason.NONE || log == null) {
            return verdict;
        }
        ByteBuffer f = scratch.get().buf;
        int ip = EthernetFrame.HEADER_LEN;
        if ((f.get(ip) & 0xf0) != 0x40) {
            log.add(node, "?", "-", "-", "dropped", verdict.description());
            return verdict;
        }
        int proto = f.get(ip + 9) & 0xff;
        int l4 = ip + (f.get(ip) & 0x0f) * 4;
        boolean ports = proto == Ipv4Packet.PROTO_TCP || proto == Ipv4Packet.PROTO_UDP;
        String src = Ipv4Address.toString(f.getInt(ip + 12)) + (ports ? ":" + (f.getShort(l4) & 0xffff) : "");
        String dst = Ipv4Address.toString(f.getInt(ip + 16)) + (ports ? ":" + (f.getShort(l4 + 2) & 0xffff) : "");
        String name = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : "ip/" + proto;
        log.add(node, name, src, dst, "dropped", verdict.description());
        return verdict;
    }

    private void note(Probe probe, String decision) {
        if (probe != null) {
            probe.hop(node, "router", decision);
        }
    }

    private void end(Probe probe, String how) {
        if (probe != null) {
            probe.end(how);
        }
    }

    /** UDP or TCP to port 53. */
    private static boolean isDns(ByteBuffer f, Ipv4Packet ip) {
        int proto = ip.protocol();
        if ((proto != Ipv4Packet.PROTO_UDP && proto != Ipv4Packet.PROTO_TCP) || ip.isFragment()
                || ip.payloadLength() < 4) {
            return false;
        }
        int at = ip.payloadOffset() + 2;
        return (((f.get(at) & 0xff) << 8) | (f.get(at + 1) & 0xff)) == 53;
    }

    private DropReason toTun(ByteBuffer f, Ipv4Packet ip, Origin origin) {
        if (origin == Origin.NODE) {
            return counters.drop(DropReason.LOOP);
        }
        PacketTap t = tap;
        if (t != null) {
            t.packet("tun-out", f, EthernetFrame.HEADER_LEN, ip.totalLength(), 101, "to the node's stack");
        }
        if (!tun.send(f, EthernetFrame.HEADER_LEN, ip.totalLength())) {
            return counters.drop(DropReason.DEVICE_ERROR);
        }
        counters.count(RouterCounters.Route.NODE_TUN);
        return DropReason.NONE;
    }

    private DropReason toLocalPod(Scratch s, int frameLen, int dst, long now) {
        ByteBuffer f = s.buf;
        long mac = gateway.neighbors().lookup(dst, now);
        if (mac < 0) {
            Long given = podMacs.get(dst);
            if (given == null) {
                gateway.requestArp(dst, now);
                return counters.drop(DropReason.NEIGHBOR_UNKNOWN);
            }
            mac = given;
        }
        EthernetFrame eth = s.eth.wrap(f, 0, frameLen);
        eth.setDestination(mac);
        eth.setSource(gateway.mac());
        eth.setEtherType(EthernetFrame.TYPE_IPV4);
        bridge.receive(gateway.port(), f, frameLen, now);
        counters.count(RouterCounters.Route.LOCAL_POD);
        return DropReason.NONE;
    }

    /** Answers an ICMP echo request to the gateway's address that came from another node or the node itself. */
    private DropReason answerGatewayEcho(Scratch s, int frameLen, long now) {
        Ipv4Packet ip = s.ip;
        if (ip.protocol() != Ipv4Packet.PROTO_ICMP || ip.isFragment()) {
            return counters.drop(DropReason.NOT_FOR_US);
        }
        IcmpPacket icmp = s.icmpView.wrap(s.buf, ip.payloadOffset(), ip.payloadLength());
        if (icmp.checkLength() != DropReason.NONE || icmp.type() != IcmpPacket.TYPE_ECHO_REQUEST
                || !icmp.verifyChecksum()) {
            return counters.drop(DropReason.NOT_FOR_US);
        }
        int client = ip.source();
        ip.setSource(gateway.ip());
        ip.setDestination(client);
        ip.setTtl(64);
        ip.fillChecksum();
        icmp.setType(IcmpPacket.TYPE_ECHO_REPLY);
        icmp.fillChecksum();
        return forward(s.buf, 0, frameLen, Origin.POD, now); // routed back like any packet from this node
    }

    /** Decrements the TTL as a router must; at 1 answers "time exceeded" and returns false. */
    private boolean decrementTtl(Scratch s, Origin origin, long now) {
        if (s.ip.ttl() <= 1) {
            icmpError(s, IcmpPacket.TYPE_TIME_EXCEEDED, 0, 0, origin, now);
            return false;
        }
        s.ip.decrementTtl();
        return true;
    }

    /**
     * Sends an ICMP error about the packet in the scratch buffer back to its source, from the gateway's
     * address, quoting its IP header and first 8 payload bytes (RFC 792; next-hop MTU per RFC 1191).
     */
    private void icmpError(Scratch s, int type, int code, int mtu, Origin origin, long now) {
        Ipv4Packet orig = s.ip;
        if (orig.protocol() == Ipv4Packet.PROTO_ICMP && orig.payloadLength() > 0
                && isIcmpError(s.buf.get(orig.payloadOffset()) & 0xff)) {
            return; // never answer an ICMP error with another (RFC 1122 3.2.2)
        }
        if (orig.fragmentOffset() != 0) {
            return; // nor a fragment other than the first (RFC 1122 3.2.2)
        }
        int quoteLen = Math.min(orig.headerLength() + ICMP_QUOTE, orig.totalLength());
        int ipLen = Ipv4Packet.HEADER_LEN + IcmpPacket.HEADER_LEN + quoteLen;
        ByteBuffer out = s.icmp;
        int at = EthernetFrame.HEADER_LEN;
        for (int i = 0; i < ipLen + at; i++) {
            out.put(i, (byte) 0);
        }
        int origSrc = orig.source();
        int origin14 = orig.offset();
        Ipv4Packet ip = s.quote.wrap(out, at, ipLen);
        ip.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN);
        ip.setTotalLength(ipLen);
        ip.setTtl(64);
        ip.setProtocol(Ipv4Packet.PROTO_ICMP);
        ip.setSource(gateway.ip());
        ip.setDestination(origSrc);
        ip.fillChecksum();
        IcmpPacket icmp = s.icmpView.wrap(out, at + Ipv4Packet.HEADER_LEN, IcmpPacket.HEADER_LEN + quoteLen);
        icmp.setType(type);
        icmp.setCode(code);
        if (mtu > 0) {
            icmp.setNextHopMtu(mtu);
        }
        for (int i = 0; i < quoteLen; i++) {
            out.put(at + Ipv4Packet.HEADER_LEN + IcmpPacket.HEADER_LEN + i, s.buf.get(origin14 + i));
        }
        icmp.fillChecksum();
        counters.icmpError();
        // The error is routed like any packet leaving this router, so it may cross the overlay to its source.
        s.eth.wrap(out, 0, at + ipLen).setEtherType(EthernetFrame.TYPE_IPV4);
        // From this router, as if from a local pod: it may go to a pod, over VXLAN, or back out of the TUN (an
        // outside client's NodePort connection refused).
        forward(out, 0, at + ipLen, Origin.POD, now);
    }

    private static boolean isIcmpError(int type) {
        return type == IcmpPacket.TYPE_DEST_UNREACHABLE || type == IcmpPacket.TYPE_TIME_EXCEEDED
                || type == 4 || type == 5 || type == 12;
    }

    private static void copy(ByteBuffer from, int offset, ByteBuffer to, int length) {
        to.put(0, from, offset, length);
    }

    /** A MAC read byte by byte, so the buffer's byte order setting does not matter. */
    private static long macAt(ByteBuffer b, int at) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (b.get(at + i) & 0xff);
        }
        return mac;
    }
}
