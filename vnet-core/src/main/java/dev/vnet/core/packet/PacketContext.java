package dev.vnet.core.packet;

import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import java.nio.ByteBuffer;

/**
 * One IPv4 packet in an Ethernet frame, parsed once for every stage it crosses (the gateway, the router's
 * pipeline, the VTEP's flow hash): the views over its headers, the fields stages decide on (protocol,
 * addresses, ports, ICMP type), where it came from, and the trace probe it is, if any. Then what the stages
 * decided so far: the drop reason, the ICMP error owed to the sender, whether a header was rewritten.
 *
 * <p>A data-path thread keeps one context per nesting level and re-points it with {@link #parse} for each
 * packet: nothing is allocated. The views are read and written as any view; a stage that rewrites addresses
 * or ports through them (NAT) calls {@link #headersRewritten} so the fields follow, and nobody parses the
 * packet again. The context does not own its buffer: whoever parsed it says for how long the buffer is theirs.
 *
 * <p>The frame's offload metadata ({@link VirtioNetHeader} packed form) travels with it: a frame from a pod's
 * TAP may be a TCP super-frame of up to 64 KiB and its TCP or UDP checksum may be partial. Stages that only
 * read need not care; a stage that rewrites addresses keeps a partial checksum partial (the pseudo-header part
 * moves), and a way out that takes only wire-sized frames resolves it ({@link Segmenter}).
 */
public final class PacketContext {

    /** Where a packet entered the node's router. */
    public enum Origin {
        /** From a pod, through the bridge's gateway port. */
        POD("from pod"),
        /** From another node, decapsulated from VXLAN. */
        OVERLAY("from overlay"),
        /** From this node's own stack, read from its TUN device. */
        NODE("from node");

        private final String comment;

        Origin(String comment) {
            this.comment = comment;
        }

        /** "from pod", "from overlay", "from node": the comment a capture of the arriving packet carries. */
        public String comment() {
            return comment;
        }
    }

    /** TCP and UDP both start with the two ports. */
    private static final int PORTS_LEN = 4;

    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpPacket tcp = new TcpPacket();
    private final UdpPacket udp = new UdpPacket();
    private final IcmpPacket icmp = new IcmpPacket();

    private ByteBuffer buf;
    private Origin origin = Origin.POD;
    private boolean parsed;
    private int protocol;
    private int source;
    private int destination;
    /** The transport header is all there, and the packet is whole (no fragment): ports and views are valid. */
    private boolean transport;
    private int sourcePort;
    private int destinationPort;
    private int icmpType;
    private Probe probe;
    /** Offload metadata: NONE for a whole frame with complete checksums. */
    private long offload = VirtioNetHeader.NONE;
    /** The addresses and ports the packet arrived with, before any stage rewrote them (NAT). */
    private int arrivedSource;
    private int arrivedDestination;
    private int arrivedSourcePort;
    private int arrivedDestinationPort;

    private DropReason dropReason = DropReason.NONE;
    /** More about a drop than its reason (which policy denied it), for the flow log; null for none. */
    private String dropDetail;
    private IcmpRepr icmpErrorOwed;
    private boolean rewritten;

    private String node = "?";
    private String stage = "?";
    private boolean spoke;
    private boolean ended;

    /**
     * Parses the Ethernet frame in {@code [frameOffset, frameOffset+frameLength)} of {@code buf}: TRUNCATED if
     * it has no Ethernet header, UNSUPPORTED_PROTOCOL unless it carries IPv4, else the result of
     * {@link Ipv4Packet#checkLength}; NONE once the fields are read. The IPv4 header checksum is not verified
     * (pods' packets are verified by the gateway, others by the router). Bytes past the IPv4 total length
     * (Ethernet padding) are left out of {@link #frameLength()}. A later fragment has no transport header; a
     * first fragment has one, but neither it nor its ports are given, since the rest of its datagram has none.
     */
    public DropReason parse(ByteBuffer buf, int frameOffset, int frameLength, Origin origin) {
        this.buf = buf;
        this.origin = origin;
        parsed = false;
        clearDecisions();
        probe = null;
        offload = VirtioNetHeader.NONE;
        protocol = -1;
        source = 0;
        destination = 0;
        clearTransport();
        ethernet.wrap(buf, frameOffset, frameLength);
        if (ethernet.checkLength() != DropReason.NONE) {
            return DropReason.TRUNCATED;
        }
        if (ethernet.etherType() != EthernetFrame.TYPE_IPV4) {
            return DropReason.UNSUPPORTED_PROTOCOL;
        }
        ip.wrap(buf, ethernet.payloadOffset(), ethernet.payloadLength());
        DropReason bad = ip.checkLength();
        if (bad != DropReason.NONE) {
            return bad;
        }
        int totalLength = ip.totalLength();
        ip.wrap(buf, ip.offset(), totalLength);
        ethernet.wrap(buf, frameOffset, EthernetFrame.HEADER_LEN + totalLength);
        protocol = ip.protocol();
        readFields();
        rememberArrival();
        probe = Tracing.match(buf, ip.offset());
        parsed = true;
        return DropReason.NONE;
    }

