package dev.vnet.node.router;

import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.EthernetRepr;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.Ipv4Repr;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.VirtioNetHeader;
import java.nio.ByteBuffer;

/**
 * Sends the ICMP error a dropped packet is owed back to its source, from the gateway's address, quoting its IP
 * header and first 8 payload bytes as received (RFC 792; the next-hop MTU of RFC 1191), unless RFC 1122
 * forbids it (about an ICMP error, or a fragment other than the first). The error is routed like any packet
 * leaving this router, as if from a local pod: it may go to a pod, over VXLAN, or back out of the TUN (an
 * outside client's NodePort connection refused).
 */
final class IcmpErrors implements Pipeline.ErrorReporter {
    private final Reentry reentry;
    private final int gatewayIp;
    private final RouterCounters counters;
    /** Per-thread views over the error being built. */
    private final ThreadLocal<Views> views = ThreadLocal.withInitial(Views::new);

    private static final class Views {
        final EthernetFrame eth = new EthernetFrame();
        final Ipv4Packet ip = new Ipv4Packet();
        final IcmpPacket icmp = new IcmpPacket();
    }

    IcmpErrors(Reentry reentry, int gatewayIp, RouterCounters counters) {
        this.reentry = reentry;
        this.gatewayIp = gatewayIp;
        this.counters = counters;
    }

    @Override
    public void report(PacketContext about, long now) {
        IcmpRepr error = about.icmpErrorOwed();
        if (error == null || !IcmpRepr.mayReportAbout(about)) {
            return;
        }
        ByteBuffer out = reentry.buffer();
        if (out == null) {
            return; // errors about errors about errors: enough
        }
        Views v = views.get();
        if (about.partialChecksum() && about.hasTransportHeader()) {
            // The quote carries UDP's checksum: complete it so that the sender sees the packet it sent.
            long o = about.offload();
            int from = about.ipOffset() + VirtioNetHeader.csumStart(o);
            int field = from + VirtioNetHeader.csumOffset(o);
            if (field + 2 <= about.ipOffset() + about.ipLength()) {
                Segmenter.completeChecksum(about.buffer(), from, about.ipOffset() + about.ipLength(), field,
                        about.protocol() == Ipv4Packet.PROTO_UDP);
            }
        }
        Ipv4Packet original = about.ip();
        int icmpLength = IcmpRepr.errorLength(original);
        Ipv4Repr ip = Ipv4Repr.of(gatewayIp, about.source(), Ipv4Packet.PROTO_ICMP, icmpLength);
        int at = EthernetFrame.HEADER_LEN;
        int frameLength = at + ip.totalLength();
        // The MACs are the router's to set once it knows the next hop.
        new EthernetRepr(0, 0, EthernetFrame.TYPE_IPV4).emit(v.eth.wrap(out, 0, frameLength));
        ip.emit(v.ip.wrap(out, at, ip.totalLength()));
        error.emitError(v.icmp.wrap(out, at + Ipv4Packet.HEADER_LEN, icmpLength), original);
        counters.icmpError();
        reentry.run(frameLength, PacketContext.Origin.POD, now);
    }
}
