package dev.vnet.nat.service;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.packet.DropCounts;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import dev.vnet.nat.conntrack.ConnEntry;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.conntrack.Direction;
import dev.vnet.nat.conntrack.TcpState;
import dev.vnet.nat.lb.AffinityTable;
import dev.vnet.nat.lb.Choice;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.rewrite.NatRewriter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * kube-proxy's job on one node, done on the packets themselves: a packet of a tracked flow is translated as
 * its conntrack entry says (in either direction); a new flow to a Service is given an endpoint (affinity
 * first, else the Service's load-balancing algorithm), DNATed to it, SNATed to this node's address where
 * Kubernetes does so (hairpin; NodePort and LoadBalancer traffic with externalTrafficPolicy Cluster), and
 * tracked; a Service with no endpoints rejects at once.
 *
 * <h2>Verdicts and drop reasons</h2>
 * {@link #process} answers PASS, TRANSLATED, REJECT or DROP. A DROP is counted by reason ({@link #drops}) and
 * its reason is readable right after the call on the same thread ({@link #lastDrop}), so the router counts
 * it under the same reason without allocating: {@link DropReason#FRAGMENTED} (a fragment to a Service IP: no
 * ports to translate), {@link DropReason#TRUNCATED} (a TCP or UDP header cut short, or an ICMP error whose
 * quote is too short to translate), {@link DropReason#NO_SERVICE} (no Service on that port of a Service IP or
 * in the Service range), {@link DropReason#SERVICE_PING}, {@link DropReason#SNAT_PORTS_EXHAUSTED},
 * {@link DropReason#CONNTRACK_FULL} and {@link DropReason#TUPLE_CLASH}.
 *
 * <h2>SNAT ports, and making room under pressure</h2>
 * A SNATed flow keeps the client's port if the reply tuple (endpoint → SNAT address:port) is free with it;
 * else the port is searched in the SNAT range (Linux's ip_local_port_range by default) as Linux's
 * {@code nf_nat_l4proto_unique_tuple} does, with bounded work: {@value #SNAT_ATTEMPTS} ports from the one
 * after the client's (from a random one if the client's is outside the range), then rounds of half as many
 * from random offsets, down to 16 (241 lookups at most). If every port tried is taken, the port of the
 * tried flow that is not {@link ConnEntry#assured assured} and nearest its expiry is taken back from it
 * ({@link Conntrack#reclaimed}); if all of them are assured, the next endpoints of the Service are tried the
 * same way ({@link #snatRedirects}), {@value #SNAT_ENDPOINT_TRIES} in all, before the flow is refused. A full conntrack table makes room by early drop ({@link Conntrack}). So a SYN flood of
 * half-open connections from outside cannot lock out real clients, and established flows are never touched.
 *
 * <p>Not handled yet: a DNAT-only flow whose reply tuple clashes (one client port to two Services with the
 * same endpoint) is dropped, where Linux would SNAT it to another source port; SNAT toward an endpoint uses
 * one address (the node's), as kube-proxy's MASQUERADE does. A port taken back may still name a half-open
 * connection at the endpoint: the new client's first SYN then meets it and may need TCP's retransmission to
 * get through, as with any reuse of a 4-tuple.
 *
 * <p>The node's sync is the only writer of the Service table ({@link #setTable}); data-path threads read it
 * through a volatile reference. Checksums are updated incrementally (RFC 1624) by {@link NatRewriter}.
 * Packets are read with big-endian absolute gets: the data path's buffers keep Java's default byte order.
 */
public final class ServiceProxy {
    /** What happened to a packet. */
    public enum Verdict {
        /** Not a Service packet, nor one of a translated flow: route it as it is. */
        PASS,
        /** Rewritten in place: route it by its new destination. */
        TRANSLATED,
        /** A Service with no (usable) endpoints: answer ICMP port unreachable, as kube-proxy's REJECT does. */
        REJECT,
        /** Dropped: {@link ServiceProxy#lastDrop} says why, on the calling thread; {@link ServiceProxy#drops} counts. */
        DROP
    }

    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    /** Linux's default net.ipv4.ip_local_port_range, the default SNAT port range. */
    public static final int SNAT_PORT_MIN = 32768;
    public static final int SNAT_PORT_MAX = 60999;
    private static final int NODE_PORT_MIN = 30000;
    private static final int NODE_PORT_MAX = 32767;
    /** Linux's NF_NAT_MAX_ATTEMPTS: ports tried in the first round of a SNAT port search. */
    static final int SNAT_ATTEMPTS = 128;
    /** Endpoints tried for a new SNATed flow, the balancer's choice first, before it is refused. */
    static final int SNAT_ENDPOINT_TRIES = 4;
    /** Marks a port {@link #snatPort} found held by an unassured flow, to be reclaimed. */
    private static final int RECLAIM = 1 << 16;

    private final Conntrack conntrack;
    private final AffinityTable affinity = new AffinityTable();
    private final int snatIp;
    private final int snatPortMin;
    private final int snatPortMax;
    private final Cidr serviceCidr;
    private volatile ServiceTable table;
    private volatile DecisionListener listener;
    private volatile String node = "?";

    private final LongAdder newFlows = new LongAdder();
    private final LongAdder translated = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder snatted = new LongAdder();
    private final LongAdder snatRedirects = new LongAdder();
    private final DropCounts drops = new DropCounts();
    /** The reason of the last DROP on each data-path thread; set only when dropping. */
    private final ThreadLocal<DropReason> lastDrop = new ThreadLocal<>();

    /** Told of each new translated flow, with the reason for its endpoint: for traces and flow logs. */
    @FunctionalInterface
    public interface DecisionListener {
        void decided(ConnEntry entry, ServiceTable.Match match, Endpoint endpoint, String reason);
    }

    /**
     * @param snatIp the address this node SNATs to: its TUN address (10.244.N.0), to which replies from any
     *               node are routed back
     */
    public ServiceProxy(Conntrack conntrack, int snatIp, Cidr serviceCidr, ServiceTable initial) {
        this(conntrack, snatIp, SNAT_PORT_MIN, SNAT_PORT_MAX, serviceCidr, initial);
    }

    /**
     * @param snatPortMin the first port SNAT may choose when the client's own is taken (Linux's
     *                    ip_local_port_range, {@value #SNAT_PORT_MIN}–{@value #SNAT_PORT_MAX} by default)
     * @param snatPortMax the last such port
     */
    public ServiceProxy(Conntrack conntrack, int snatIp, int snatPortMin, int snatPortMax, Cidr serviceCidr,
                        ServiceTable initial) {
        if (snatPortMin < 1 || snatPortMax > 65535 || snatPortMin > snatPortMax) {
            throw new IllegalArgumentException("the SNAT port range must be FIRST-LAST within 1-65535, got "
                    + snatPortMin + "-" + snatPortMax);
        }
        this.conntrack = conntrack;
        this.snatIp = snatIp;
        this.snatPortMin = snatPortMin;
        this.snatPortMax = snatPortMax;
        this.serviceCidr = serviceCidr;
        this.table = initial;
    }

    public void setTable(ServiceTable next) {
        table = next;
    }

    public ServiceTable table() {
        return table;
    }

    public Conntrack conntrack() {
        return conntrack;
    }

    public AffinityTable affinity() {
        return affinity;
    }

    public void setListener(DecisionListener l) {
        listener = l;
    }

    /**
     * Translates the IPv4 packet at {@code ipOffset} of {@code buf} in place if it belongs to a Service or a
     * translated flow. The IPv4 header must have been checked (length, checksum) by the caller.
     */
    public Verdict process(ByteBuffer buf, int ipOffset, int ipLength, long now) {
        int protocol = buf.get(ipOffset + 9) & 0xff;
        int src = buf.getInt(ipOffset + 12);
        int dst = buf.getInt(ipOffset + 16);
        if ((buf.getShort(ipOffset + 6) & 0x3fff) != 0) {
            // A fragment: only the first carries ports, and vnet does not reassemble.
            return serviceCidr.contains(dst) || table.isVirtualIp(dst) ? drop(DropReason.FRAGMENTED) : Verdict.PASS;
        }
        int l4 = ipOffset + (buf.get(ipOffset) & 0x0f) * 4;
        int l4Length = ipLength - (l4 - ipOffset);
        int srcPort;
        int dstPort;
        int tcpFlags = 0;
        if (protocol == TCP || protocol == UDP) {
            if (l4Length < (protocol == TCP ? 20 : 8)) {
                return drop(DropReason.TRUNCATED);
            }
            srcPort = buf.getShort(l4) & 0xffff;
            dstPort = buf.getShort(l4 + 2) & 0xffff;
            if (protocol == TCP) {
                tcpFlags = buf.get(l4 + 13) & 0xff;
            }
        } else if (protocol == ICMP && l4Length >= 8) {
            int type = buf.get(l4) & 0xff;
            if (type == 3 || type == 11) {
                return icmpError(buf, ipOffset, l4, l4Length, now);
            }
            if (type != 0 && type != 8) {
                return Verdict.PASS;
            }
            srcPort = buf.getShort(l4 + 4) & 0xffff; // the echo identifier stands for both ports
            dstPort = srcPort;
        } else {
            return Verdict.PASS;
        }
        ConnEntry e = conntrack.find(protocol, src, srcPort, dst, dstPort, now);
        Probe probe = Tracing.match(buf, ipOffset);
        if (e != null && protocol == TCP && (tcpFlags & 0x12) == 0x02
                && (e.tcpState() == TcpState.TIME_WAIT || e.tcpState() == TcpState.CLOSE)
                && e.directionOf(protocol, src, srcPort, dst, dstPort) == Direction.ORIGINAL) {
            // A new SYN on the 4-tuple of a closed connection is a new connection, as Linux decides:
            // forget the old entry so the Service picks an endpoint afresh.
            conntrack.remove(e);
            e = null;
        }
        if (e != null) {
            Direction dir = e.directionOf(protocol, src, srcPort, dst, dstPort);
            if (dir == Direction.ORIGINAL) {
                NatRewriter.rewrite(buf, ipOffset, e.replyDstIp(), e.replyDstPort(), e.replySrcIp(), e.replySrcPort());
            } else {
                NatRewriter.rewrite(buf, ipOffset, e.origDstIp(), e.origDstPort(), e.origSrcIp(), e.origSrcPort());
            }
            if (probe != null) {
                probe.hop(node, "service", "conntrack: established flow, " + dir + " direction; "
                        + tuple(src, srcPort, dst, dstPort) + " translated to " + tuple(buf.getInt(ipOffset + 12),
                        dir == Direction.ORIGINAL ? e.replyDstPort() : e.origDstPort(), buf.getInt(ipOffset + 16),
                        dir == Direction.ORIGINAL ? e.replySrcPort() : e.origSrcPort()) + " (" + e.label() + ")");
            }
            conntrack.update(e, dir, tcpFlags, ipLength, now);
            translated.increment();
            return Verdict.TRANSLATED;
        }
        ServiceTable t = table;
        if (protocol == ICMP) {
            // ClusterIPs answer no ping, as with kube-proxy's iptables mode: nothing lives there.
            return serviceCidr.contains(dst) ? drop(DropReason.SERVICE_PING) : Verdict.PASS;
        }
        ServiceTable.Match m = t.match(protocol, dst, dstPort);
        if (m == null && probe != null && (t.isVirtualIp(dst) || serviceCidr.contains(dst))) {
            probe.hop(node, "service", "no Service listens on " + dev.vnet.core.addr.Ipv4Address.toString(dst) + ":"
                    + dstPort + " → dropped");
        }
        if (m == null) {
            if (dst == t.nodeIp() && dstPort >= NODE_PORT_MIN && dstPort <= NODE_PORT_MAX) {
                rejected.increment(); // a NodePort no Service has: refused, not left to time out
                return Verdict.REJECT;
            }
            // A port no Service has, on a virtual IP or in the Service range: nobody is there.
            return t.isVirtualIp(dst) || serviceCidr.contains(dst) ? drop(DropReason.NO_SERVICE) : Verdict.PASS;
        }
        return newFlow(buf, ipOffset, ipLength, protocol, src, srcPort, dst, dstPort, tcpFlags, m, now, probe);
    }

    /** Whether the packet belongs to a translated flow (for the bridge's question); allocates nothing. */
    public boolean tracks(ByteBuffer buf, int ipOffset, int ipLength, long now) {
        int protocol = buf.get(ipOffset + 9) & 0xff;
        int l4 = ipOffset + (buf.get(ipOffset) & 0x0f) * 4;
        if (ipLength < l4 - ipOffset + 8) {
            return false;
        }
        int srcPort;
        int dstPort;
        if (protocol == TCP || protocol == UDP) {
            srcPort = buf.getShort(l4) & 0xffff;
            dstPort = buf.getShort(l4 + 2) & 0xffff;
        } else if (protocol == ICMP && ((buf.get(l4) & 0xff) == 0 || (buf.get(l4) & 0xff) == 8)) {
            srcPort = buf.getShort(l4 + 4) & 0xffff;
            dstPort = srcPort;
        } else if (protocol == ICMP && ((buf.get(l4) & 0xff) == 3 || (buf.get(l4) & 0xff) == 11)) {
            return quotedFlow(buf, ipOffset, ipLength, l4, now) != null; // an error about a translated flow
        } else {
            return false;
        }
        return conntrack.find(protocol, buf.getInt(ipOffset + 12), srcPort, buf.getInt(ipOffset + 16), dstPort,
                now) != null;
    }

    private Verdict newFlow(ByteBuffer buf, int ipOffset, int ipLength, int protocol, int src, int srcPort,
                            int dst, int dstPort, int tcpFlags, ServiceTable.Match m, long now, Probe probe) {
        ServicePort sp = m.port();
        List<Endpoint> candidates = sp.candidates(m.external());
        if (candidates.isEmpty()) {
            rejected.increment();
            if (probe != null) {
                probe.hop(node, "service", sp.name() + " matched by " + m.via() + " (" + table.mode()
                        + " mode, rules evaluated: " + m.rulesEvaluated() + ") but has no usable endpoints → REJECT");
            }
            return Verdict.REJECT;
        }
        int index = -1;
        String reason = null;
        if (sp.affinityNanos() > 0) {
            Endpoint pinned = affinity.lookup(sp.name(), src, now);
            index = pinned == null ? -1 : candidates.indexOf(pinned);
            if (index >= 0) {
                reason = "ClientIP affinity, " + affinity.secondsLeft(sp.name(), src, now) + " s left";
            }
        }
        if (index < 0) {
            Choice c = sp.balancer().pick(candidates, src, srcPort, now);
            index = c.index();
            reason = c.reason();
        }
        Endpoint ep = candidates.get(index);
        // SNAT where Kubernetes does: hairpin, and external traffic with externalTrafficPolicy Cluster. If no
        // SNAT port is left toward the chosen endpoint, the next ones are tried before the flow is refused.
        boolean externalSnat = m.external() && !sp.externalLocal();
        boolean snat = false;
        int snatPort = -1;
        int tries = Math.min(SNAT_ENDPOINT_TRIES, candidates.size());
        for (int k = 0; k < tries; k++) {
            Endpoint e = candidates.get((index + k) % candidates.size());
            snat = externalSnat || e.ip() == src;
            snatPort = snat ? snatPort(protocol, e, srcPort, now) : 0;
            if (snatPort >= 0) {
                if (k > 0) {
                    snatRedirects.increment();
                    if (probe != null || listener != null) {
                        reason = reason + "; no SNAT port left toward " + ep + ", so the next endpoint";
                    }
                    ep = e;
                }
                break;
            }
        }
        if (snatPort < 0) {
            if (probe != null) {
                probe.hop(node, "service", sp.name() + ": every SNAT port tried toward " + tries
                        + " endpoint(s) from " + ep + " is held by an assured flow → dropped");
            }
            return drop(DropReason.SNAT_PORTS_EXHAUSTED);
        }
        if (sp.affinityNanos() > 0) {
            affinity.remember(sp.name(), src, ep, sp.affinityNanos(), now);
        }
        boolean reclaim = (snatPort & RECLAIM) != 0;
        int replyDstIp = snat ? snatIp : src;
        int replyDstPort = snat ? snatPort & 0xffff : srcPort;
        // A shared label per endpoint; the choice's reason goes to traces and flow events, not into each entry.
        String label = sp.label(ep);
        ConnEntry e = conntrack.create(protocol, src, srcPort, dst, dstPort, ep.ip(), ep.port(), replyDstIp,
                replyDstPort, label, now, reclaim);
        if (e == null) {
            // Refused under the lock: a tuple another live flow holds (a race, or an assured holder), else full.
            boolean clash = conntrack.find(protocol, ep.ip(), ep.port(), replyDstIp, replyDstPort, now) != null
                    || conntrack.find(protocol, src, srcPort, dst, dstPort, now) != null;
            if (probe != null) {
                probe.hop(node, "service", sp.name() + " → " + ep + ": " + (clash
                        ? "the translated tuple belongs to another tracked flow" : "conntrack table full ("
                        + conntrack.size() + " of " + conntrack.maxEntries() + "), no unassured entry near it to drop")
                        + " → dropped");
            }
            return drop(clash ? DropReason.TUPLE_CLASH : DropReason.CONNTRACK_FULL);
        }
        if (snat) {
            snatted.increment();
        }
        NatRewriter.rewrite(buf, ipOffset, replyDstIp, replyDstPort, ep.ip(), ep.port());
        conntrack.update(e, Direction.ORIGINAL, tcpFlags, ipLength, now);
        newFlows.increment();
        if (probe != null) {
            probe.hop(node, "service", "conntrack: new flow; " + sp.name() + " matched by " + m.via() + " ("
                    + table.mode() + " mode, rules evaluated: " + m.rulesEvaluated() + "); endpoint " + ep + " on "
                    + ep.nodeName() + " (" + reason + ")");
            probe.hop(node, "service", "DNAT destination " + dev.vnet.core.addr.Ipv4Address.toString(dst) + ":" + dstPort
                    + " → " + ep + (snat ? "; SNAT source " + dev.vnet.core.addr.Ipv4Address.toString(src) + ":" + srcPort
                    + " → " + dev.vnet.core.addr.Ipv4Address.toString(replyDstIp) + ":" + replyDstPort
                    + (reclaim ? " (port taken back from a flow that was not assured)" : "") : "")
                    + "; checksums updated incrementally");
        }
        translated.increment();
        DecisionListener l = listener;
        if (l != null) {
            l.decided(e, m, ep, reason);
        }
        return Verdict.TRANSLATED;
    }

    /**
     * A source port for SNAT toward {@code ep}: the client's own ({@code wanted}) if the reply tuple is free
     * with it, else a free one from a bounded search of the SNAT range (see the class comment); failing that,
     * the port of the unassured flow nearest its expiry among those tried, with {@link #RECLAIM} set; -1 if
     * every port tried is held by an assured flow. Lock-free, allocation-free; at most 241 lookups.
     */
    private int snatPort(int protocol, Endpoint ep, int wanted, long now) {
        ConnEntry holder = conntrack.find(protocol, ep.ip(), ep.port(), snatIp, wanted, now);
        if (holder == null) {
            return wanted;
        }
        int reclaim = holder.assured() ? -1 : wanted;
        long reclaimExpiry = holder.expiresAtNanos();
        int size = snatPortMax - snatPortMin + 1;
        int attempts = Math.min(size, SNAT_ATTEMPTS);
        int offset = wanted >= snatPortMin && wanted <= snatPortMax ? wanted - snatPortMin + 1 : randomBelow(size);
        for (;;) {
            for (int i = 0; i < attempts; i++) {
                int port = snatPortMin + (offset + i) % size;
                holder = conntrack.find(protocol, ep.ip(), ep.port(), snatIp, port, now);
                if (holder == null) {
                    return port;
                }
                if (!holder.assured() && (reclaim < 0 || holder.expiresAtNanos() - reclaimExpiry < 0)) {
                    reclaim = port;
                    reclaimExpiry = holder.expiresAtNanos();
                }
            }
            if (attempts >= size || attempts < 16) {
                return reclaim < 0 ? -1 : reclaim | RECLAIM;
            }
            attempts /= 2; // as Linux: a smaller window from a new random offset, so a search stays short
            offset = randomBelow(size);
        }
    }

    private static int randomBelow(int bound) {
        return ThreadLocalRandom.current().nextInt(bound);
    }

    /**
     * An ICMP error (unreachable, time exceeded) quoting a packet of a translated flow: the quote is what the
     * endpoint side saw, so translate it back, and the error's destination with it.
     */
    private Verdict icmpError(ByteBuffer buf, int ipOffset, int l4, int l4Length, long now) {
        ConnEntry e = quotedFlow(buf, ipOffset, ipOffset + (l4 - ipOffset) + l4Length - ipOffset, l4, now);
        if (e == null) {
            return Verdict.PASS;
        }
        if (!NatRewriter.rewriteIcmpError(buf, ipOffset, e.origSrcIp(), e.origSrcIp(), e.origSrcPort(),
                e.origDstIp(), e.origDstPort())) {
            return drop(DropReason.TRUNCATED);
        }
        translated.increment();
        return Verdict.TRANSLATED;
    }

    /**
     * The translated flow an ICMP error is about, or null. The quote is what the endpoint side saw, from the
     * (translated) client to the endpoint: a REPLY-direction lookup of its reverse finds the flow. Every read
     * is checked against the packet's length, since the quote is whatever the sender wrote.
     */
    private ConnEntry quotedFlow(ByteBuffer buf, int ipOffset, int ipLength, int l4, long now) {
        int end = ipOffset + ipLength;
        int quote = l4 + 8;
        if (quote + 20 > end) {
            return null;
        }
        int qProtocol = buf.get(quote + 9) & 0xff;
        int qIhl = (buf.get(quote) & 0x0f) * 4;
        if ((qProtocol != TCP && qProtocol != UDP) || qIhl < 20 || quote + qIhl + 4 > end) {
            return null;
        }
        int qSrc = buf.getInt(quote + 12);
        int qDst = buf.getInt(quote + 16);
        int qSrcPort = buf.getShort(quote + qIhl) & 0xffff;
        int qDstPort = buf.getShort(quote + qIhl + 2) & 0xffff;
        ConnEntry e = conntrack.find(qProtocol, qDst, qDstPort, qSrc, qSrcPort, now);
        if (e == null || e.directionOf(qProtocol, qDst, qDstPort, qSrc, qSrcPort) != Direction.REPLY) {
            return null;
        }
        return e;
    }

    /** The node this stage belongs to, for traces. */
    public void setNodeName(String name) {
        this.node = name;
    }

    private static String tuple(int src, int sport, int dst, int dport) {
        return dev.vnet.core.addr.Ipv4Address.toString(src) + ":" + sport + " → "
                + dev.vnet.core.addr.Ipv4Address.toString(dst) + ":" + dport;
    }

    private Verdict drop(DropReason r) {
        drops.count(r);
        lastDrop.set(r); // replaces this thread's value: no allocation after its first drop
        return Verdict.DROP;
    }

    /**
     * Why the last {@link Verdict#DROP} that {@link #process} returned on this thread was dropped; read it
     * right after the call, on the same thread, and count it under that reason. {@link DropReason#NONE} if
     * this thread has had no drop. Allocation-free.
     */
    public DropReason lastDrop() {
        DropReason r = lastDrop.get();
        return r == null ? DropReason.NONE : r;
    }

    public long newFlows() {
        return newFlows.sum();
    }

    public long translated() {
        return translated.sum();
    }

    public long rejected() {
        return rejected.sum();
    }

    public long snatted() {
        return snatted.sum();
    }

    /**
     * New SNATed flows given another endpoint than the balancer's (or affinity's) choice, because every SNAT
     * port tried toward that one was held by an assured flow.
     */
    public long snatRedirects() {
        return snatRedirects.sum();
    }

    public long drops(DropReason r) {
        return drops.get(r);
    }
}