    /**
     * Makes this context a copy of {@code from}, with its frame copied to index 0 of {@code into}: the same
     * parsed fields, origin and probe, the views re-pointed at the copy, no decisions yet. The router copies
     * the frames it is lent this way, so that it may rewrite them without parsing them again.
     */
    public void copyFrom(PacketContext from, ByteBuffer into) {
        int at = from.ethernet.offset();
        into.put(0, from.buf, at, from.ethernet.length());
        buf = into;
        origin = from.origin;
        parsed = from.parsed;
        protocol = from.protocol;
        source = from.source;
        destination = from.destination;
        transport = from.transport;
        sourcePort = from.sourcePort;
        destinationPort = from.destinationPort;
        icmpType = from.icmpType;
        probe = from.probe;
        offload = from.offload;
        rememberArrival();
        clearDecisions();
        ethernet.wrap(into, 0, from.ethernet.length());
        ip.wrap(into, from.ip.offset() - at, from.ip.length());
        tcp.wrap(into, from.tcp.offset() - at, from.tcp.length());
        udp.wrap(into, from.udp.offset() - at, from.udp.length());
        icmp.wrap(into, from.icmp.offset() - at, from.icmp.length());
    }

    /**
     * Reads the addresses and ports again after a stage rewrote them through the views (lengths and offsets
     * are unchanged by NAT), and remembers that the packet was rewritten.
     */
    public void headersRewritten() {
        readFields();
        rewritten = true;
    }

    private void rememberArrival() {
        arrivedSource = source;
        arrivedDestination = destination;
        arrivedSourcePort = sourcePort;
        arrivedDestinationPort = destinationPort;
    }

    private void clearTransport() {
        transport = false;
        sourcePort = -1;
        destinationPort = -1;
        icmpType = -1;
    }

    private void readFields() {
        clearTransport();
        source = ip.source();
        destination = ip.destination();
        if (ip.fragmentOffset() != 0) {
            return; // a later fragment carries no transport header
        }
        int at = ip.payloadOffset();
        int length = ip.payloadLength();
        switch (protocol) {
            case Ipv4Packet.PROTO_TCP -> transport = tcp.wrap(buf, at, length).checkLength() == DropReason.NONE;
            case Ipv4Packet.PROTO_UDP -> transport = udp.wrap(buf, at, length).length() >= UdpPacket.HEADER_LEN;
            case Ipv4Packet.PROTO_ICMP -> {
                transport = icmp.wrap(buf, at, length).checkLength() == DropReason.NONE;
                icmpType = length >= 1 ? icmp.type() : -1;
            }
            default -> { }
        }
        if (ip.moreFragments()) {
            transport = false; // the first fragment: its datagram is not whole here
            return;
        }
        // The ports are the first four bytes of both headers: enough to name the flow, even if the rest is cut.
        if (protocol == Ipv4Packet.PROTO_TCP && length >= PORTS_LEN) {
            sourcePort = tcp.sourcePort();
            destinationPort = tcp.destinationPort();
        } else if (protocol == Ipv4Packet.PROTO_UDP && length >= PORTS_LEN) {
            sourcePort = udp.sourcePort();
            destinationPort = udp.destinationPort();
        }
    }

    private void clearDecisions() {
        dropReason = DropReason.NONE;
        dropDetail = null;
        icmpErrorOwed = null;
        rewritten = false;
        spoke = false;
        ended = false;
    }

    // --- the packet ----------------------------------------------------------------------------------

