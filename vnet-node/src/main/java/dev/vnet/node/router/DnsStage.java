package dev.vnet.node.router;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.PacketContext;

/**
 * DNS steering, NodeLocal DNSCache style: a query to the cluster DNS address (UDP or TCP to port 53) from a
 * pod or another node goes into this node's own stack, where the node's DNS server answers it, and never
 * leaves the node. Everything else passes. Off until {@link #setDnsIp} names the address.
 */
final class DnsStage implements Stage {
    private static final int DNS_PORT = 53;

    private final Egress egress;
    /** The cluster DNS address this node answers at, or 0 for none. */
    private volatile int dnsIp;

    DnsStage(Egress egress) {
        this.egress = egress;
    }

    void setDnsIp(int ip) {
        this.dnsIp = ip;
    }

    @Override
    public String name() {
        return "dns";
    }

    @Override
    public Verdict process(PacketContext packet, long now) {
        int dns = dnsIp;
        if (dns == 0 || packet.destination() != dns || packet.origin() == PacketContext.Origin.NODE
                || !packet.hasPorts() || packet.destinationPort() != DNS_PORT) {
            if (packet.traced()) {
                packet.say(dns == 0 ? "this node answers no DNS itself → next stage"
                        : "not a DNS query to " + Ipv4Address.toString(dns) + ":" + DNS_PORT + " → next stage");
            }
            return Verdict.CONTINUE;
        }
        if (packet.traced()) {
            packet.say("DNS to " + Ipv4Address.toString(dns) + ":" + DNS_PORT + " is answered by this node → vnet0");
            packet.end("answered by " + packet.node() + "'s cluster DNS");
        }
        return egress.toTun(packet); // answered by this node: the query never leaves it
    }
}
