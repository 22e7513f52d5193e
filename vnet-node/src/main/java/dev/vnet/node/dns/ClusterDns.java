package dev.vnet.node.dns;

import dev.vnet.core.addr.Cidr;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cluster's DNS answers, as CoreDNS's kubernetes plugin gives them, from a snapshot of cluster state.
 *
 * <p>Design notes. CoreDNS looks each question up in its informer caches; here {@link #update} turns the whole
 * snapshot into a small authoritative zone ({@link ZoneRecords} has the rules, {@link ZoneIndex} the table) and
 * swaps it in, so a query is a map lookup and sees either the old state or the new one, never a mix. The zone
 * is the cluster domain plus {@code in-addr.arpa.} (CoreDNS's default Corefile serves
 * {@code kubernetes cluster.local in-addr.arpa ip6.arpa}); of the reverse tree we answer only the parts inside
 * the Service and pod CIDRs, and the rest is for the upstream resolver ({@link #authoritativeFor}).
 *
 * <p>Negative answers carry the zone's SOA in the authority section (RFC 2308) so resolvers can cache them for
 * its minimum, {@value #TTL} s. A name that exists without the asked type (an AAAA for a Service, or an empty
 * non-terminal such as {@code default.svc.cluster.local}) is NODATA, a name that does not is NXDOMAIN: search
 * paths rely on the difference. The SOA serial starts at 1 and grows by one each time an update changes the zone.
 *
 * <p>Responses are built with dnsjava and never encoded here: the server encodes with {@code toWire(512)} (or
 * the EDNS size) for UDP, which drops whole RRsets that do not fit and sets TC, and {@code toWire()} for TCP.
 */
public final class ClusterDns {
    /** The TTL of every record and the SOA minimum (negative-caching TTL): CoreDNS's default. */
    public static final long TTL = 5;
    /** The Service CIDR and pod CIDR of a default lab. */
    public static final Cidr DEFAULT_SERVICE_CIDR = Cidr.parse("10.96.0.0/12");
    public static final Cidr DEFAULT_POD_CIDR = Cidr.parse("10.244.0.0/16");
    /** The UDP payload size we advertise in an EDNS answer (the DNS Flag Day 2020 value). */
    static final int EDNS_PAYLOAD = 1232;
    /** How many CNAMEs inside the zone an answer follows before it stops. */
    private static final int MAX_CNAME_CHAIN = 8;

    private final Name zone;
    private final Cidr serviceCidr;
    private final Cidr podCidr;
    private volatile Snapshot snapshot;

    /** One consistent state: the zone and the SOA records that go with it. */
    private record Snapshot(ZoneIndex index, long serial, SOARecord clusterSoa, SOARecord reverseSoa) {}

    /** The cluster DNS for {@code zone} ("cluster.local") with the default Service and pod CIDRs. */
    public ClusterDns(String zone) {
        this(zone, DEFAULT_SERVICE_CIDR, DEFAULT_POD_CIDR);
    }

    /** The cluster DNS for {@code zone}, answering reverse lookups for addresses in the two CIDRs. */
    public ClusterDns(String zone, Cidr serviceCidr, Cidr podCidr) {
        this.zone = ZoneNames.absolute(Objects.requireNonNull(zone, "zone"));
        this.serviceCidr = Objects.requireNonNull(serviceCidr, "serviceCidr");
        this.podCidr = Objects.requireNonNull(podCidr, "podCidr");
        this.snapshot = snapshot(ZoneRecords.build(this.zone, TTL, List.of(), List.of(), List.of()), 1);
    }

    /** A DNS for the same zone and CIDRs, with no records yet. */
    public ClusterDns emptyCopy() {
        return new ClusterDns(zone.toString(), serviceCidr, podCidr);
    }

    /** The cluster domain, absolute ("cluster.local."). */
    public Name zone() {
        return zone;
    }

    /**
     * Rebuilds the zone from the whole cluster state and swaps it in; queries in flight finish on the old one.
     * The SOA serial grows only if the records changed. Call it on every change (it is not incremental).
     */
    public synchronized void update(List<Service> services, List<Endpoints> endpoints, List<Pod> pods) {
        ZoneIndex next = ZoneRecords.build(zone, TTL, List.copyOf(services), List.copyOf(endpoints), List.copyOf(pods));
        Snapshot now = snapshot;
        if (!next.equals(now.index())) {
            snapshot = snapshot(next, now.serial() + 1);
        }
    }

    /** The SOA serial of the current zone: 1 at start, one more after each update that changed a record. */
    public long serial() {
        return snapshot.serial();
    }

    /** Everything this DNS knows, as master-file lines: the cluster zone, then the reverse zone, each SOA first. */
    public List<String> records() {
        Snapshot s = snapshot;
        List<String> out = new ArrayList<>();
        out.add(ZoneIndex.line(s.clusterSoa()));
        out.addAll(s.index().dump(zone));
        out.add(ZoneIndex.line(s.reverseSoa()));
        out.addAll(s.index().dump(ZoneRecords.IN_ADDR_ARPA));
        return out;
    }

    /**
     * True for names this server answers itself: the cluster zone, and reverse names ({@code in-addr.arpa.})
     * whose address prefix overlaps the Service or pod CIDR. {@code 20.0.96.10.in-addr.arpa.} and
     * {@code 244.10.in-addr.arpa.} are ours; {@code 8.8.8.8.in-addr.arpa.} and {@code 5.10.in-addr.arpa.} are not.
     */
    public boolean authoritativeFor(Name qname) {
        if (qname == null) {
            return false;
        }
        if (qname.subdomain(zone)) {
            return true;
        }
        Cidr prefix = ZoneNames.reversePrefix(qname);
        return prefix != null && (prefix.overlaps(serviceCidr) || prefix.overlaps(podCidr));
    }

    /**
     * The full response to one query: id, opcode, RD and CD copied, QR and AA set, RA clear (we do not recurse
     * for the client), the question echoed, an OPT record if the query had one. A query this server cannot
     * take gets FORMERR (not one question, a response, a meta type), NOTIMP (an opcode other than QUERY, a
     * class other than IN, a zone transfer) or REFUSED (a name outside {@link #authoritativeFor}).
     */
    public Message answer(Message query) {
        Header qh = query.getHeader();
        if (qh.getFlag(Flags.QR) || query.getSection(Section.QUESTION).size() != 1) {
            return formErr(query, qh.getID());
        }
        if (qh.getOpcode() != Opcode.QUERY) {
            return error(query, Rcode.NOTIMP);
        }
        Record question = query.getQuestion();
        int qtype = question.getType();
        if (qtype == Type.OPT || qtype == Type.TSIG || qtype == Type.TKEY) {
            return formErr(query, qh.getID());
        }
        if (question.getDClass() != DClass.IN || qtype == Type.AXFR || qtype == Type.IXFR
                || qtype == Type.MAILA || qtype == Type.MAILB) {
            return error(query, Rcode.NOTIMP);
        }
        Message response = base(query, Rcode.NOERROR);
        if (badEdnsVersion(query, response)) {
            return response;
        }
        if (!authoritativeFor(question.getName())) {
            return refused(query);
        }
        response.getHeader().setFlag(Flags.AA);
        resolve(snapshot, question.getName(), qtype, response);
        return response;
    }

    /** REFUSED for a name outside our authority (when there is no upstream to ask), question echoed. */
    public static Message refused(Message query) {
        return error(query, Rcode.REFUSED);
    }

    /**
     * FORMERR for a query we cannot make sense of. {@code queryOrNull} is null when not even the message
     * parsed; then only the {@code id} read from the first two bytes is echoed.
     */
    public static Message formErr(Message queryOrNull, int id) {
        if (queryOrNull == null) {
            Message response = new Message(id);
            response.getHeader().setFlag(Flags.QR);
            response.getHeader().setRcode(Rcode.FORMERR);
            return response;
        }
        Message response = error(queryOrNull, Rcode.FORMERR);
        response.getHeader().setID(id);
        return response;
    }

    /** Looks {@code qname} up, following CNAMEs that stay inside the zone, and fills the response's sections. */
    private void resolve(Snapshot s, Name qname, int qtype, Message response) {
        Set<Name> seen = new LinkedHashSet<>();
        Name name = qname;
        while (true) {
            if (!s.index().exists(name)) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                response.addRecord(soaFor(s, name), Section.AUTHORITY);
                return;
            }
            List<Record> cname = s.index().rrset(name, Type.CNAME);
            if (!cname.isEmpty() && qtype != Type.CNAME) {
                addAnswers(response, cname, name);
                Name target = ((CNAMERecord) cname.get(0)).getTarget();
                seen.add(name);
                if (!target.subdomain(zone) || seen.contains(target) || seen.size() >= MAX_CNAME_CHAIN) {
                    return; // outside the zone: the client's resolver follows it (CoreDNS's upstream would)
                }
                name = target;
                continue;
            }
            List<Record> rrset = qtype == Type.SOA && name.equals(zone) ? List.of(s.clusterSoa())
                    : qtype == Type.SOA && name.equals(ZoneRecords.IN_ADDR_ARPA) ? List.of(s.reverseSoa())
                    : qtype == Type.ANY ? List.of() // as CoreDNS: no ANY expansion (RFC 8482 allows it)
                    : s.index().rrset(name, qtype);
            if (rrset.isEmpty()) {
                response.addRecord(soaFor(s, name), Section.AUTHORITY); // NODATA
                return;
            }
            addAnswers(response, rrset, name);
            if (qtype == Type.SRV) {
                addTargets(s, rrset, response);
            }
            return;
        }
    }

    /** The answer RRset, owned by the name as the client spelled it (names match case-insensitively). */
    private static void addAnswers(Message response, List<Record> rrset, Name asAsked) {
        for (Record r : rrset) {
            response.addRecord(r.withName(asAsked), Section.ANSWER);
        }
    }

    /** The A records of SRV targets, in the additional section, so the client needs no second query. */
    private static void addTargets(Snapshot s, List<Record> srv, Message response) {
        Set<Name> done = new LinkedHashSet<>();
        for (Record r : srv) {
            Name target = ((SRVRecord) r).getTarget();
            if (done.add(target)) {
                for (Record a : s.index().rrset(target, Type.A)) {
                    response.addRecord(a, Section.ADDITIONAL);
                }
            }
        }
    }

    private SOARecord soaFor(Snapshot s, Name name) {
        return name.subdomain(zone) ? s.clusterSoa() : s.reverseSoa();
    }

    private Snapshot snapshot(ZoneIndex index, long serial) {
        return new Snapshot(index, serial, ZoneNames.soa(zone, serial, TTL),
                ZoneNames.soa(ZoneRecords.IN_ADDR_ARPA, serial, TTL));
    }

    /** A response to {@code query} with {@code rcode}: header and question copied, no AA. */
    private static Message error(Message query, int rcode) {
        return base(query, rcode);
    }

    /** The response header and question: id, opcode, RD and CD copied, QR set, question echoed if single. */
    private static Message base(Message query, int rcode) {
        Header qh = query.getHeader();
        Message response = new Message(qh.getID());
        Header h = response.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode(qh.getOpcode());
        if (qh.getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        if (qh.getFlag(Flags.CD)) {
            h.setFlag(Flags.CD);
        }
        h.setRcode(rcode);
        List<Record> questions = query.getSection(Section.QUESTION);
        if (questions.size() == 1) {
            response.addRecord(questions.get(0), Section.QUESTION);
        }
        OPTRecord opt = query.getOPT();
        if (opt != null) {
            response.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return response;
    }

    /** RFC 6891: an EDNS version we do not speak (above 0) gets BADVERS; true if it did. */
    private static boolean badEdnsVersion(Message query, Message response) {
        OPTRecord opt = query.getOPT();
        if (opt == null || opt.getVersion() == 0) {
            return false;
        }
        response.removeAllRecords(Section.ADDITIONAL);
        response.getHeader().setRcode(Rcode.BADVERS & 0xF);
        response.addRecord(new OPTRecord(EDNS_PAYLOAD, Rcode.BADVERS >>> 4, 0), Section.ADDITIONAL);
        return true;
    }
}