    /** True once {@link #parse} returned NONE (or this is a copy of such a context). */
    public boolean parsed() {
        return parsed;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    public Origin origin() {
        return origin;
    }

    /** Absolute index of the Ethernet header in {@link #buffer()}. */
    public int frameOffset() {
        return ethernet.offset();
    }

    /** The frame's length: Ethernet header plus the IPv4 total length. */
    public int frameLength() {
        return ethernet.length();
    }

    /** Absolute index of the IPv4 header. */
    public int ipOffset() {
        return ip.offset();
    }

    /** The IPv4 total length. */
    public int ipLength() {
        return ip.length();
    }

    public EthernetFrame ethernet() {
        return ethernet;
    }

    public Ipv4Packet ip() {
        return ip;
    }

    /** The TCP header's view: meaningful when {@link #protocol()} is TCP and {@link #hasTransportHeader()}. */
    public TcpPacket tcp() {
        return tcp;
    }

    /** The UDP header's view: meaningful when {@link #protocol()} is UDP and {@link #hasTransportHeader()}. */
    public UdpPacket udp() {
        return udp;
    }

    /** The ICMP message's view: meaningful when {@link #protocol()} is ICMP and {@link #hasTransportHeader()}. */
    public IcmpPacket icmp() {
        return icmp;
    }

    /** The IPv4 protocol field, such as {@link Ipv4Packet#PROTO_TCP}; see {@link IpProtocol#nameOf}. */
    public int protocol() {
        return protocol;
    }

    public int source() {
        return source;
    }

    public int destination() {
        return destination;
    }

    /** True if the whole transport header is there (20 bytes of TCP, 8 of UDP or ICMP) in a whole datagram. */
    public boolean hasTransportHeader() {
        return transport;
    }

    /**
     * True for TCP and UDP whose ports are there (the first four bytes of the header) in a whole datagram:
     * {@link #sourcePort} and {@link #destinationPort} are valid, even if the rest of the header is cut.
     */
    public boolean hasPorts() {
        return sourcePort >= 0;
    }

    /** The TCP or UDP source port, or -1. */
    public int sourcePort() {
        return sourcePort;
    }

    /** The TCP or UDP destination port, or -1. */
    public int destinationPort() {
        return destinationPort;
    }

    /** The ICMP type, or -1 if this is no ICMP (or a later fragment of one). */
    public int icmpType() {
        return icmpType;
    }

    /**
     * The frame's offload metadata ({@link VirtioNetHeader}): whether it is a super-frame and whether its
     * transport checksum is partial. NONE unless whoever parsed it set it.
     */
    public long offload() {
        return offload;
    }

    /** Says what the device that delivered the frame said of it (after {@link #parse}, which clears it). */
    public void setOffload(long offload) {
        this.offload = offload;
    }

    /** True if the TCP or UDP checksum holds only the pseudo-header sum (see {@link VirtioNetHeader}). */
    public boolean partialChecksum() {
        return VirtioNetHeader.needsChecksum(offload);
    }

    /**
     * The IPv4 length of the largest packet this one puts on the wire: its own, or for a super-frame its
     * headers plus {@code gso_size}, the segments' size (what a path-MTU check must compare).
     */
    public int wireIpLength() {
        int length = ip.length();
        if (!VirtioNetHeader.isGso(offload) || !transport) {
            return length;
        }
        int headers = ip.headerLength() + (protocol == Ipv4Packet.PROTO_TCP ? tcp.headerLength() : UdpPacket.HEADER_LEN);
        return Math.min(length, headers + VirtioNetHeader.gsoSize(offload));
    }

    /** The probe this packet is, or null: matched once, when parsed. */
    public Probe probe() {
        return probe;
    }

    // --- what the stages decided -----------------------------------------------------------------------

    /** Why the packet was dropped, or NONE. */
    public DropReason dropReason() {
        return dropReason;
    }

    /** What the flow log says of this packet's drop beyond its reason, or null. */
    public String dropDetail() {
        return dropDetail;
    }

    /** Says more about a drop than its reason (which policy, which direction); only on drops, so it may allocate. */
    public void setDropDetail(String detail) {
        this.dropDetail = detail;
    }

    /** The source address the packet arrived with, before a stage rewrote it (as conntrack's reply tuple sees it). */
    public int arrivedSource() {
        return arrivedSource;
    }

    public int arrivedDestination() {
        return arrivedDestination;
    }

    public int arrivedSourcePort() {
        return arrivedSourcePort;
    }

    public int arrivedDestinationPort() {
        return arrivedDestinationPort;
    }

    public void setDropReason(DropReason reason) {
        this.dropReason = reason;
    }

    /** The ICMP error to send back about this packet once its drop is counted, or null. */
    public IcmpRepr icmpErrorOwed() {
        return icmpErrorOwed;
    }

    /** Asks for {@code error} to be sent back to the packet's source (the RFC 1122 rules still apply). */
    public void oweIcmpError(IcmpRepr error) {
        this.icmpErrorOwed = error;
    }

    /** True once a stage rewrote addresses or ports (Service translation). */
    public boolean rewritten() {
        return rewritten;
    }

    // --- the trace -----------------------------------------------------------------------------------

    /** True if this packet is being traced: only then are decisions worth putting into words. */
    public boolean traced() {
        return probe != null;
    }

    /** Names the node and the stage that decide next, so that {@link #say} records under them. */
    public void beginStage(String node, String stage) {
        this.node = node;
        this.stage = stage;
        spoke = false;
    }

    /** The node this packet is on, for decisions put into words. */
    public String node() {
        return node;
    }

    /** Records the current stage's decision in the trace, if this packet is traced. */
    public void say(String decision) {
        if (probe != null) {
            probe.hop(node, stage, decision);
            spoke = true;
        }
    }

    /** Notes that the current stage's decision was recorded by other means (a stage that traces itself). */
    public void markSpoken() {
        spoke = true;
    }

    /** True if the current stage recorded a decision. */
    public boolean spoke() {
        return spoke;
    }

    /** Records how the traced packet's journey ended (delivered, answered, dropped and why). */
    public void end(String how) {
        if (probe != null) {
            probe.end(how);
            ended = true;
        }
    }

    /** True if a stage recorded how the journey ended. */
    public boolean ended() {
        return ended;
    }
}
