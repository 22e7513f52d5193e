package dev.vnet.node.router;

import static dev.vnet.node.router.Verdict.drop;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.core.trace.Probe;
import dev.vnet.nat.rewrite.NatRewriter;
import dev.vnet.nat.service.ServiceProxy;

/**
 * Service translation, kube-proxy's job, done by {@link ServiceProxy} (module vnet-nat): a packet of a
 * tracked flow is translated as its conntrack entry says, a new flow to a Service is DNATed (and SNATed where
 * Kubernetes does) to an endpoint, and a Service without endpoints is refused with ICMP port unreachable.
 * Captured at "nat-before" and "nat-after", with the proxy's verdict (PASS, TRANSLATED, REJECT, DROP).
 *
 * <p>A packet whose TCP or UDP checksum is partial (offloads) keeps it partial: the proxy patches checksums as
 * if they were complete, so the stage saves the field before and puts back the pseudo-header sum of the new
 * addresses after ({@link NatRewriter#restorePartialChecksum}).
 *
 * <p>Not handled yet: the proxy reads the IPv4 and transport headers itself (it takes the buffer, not the
 * context) and records its own trace hops; a DROP's reason is the proxy's {@code lastDrop()}, read right after.
 */
final class ServiceStage implements Stage {
    private static final IcmpRepr PORT_UNREACHABLE = IcmpRepr.destinationUnreachable(IcmpPacket.CODE_PORT_UNREACHABLE);

    /** Null until Services are wired in: then every packet passes. */
    private volatile ServiceProxy proxy;
    /**
     * The cluster DNS address this node answers itself (0 for none): a Service address with no endpoints to
     * translate to, left for the dns stage after policy has judged the query.
     */
    private volatile int localDns;

    void setLocalDns(int ip) {
        this.localDns = ip;
    }

    void setProxy(ServiceProxy p) {
        this.proxy = p;
    }

    ServiceProxy proxy() {
        return proxy;
    }

    @Override
    public String name() {
        return "service";
    }

    @Override
    public String capturePoint() {
        return "nat";
    }

    @Override
    public String captureComment(Verdict verdict, PacketContext packet) {
        return switch (verdict) {
            case CONTINUE -> packet.rewritten() ? "TRANSLATED" : "PASS";
            case SENT -> "SENT";
            case DROPPED -> packet.dropReason() == DropReason.NO_ENDPOINTS ? "REJECT" : "DROP";
        };
    }

    @Override
    public Verdict process(PacketContext packet, long now) {
        ServiceProxy p = proxy;
        if (p == null) {
            if (packet.traced()) {
                packet.say("no Service stage on this node → next stage");
            }
            return Verdict.CONTINUE;
        }
        int dns = localDns;
        if (dns != 0 && packet.destination() == dns && packet.origin() != PacketContext.Origin.NODE) {
            if (packet.traced()) {
                packet.say(dev.vnet.core.addr.Ipv4Address.toString(dns) + " is the cluster DNS, answered on this "
                        + "node → not translated");
            }
            return Verdict.CONTINUE;
        }
        Probe probe = packet.probe();
        int hopsBefore = probe == null ? 0 : probe.hops().size();
        int partial = packet.partialChecksum() ? NatRewriter.partialChecksum(packet.buffer(), packet.ipOffset()) : -1;
        ServiceProxy.Verdict verdict = p.process(packet.buffer(), packet.ipOffset(), packet.ipLength(), now);
        if (partial >= 0 && verdict == ServiceProxy.Verdict.TRANSLATED) {
            NatRewriter.restorePartialChecksum(packet.buffer(), packet.ipOffset(), partial, packet.arrivedSource(),
                    packet.arrivedDestination());
        }
        if (probe != null && probe.hops().size() > hopsBefore) {
            packet.markSpoken(); // the proxy traces itself under this stage's name
        }
        switch (verdict) {
            case PASS -> {
                if (packet.traced() && !packet.spoke()) {
                    packet.say("no Service address and no translated flow → unchanged");
                }
                return Verdict.CONTINUE;
            }
            case TRANSLATED -> {
                packet.headersRewritten();
                if (packet.traced() && !packet.spoke()) {
                    packet.say("an ICMP error about a translated flow → translated back");
                }
                return Verdict.CONTINUE;
            }
            case REJECT -> {
                if (packet.traced()) {
                    if (!packet.spoke()) {
                        packet.say("no Service has NodePort " + packet.destinationPort() + " → REJECT");
                    }
                    packet.end("rejected on " + packet.node() + ": " + DropReason.NO_ENDPOINTS.description());
                }
                packet.oweIcmpError(PORT_UNREACHABLE);
                return drop(packet, DropReason.NO_ENDPOINTS);
            }
            case DROP -> {
                DropReason why = p.lastDrop(); // set by this very call, on this thread
                if (packet.traced()) {
                    packet.end("dropped on " + packet.node() + " by the Service stage: " + why.description());
                }
                return drop(packet, why);
            }
            default -> throw new AssertionError(verdict);
        }
    }
}
