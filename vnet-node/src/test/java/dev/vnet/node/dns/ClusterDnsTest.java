package dev.vnet.node.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.K8s;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ClusterDnsTest {

    // --- fixture: one cluster state ---
    //
    // default/web          ClusterIP 10.96.0.20, http/TCP 80
    // default/db-headless  headless, postgres/TCP 5432; ready 10.244.1.5 (hostname db-0), 10.244.1.6, 10.244.2.7;
    //                      not ready 10.244.2.8
    // default/external     ExternalName example.com
    // prod/api             ClusterIP 10.96.0.30, https/TCP 443
    // pods: db-0..db-3 behind db-headless (db-0 with hostname db-0, subdomain db-headless; db-3 Pending),
    //       cache-0 10.244.1.11 (hostname cache-0, subdomain db-headless, not an endpoint),
    //       web-abc 10.244.1.10 (default), api-xyz 10.244.2.20 (prod), done 10.244.1.99 (Succeeded)

    private static final String Z = "cluster.local.";
    private static final String SOA_SERIAL_2 = "ns.dns.cluster.local. hostmaster.cluster.local. 2 7200 1800 86400 5";

    static Service service(String ns, String name, String type, String clusterIp, String externalName,
                           ServicePort... ports) {
        ServiceSpec spec = K8s.serviceSpec(type, Map.of("app", name), List.of(ports), clusterIp);
        spec.setExternalName(externalName);
        return K8s.service(meta(ns, name), spec, null);
    }

    static ServicePort port(String name, String protocol, int port) {
        return K8s.servicePort(name, protocol, port, null, null);
    }

    static EndpointAddress addr(String ip, String hostname) {
        return K8s.address(ip, hostname, "node-1", "default", ip);
    }

    static Endpoints endpoints(String ns, String name, List<EndpointAddress> ready, List<EndpointAddress> notReady,
                               EndpointPort... ports) {
        return K8s.endpoints(meta(ns, name), List.of(K8s.subset(ready, notReady, List.of(ports))));
    }

    static Pod pod(String ns, String name, String ip, String phase, String hostname, String subdomain) {
        return K8s.pod(meta(ns, name), K8s.podSpec("node-1", hostname, subdomain, null, List.of()),
                K8s.podStatus(phase, ip));
    }

    static ObjectMeta meta(String ns, String name) {
        return K8s.meta(name, ns);
    }

    static final Service WEB = service("default", "web", "ClusterIP", "10.96.0.20", null, port("http", "TCP", 80));
    static final Service DB = service("default", "db-headless", "ClusterIP", "None", null,
            port("postgres", "TCP", 5432));
    static final Service EXTERNAL = service("default", "external", "ExternalName", null, "example.com");
    static final Service API = service("prod", "api", "ClusterIP", "10.96.0.30", null, port("https", "TCP", 443));
    static final EndpointPort POSTGRES = K8s.endpointPort("postgres", 5432, "TCP");
    static final Endpoints DB_ENDPOINTS = endpoints("default", "db-headless",
            List.of(addr("10.244.1.5", "db-0"), addr("10.244.1.6", null), addr("10.244.2.7", null)),
            List.of(addr("10.244.2.8", null)), POSTGRES);
    static final Endpoints WEB_ENDPOINTS = endpoints("default", "web", List.of(addr("10.244.1.10", null)), null,
            K8s.endpointPort("http", 8080, "TCP"));
    static final List<Pod> PODS = List.of(
            pod("default", "db-0", "10.244.1.5", "Running", "db-0", "db-headless"),
            pod("default", "db-1", "10.244.1.6", "Running", null, null),
            pod("default", "db-2", "10.244.2.7", "Running", null, null),
            pod("default", "db-3", "10.244.2.8", "Pending", null, null),
            pod("default", "cache-0", "10.244.1.11", "Running", "cache-0", "db-headless"),
            pod("default", "web-abc", "10.244.1.10", "Running", null, null),
            pod("prod", "api-xyz", "10.244.2.20", "Running", null, null),
            pod("default", "done", "10.244.1.99", "Succeeded", null, null));

    static ClusterDns fixture() {
        ClusterDns dns = new ClusterDns("cluster.local");
        dns.update(List.of(WEB, DB, EXTERNAL, API), List.of(DB_ENDPOINTS, WEB_ENDPOINTS), PODS);
        return dns;
    }

    static Message query(String qname, int qtype) {
        return Message.newQuery(Record.newRecord(Name.fromConstantString(qname), qtype, DClass.IN));
    }

    static List<String> section(Message m, int section) {
        List<String> out = new ArrayList<>();
        for (Record r : m.getSection(section)) {
            out.add(Type.string(r.getType()) + " " + r.rdataToString());
        }
        out.sort(null); // the order of records in an RRset carries no meaning
        return out;
    }

    // --- the answer table ---

    /** One question and what CoreDNS's kubernetes plugin would answer. */
    record Row(String qname, int qtype, int rcode, List<String> answer, boolean soa, List<String> additional) {
        @Override
        public String toString() {
            return qname + " " + Type.string(qtype) + " -> " + Rcode.string(rcode);
        }
    }

    static Row row(String qname, int qtype, int rcode, List<String> answer, boolean soa, List<String> additional) {
        return new Row(qname, qtype, rcode, answer, soa, additional);
    }

    static Row ok(String qname, int qtype, String... answer) {
        return row(qname, qtype, Rcode.NOERROR, List.of(answer), false, List.of());
    }

    static Row nodata(String qname, int qtype) {
        return row(qname, qtype, Rcode.NOERROR, List.of(), true, List.of());
    }

    static Row nxdomain(String qname, int qtype) {
        return row(qname, qtype, Rcode.NXDOMAIN, List.of(), true, List.of());
    }

    static Stream<Arguments> table() {
        String db = "db-headless.default.svc." + Z;
        List<String> dbAs = List.of("A 10.244.1.5", "A 10.244.1.6", "A 10.244.2.7");
        List<String> dbSrv = List.of("SRV 0 33 5432 10-244-1-6." + db, "SRV 0 33 5432 10-244-2-7." + db,
                "SRV 0 33 5432 db-0." + db);
        return Stream.of(
                // ClusterIP Service
                ok("web.default.svc." + Z, Type.A, "A 10.96.0.20"),
                ok("WEB.Default.SVC.Cluster.LOCAL.", Type.A, "A 10.96.0.20"),
                nodata("web.default.svc." + Z, Type.AAAA),
                nodata("web.default.svc." + Z, Type.TXT),
                nodata("web.default.svc." + Z, Type.ANY),
                row("web.default.svc." + Z, Type.SRV, Rcode.NOERROR,
                        List.of("SRV 0 100 80 web.default.svc." + Z), false, List.of("A 10.96.0.20")),
                row("_http._tcp.web.default.svc." + Z, Type.SRV, Rcode.NOERROR,
                        List.of("SRV 0 100 80 web.default.svc." + Z), false, List.of("A 10.96.0.20")),
                row("_HTTP._TCP.web.default.svc." + Z, Type.SRV, Rcode.NOERROR,
                        List.of("SRV 0 100 80 web.default.svc." + Z), false, List.of("A 10.96.0.20")),
                nxdomain("_http._udp.web.default.svc." + Z, Type.SRV),
                nxdomain("_https._tcp.web.default.svc." + Z, Type.SRV),
                nodata("_tcp.web.default.svc." + Z, Type.SRV), // an empty non-terminal
                nxdomain("10-244-1-10.web.default.svc." + Z, Type.A), // endpoint names: headless only
                ok("api.prod.svc." + Z, Type.A, "A 10.96.0.30"),
                nxdomain("api.default.svc." + Z, Type.A),
                nxdomain("nope.default.svc." + Z, Type.A),
                // intermediate names exist (search paths), unknown ones do not
                nodata("default.svc." + Z, Type.A),
                nodata("prod.svc." + Z, Type.A),
                nodata("kube-system.svc." + Z, Type.A),
                nodata("svc." + Z, Type.A),
                nodata("pod." + Z, Type.A),
                nodata(Z, Type.A),
                nodata(Z, Type.NS),
                ok(Z, Type.SOA, "SOA " + SOA_SERIAL_2),
                nxdomain("nosuchns.svc." + Z, Type.A),
                nxdomain("web.default.cluster.local.", Type.A),
                nxdomain("web.default.svc.cluster.local.default.svc.cluster.local.", Type.A),
                // headless Service: one A per ready endpoint, SRV per endpoint with weight 100/3
                row(db, Type.A, Rcode.NOERROR, dbAs, false, List.of()),
                row("_postgres._tcp." + db, Type.SRV, Rcode.NOERROR, dbSrv, false, dbAs),
                row(db, Type.SRV, Rcode.NOERROR, dbSrv, false, dbAs),
                nodata(db, Type.AAAA),
                ok("db-0." + db, Type.A, "A 10.244.1.5"),
                ok("DB-0.DB-HEADLESS.default.svc." + Z, Type.A, "A 10.244.1.5"),
                ok("10-244-1-6." + db, Type.A, "A 10.244.1.6"),
                nxdomain("10-244-1-5." + db, Type.A), // has a hostname: served as db-0 only
                nxdomain("10-244-2-8." + db, Type.A), // not ready
                ok("cache-0." + db, Type.A, "A 10.244.1.11"), // pod hostname + subdomain
                // ExternalName: a CNAME only, for any type
                ok("external.default.svc." + Z, Type.A, "CNAME example.com."),
                ok("external.default.svc." + Z, Type.AAAA, "CNAME example.com."),
                ok("external.default.svc." + Z, Type.CNAME, "CNAME example.com."),
                // pods, verified: the IP must belong to a pod of that namespace
                ok("10-244-1-10.default.pod." + Z, Type.A, "A 10.244.1.10"),
                ok("10-244-2-8.default.pod." + Z, Type.A, "A 10.244.2.8"),
                nxdomain("10-244-1-10.prod.pod." + Z, Type.A),
                nxdomain("10-244-9-9.default.pod." + Z, Type.A),
                nxdomain("10-244-1-99.default.pod." + Z, Type.A), // Succeeded: no longer holds its IP
                nodata("default.pod." + Z, Type.A),
                // PTR: ClusterIP, then headless endpoint name, then pod
                ok("20.0.96.10.in-addr.arpa.", Type.PTR, "PTR web.default.svc." + Z),
                ok("30.0.96.10.in-addr.arpa.", Type.PTR, "PTR api.prod.svc." + Z),
                ok("5.1.244.10.in-addr.arpa.", Type.PTR, "PTR db-0." + db),
                ok("6.1.244.10.in-addr.arpa.", Type.PTR, "PTR 10-244-1-6." + db),
                ok("10.1.244.10.in-addr.arpa.", Type.PTR, "PTR 10-244-1-10.default.pod." + Z),
                ok("8.2.244.10.in-addr.arpa.", Type.PTR, "PTR 10-244-2-8.default.pod." + Z),
                ok("20.2.244.10.in-addr.arpa.", Type.PTR, "PTR 10-244-2-20.prod.pod." + Z),
                nodata("20.0.96.10.in-addr.arpa.", Type.A),
                nxdomain("99.0.96.10.in-addr.arpa.", Type.PTR),
                nxdomain("99.1.244.10.in-addr.arpa.", Type.PTR),
                nodata("1.244.10.in-addr.arpa.", Type.PTR), // holds pod addresses
                nxdomain("200.244.10.in-addr.arpa.", Type.PTR)
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void answers(Row row) {
        ClusterDns dns = fixture();
        Name qname = Name.fromConstantString(row.qname());
        assertTrue(dns.authoritativeFor(qname), "authoritative for " + qname);

        Message response = dns.answer(query(row.qname(), row.qtype()));

        assertEquals(Rcode.string(row.rcode()), Rcode.string(response.getRcode()));
        assertEquals(row.answer(), section(response, Section.ANSWER));
        List<Record> authority = response.getSection(Section.AUTHORITY);
        if (row.soa()) {
            assertEquals(1, authority.size(), "one SOA in authority: " + authority);
            SOARecord soa = (SOARecord) authority.get(0);
            assertEquals(ClusterDns.TTL, soa.getTTL());
            assertEquals(ClusterDns.TTL, soa.getMinimum());
        } else {
            assertEquals(List.of(), authority);
        }
        assertEquals(row.additional(), section(response, Section.ADDITIONAL));
        for (Record r : response.getSection(Section.ANSWER)) {
            assertEquals(ClusterDns.TTL, r.getTTL());
        }
    }

    @Test
    void answerOwnersKeepTheClientsSpelling() {
        Message response = fixture().answer(query("WEB.Default.svc.cluster.local.", Type.A));
        assertEquals("WEB.Default.svc.cluster.local.", response.getSection(Section.ANSWER).get(0).getName().toString());
        assertEquals("WEB.Default.svc.cluster.local.", response.getQuestion().getName().toString());
    }

    @Test
    void soaIsCoreDnsShaped() {
        Record forward = fixture().answer(query("nope.default.svc.cluster.local.", Type.A))
                .getSection(Section.AUTHORITY).get(0);
        assertEquals("cluster.local. 5 IN SOA " + SOA_SERIAL_2, ZoneIndex.line(forward));
        Record reverse = fixture().answer(query("99.0.96.10.in-addr.arpa.", Type.PTR))
                .getSection(Section.AUTHORITY).get(0);
        assertEquals("in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 2 7200 1800 86400 5",
                ZoneIndex.line(reverse));
    }

    @Test
    void headerOfAnAnswer() {
        Message q = query("web.default.svc.cluster.local.", Type.A);
        q.getHeader().setID(0x1234);
        Message r = fixture().answer(q);
        assertEquals(0x1234, r.getHeader().getID());
        assertEquals(Opcode.QUERY, r.getHeader().getOpcode());
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertTrue(r.getHeader().getFlag(Flags.AA));
        assertTrue(r.getHeader().getFlag(Flags.RD));
        assertFalse(r.getHeader().getFlag(Flags.RA));
        assertFalse(r.getHeader().getFlag(Flags.TC));
        assertEquals(q.getQuestion(), r.getQuestion());

        q.getHeader().unsetFlag(Flags.RD);
        assertFalse(fixture().answer(q).getHeader().getFlag(Flags.RD));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "cluster.local.,                            true",
        "web.default.svc.cluster.local.,            true",
        "anything.cluster.local.,                   true",
        "CLUSTER.LOCAL.,                            true",
        "20.0.96.10.in-addr.arpa.,                  true",
        "1.0.111.10.in-addr.arpa.,                  true", // 10.111.0.1, the end of 10.96.0.0/12
        "1.0.112.10.in-addr.arpa.,                  false", // 10.112.0.1, just past it
        "244.10.in-addr.arpa.,                      true",
        "10.in-addr.arpa.,                          true",
        "in-addr.arpa.,                             true",
        "x.5.1.244.10.in-addr.arpa.,                true",
        "5.10.in-addr.arpa.,                        false",
        "8.8.8.8.in-addr.arpa.,                     false",
        "1.1.168.192.in-addr.arpa.,                 false",
        "x.10.in-addr.arpa.,                        false",
        "010.in-addr.arpa.,                         false",
        "example.org.,                              false",
        "local.,                                    false",
        "cluster.local.example.org.,                false",
    })
    void authority(String name, boolean expected) {
        assertEquals(expected, fixture().authoritativeFor(Name.fromConstantString(name)));
    }

    // --- truncation ---

    /** A headless Service with n ready endpoints 10.244.1.1..n. */
    static ClusterDns headlessWith(int n) {
        List<EndpointAddress> ready = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ready.add(addr("10.244.1." + i, null));
        }
        Service big = service("default", "big", "ClusterIP", "None", null, port("http", "TCP", 80));
        ClusterDns dns = new ClusterDns("cluster.local");
        dns.update(List.of(big), List.of(endpoints("default", "big", ready, null,
                K8s.endpointPort("http", 8080, "TCP"))), List.of());
        return dns;
    }

    @Test
    void aLargeHeadlessAnswerIsTruncatedOverUdpAndCompleteOverTcp() throws IOException {
        Message response = headlessWith(100).answer(query("big.default.svc.cluster.local.", Type.A));
        assertEquals(100, response.getSection(Section.ANSWER).size());

        byte[] udp = response.toWire(512);
        assertTrue(udp.length <= 512, "fits a 512-byte datagram: " + udp.length);
        Message overUdp = new Message(udp); // parses: no record was cut in half
        assertTrue(overUdp.getHeader().getFlag(Flags.TC), "TC set: retry over TCP");
        // dnsjava leaves out an RRset that does not fit whole (RFC 2181 section 9), and so the A RRset.
        assertEquals(List.of(), overUdp.getSection(Section.ANSWER));
        assertEquals(q(response), overUdp.getQuestion());
        assertEquals(Rcode.NOERROR, overUdp.getRcode());

        Message overTcp = new Message(response.toWire());
        assertFalse(overTcp.getHeader().getFlag(Flags.TC));
        assertEquals(100, overTcp.getSection(Section.ANSWER).size());
    }

    private static Record q(Message m) {
        return m.getQuestion();
    }

    @Test
    void anEdnsClientGetsTheWholeAnswerInOneDatagram() throws IOException {
        Message q = query("big.default.svc.cluster.local.", Type.A);
        q.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        Message response = headlessWith(100).answer(q);
        assertNotNull(response.getOPT(), "an EDNS query gets an EDNS answer (RFC 6891)");

        Message overUdp = new Message(response.toWire(q.getOPT().getPayloadSize()));
        assertFalse(overUdp.getHeader().getFlag(Flags.TC));
        assertEquals(100, overUdp.getSection(Section.ANSWER).size());
    }

    @Test
    void srvWeightsSplitAsCoreDnsDoesAndNeverReachZero() {
        Message srv = headlessWith(100).answer(query("_http._tcp.big.default.svc.cluster.local.", Type.SRV));
        assertEquals(100, srv.getSection(Section.ANSWER).size());
        srv.getSection(Section.ANSWER).forEach(r -> assertEquals(1, ((org.xbill.DNS.SRVRecord) r).getWeight()));
        assertEquals(100, srv.getSection(Section.ADDITIONAL).size());

        Message two = headlessWith(2).answer(query("_http._tcp.big.default.svc.cluster.local.", Type.SRV));
        assertEquals(List.of("SRV 0 50 8080 10-244-1-1.big.default.svc.cluster.local.",
                "SRV 0 50 8080 10-244-1-2.big.default.svc.cluster.local."), section(two, Section.ANSWER));
    }

    // --- errors ---

    @Test
    void twoQuestionsAreAFormatError() {
        Message q = query("web.default.svc.cluster.local.", Type.A);
        q.addRecord(Record.newRecord(Name.fromConstantString("api.prod.svc.cluster.local."), Type.A, DClass.IN),
                Section.QUESTION);
        Message r = fixture().answer(q);
        assertEquals(Rcode.FORMERR, r.getRcode());
        assertEquals(q.getHeader().getID(), r.getHeader().getID());
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertFalse(r.getHeader().getFlag(Flags.AA));
        assertEquals(List.of(), r.getSection(Section.ANSWER));
    }

    @Test
    void formErrWithoutAQueryEchoesTheId() throws IOException {
        Message r = ClusterDns.formErr(null, 4321);
        Message wire = new Message(r.toWire());
        assertEquals(4321, wire.getHeader().getID());
        assertEquals(Rcode.FORMERR, wire.getRcode());
        assertTrue(wire.getHeader().getFlag(Flags.QR));
        assertNull(wire.getQuestion());
    }

    @Test
    void namesOutsideTheZoneAreRefused() {
        Message q = query("example.org.", Type.A);
        assertFalse(fixture().authoritativeFor(q.getQuestion().getName()));
        for (Message r : List.of(ClusterDns.refused(q), fixture().answer(q))) {
            assertEquals(Rcode.REFUSED, r.getRcode());
            assertEquals(q.getHeader().getID(), r.getHeader().getID());
            assertEquals(q.getQuestion(), r.getQuestion());
            assertTrue(r.getHeader().getFlag(Flags.QR));
            assertTrue(r.getHeader().getFlag(Flags.RD));
            assertFalse(r.getHeader().getFlag(Flags.AA));
            assertFalse(r.getHeader().getFlag(Flags.RA));
        }
    }

    @Test
    void otherOpcodesClassesAndTransfersAreNotImplemented() {
        Message notify = query("cluster.local.", Type.SOA);
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertEquals(Rcode.NOTIMP, fixture().answer(notify).getRcode());

        Message chaos = Message.newQuery(Record.newRecord(Name.fromConstantString("web.default.svc.cluster.local."),
                Type.TXT, DClass.CH));
        assertEquals(Rcode.NOTIMP, fixture().answer(chaos).getRcode());

        assertEquals(Rcode.NOTIMP, fixture().answer(query("cluster.local.", Type.AXFR)).getRcode());
    }

    @Test
    void aResponseOrAMetaTypeIsAFormatError() {
        Message response = query("web.default.svc.cluster.local.", Type.A);
        response.getHeader().setFlag(Flags.QR);
        assertEquals(Rcode.FORMERR, fixture().answer(response).getRcode());
        assertEquals(Rcode.FORMERR, fixture().answer(query("web.default.svc.cluster.local.", Type.OPT)).getRcode());
    }

    @Test
    void anUnknownEdnsVersionGetsBadvers() {
        Message q = query("web.default.svc.cluster.local.", Type.A);
        q.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);
        Message r = fixture().answer(q);
        assertEquals(Rcode.BADVERS, r.getRcode());
        assertEquals(0, r.getOPT().getVersion());
        assertEquals(List.of(), r.getSection(Section.ANSWER));
    }

    // --- CNAME inside the zone ---

    @Test
    void anExternalNameInsideTheZoneIsFollowed() {
        ClusterDns dns = new ClusterDns("cluster.local");
        Service alias = service("default", "alias", "ExternalName", null, "web.default.svc.cluster.local");
        dns.update(List.of(WEB, alias), List.of(), List.of());
        Message r = dns.answer(query("alias.default.svc.cluster.local.", Type.A));
        assertEquals(Rcode.NOERROR, r.getRcode());
        assertEquals(List.of("A 10.96.0.20", "CNAME web.default.svc.cluster.local."), section(r, Section.ANSWER));

        Message dangling = dns.answer(query("alias.default.svc.cluster.local.", Type.AAAA));
        assertEquals(List.of("CNAME web.default.svc.cluster.local."), section(dangling, Section.ANSWER));
        assertEquals(1, dangling.getSection(Section.AUTHORITY).size(), "NODATA at the target, with the SOA");
    }

    // --- updates ---

    @Test
    void headlessRecordsFollowTheirEndpoints() {
        ClusterDns dns = fixture();
        String db = "db-headless.default.svc.cluster.local.";
        long serial = dns.serial();
        assertEquals(List.of("A 10.244.1.5", "A 10.244.1.6", "A 10.244.2.7"),
                section(dns.answer(query(db, Type.A)), Section.ANSWER));

        // db-2 goes not ready, db-3 becomes ready.
        Endpoints changed = endpoints("default", "db-headless",
                List.of(addr("10.244.1.5", "db-0"), addr("10.244.1.6", null), addr("10.244.2.8", null)),
                List.of(addr("10.244.2.7", null)), POSTGRES);
        dns.update(List.of(WEB, DB, EXTERNAL, API), List.of(changed, WEB_ENDPOINTS), PODS);
        assertEquals(List.of("A 10.244.1.5", "A 10.244.1.6", "A 10.244.2.8"),
                section(dns.answer(query(db, Type.A)), Section.ANSWER));
        assertEquals(Rcode.NXDOMAIN, dns.answer(query("10-244-2-7." + db, Type.A)).getRcode());
        assertEquals(List.of("PTR 10-244-2-8." + db),
                section(dns.answer(query("8.2.244.10.in-addr.arpa.", Type.PTR)), Section.ANSWER));
        assertEquals(serial + 1, dns.serial());

        // The same state again changes nothing, not even the serial.
        dns.update(List.of(WEB, DB, EXTERNAL, API), List.of(changed, WEB_ENDPOINTS), PODS);
        assertEquals(serial + 1, dns.serial());

        // No ready endpoint left: no A records. The name still exists (NODATA) while pods' hostname records
        // (db-0, cache-0) sit below it; without them, CoreDNS's NXDOMAIN.
        Endpoints none = endpoints("default", "db-headless", null, List.of(addr("10.244.1.5", "db-0")), POSTGRES);
        dns.update(List.of(WEB, DB, EXTERNAL, API), List.of(none, WEB_ENDPOINTS), PODS);
        Message empty = dns.answer(query(db, Type.A));
        assertEquals(List.of(), section(empty, Section.ANSWER));
        assertEquals(Rcode.NOERROR, empty.getRcode());
        assertEquals(Rcode.NXDOMAIN, dns.answer(query("_postgres._tcp." + db, Type.SRV)).getRcode());
        assertEquals(serial + 2, dns.serial());

        List<Pod> noHostnames = PODS.stream().filter(p -> p.getSpec().getHostname() == null).toList();
        dns.update(List.of(WEB, DB, EXTERNAL, API), List.of(none, WEB_ENDPOINTS), noHostnames);
        assertEquals(Rcode.NXDOMAIN, dns.answer(query(db, Type.A)).getRcode());
        assertEquals(serial + 3, dns.serial());
    }

    @Test
    void aNewServiceResolvesAfterTheUpdateAndADeletedOneStops() {
        ClusterDns dns = new ClusterDns("cluster.local");
        assertEquals(1, dns.serial());
        assertEquals(Rcode.NXDOMAIN, dns.answer(query("web.default.svc.cluster.local.", Type.A)).getRcode());
        dns.update(List.of(WEB), List.of(), List.of());
        assertEquals(List.of("A 10.96.0.20"),
                section(dns.answer(query("web.default.svc.cluster.local.", Type.A)), Section.ANSWER));
        dns.update(List.of(), List.of(), List.of());
        assertEquals(Rcode.NXDOMAIN, dns.answer(query("web.default.svc.cluster.local.", Type.A)).getRcode());
        assertEquals(3, dns.serial());
    }

    @Test
    void theWholeZoneOfASmallCluster() {
        ClusterDns dns = new ClusterDns("cluster.local");
        dns.update(List.of(WEB), List.of(WEB_ENDPOINTS), List.of(pod("default", "web-abc", "10.244.1.10", "Running",
                null, null)));
        assertEquals(List.of(
                "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 2 7200 1800 86400 5",
                "10-244-1-10.default.pod.cluster.local. 5 IN A 10.244.1.10",
                "web.default.svc.cluster.local. 5 IN A 10.96.0.20",
                "web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.",
                "_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.",
                "in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 2 7200 1800 86400 5",
                "10.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-10.default.pod.cluster.local.",
                "20.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local."),
                dns.records());
    }
}
