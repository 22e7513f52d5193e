package dev.vnet.node.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.K8s;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The cluster DNS server's wire handling against random and mutated queries: it never throws, never answers
 * what is not a query with a header, and every answer it gives is a well-formed DNS message with the query's id.
 */
class DnsFuzzTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.244.1.2", 40000);

    private static DnsServer server(DnsLog log) {
        ClusterDns dns = new ClusterDns("cluster.local");
        var spec = K8s.serviceSpec("ClusterIP", Map.of("app", "web"), List.of(), "10.96.0.20");
        dns.update(List.of(K8s.service(K8s.meta("web", "default", Map.of(), null), spec, null)), List.of(), List.of());
        return new DnsServer("node-1", dns, log);
    }

    private static byte[] query(String name, int type) throws Exception {
        return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)).toWire();
    }

    @Test
    void randomBytesNeverThrowAndAreAnsweredOnlyWithWellFormedMessages() throws Exception {
        DnsLog log = new DnsLog();
        DnsServer s = server(log);
        Random r = new Random(20261202);
        int answered = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] wire = new byte[r.nextInt(600)];
            r.nextBytes(wire);
            byte[] reply = s.handle(wire, CLIENT, "udp");
            if (reply != null) {
                answered++;
                Message m = new Message(reply); // parses: well formed
                assertEquals(((wire[0] & 0xff) << 8) | (wire[1] & 0xff), m.getHeader().getID());
            } else {
                assertTrue(wire.length < 12, "only a datagram without a header goes unanswered");
            }
        }
        assertTrue(answered > 0);
        assertTrue(log.malformedCount() > 0, "malformed queries are counted");
    }

    @Test
    void mutatedQueriesNeverThrowAndKeepTheirId() throws Exception {
        DnsServer s = server(new DnsLog());
        Random r = new Random(7);
        byte[][] seeds = {query("web.default.svc.cluster.local.", Type.A), query("20.0.96.10.in-addr.arpa.", Type.PTR),
                query("_http._tcp.web.default.svc.cluster.local.", Type.SRV), query("example.com.", Type.AAAA)};
        for (int i = 0; i < 20_000; i++) {
            byte[] wire = seeds[r.nextInt(seeds.length)].clone();
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits; e++) {
                switch (r.nextInt(3)) {
                    case 0 -> wire[r.nextInt(wire.length)] ^= (byte) (1 << r.nextInt(8)); // a bit flipped
                    case 1 -> wire[r.nextInt(wire.length)] = (byte) r.nextInt(256); // a byte replaced
                    default -> wire = java.util.Arrays.copyOf(wire, Math.max(0, wire.length - 1 - r.nextInt(8)));
                }
                if (wire.length == 0) {
                    break;
                }
            }
            byte[] reply = s.handle(wire, CLIENT, r.nextBoolean() ? "udp" : "tcp");
            if (reply != null) {
                assertEquals(((wire[0] & 0xff) << 8) | (wire[1] & 0xff), new Message(reply).getHeader().getID());
            }
        }
        // Still answering afterwards, and right.
        Message ok = new Message(s.handle(query("web.default.svc.cluster.local.", Type.A), CLIENT, "udp"));
        assertTrue(ok.toString().contains("10.96.0.20"), ok.toString());
    }
}
