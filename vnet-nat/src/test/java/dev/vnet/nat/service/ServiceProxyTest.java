package dev.vnet.nat.service;

import static dev.vnet.nat.service.ServiceProxy.Verdict.DROP;
import static dev.vnet.nat.service.ServiceProxy.Verdict.PASS;
import static dev.vnet.nat.service.ServiceProxy.Verdict.REJECT;
import static dev.vnet.nat.service.ServiceProxy.Verdict.TRANSLATED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.UdpPacket;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.ServiceProxy.Verdict;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Service stage as kube-proxy's {@code runPacketFlowTests} checks its rules: a table of packets
 * (protocol, source, destination) with what must come out (verdict, new source and destination, masquerade),
 * run through both Service tables. Every packet is built from scratch with the core views, every checksum
 * summed in full, so a translated packet must equal, byte for byte, the packet built with the new addresses.
 */
class ServiceProxyTest {

    static final long SECOND = 1_000_000_000L;
    static final long T0 = 5 * SECOND;
    static final long AFFINITY = 10_800 * SECOND;

    /** This node: its TUN address (the SNAT address) and its underlay address (where NodePorts listen). */
    static final int SNAT_IP = ip("10.244.1.0");
    static final int NODE_IP = ip("192.168.56.11");
    static final Cidr SERVICE_CIDR = Cidr.parse("10.96.0.0/12");

    /** Packets sit after an Ethernet header, as the router sees them. */
    static final int AT = 14;
    static final byte[] PAYLOAD = "GET / HTTP/1.1\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static final boolean MASQ = true;
    static final boolean NO_MASQ = false;

    // --- the Services: fresh balancers for every proxy, so round-robin starts at the first endpoint ---

    static Endpoint endpoint(String ipPort, boolean local) {
        Addr a = Addr.parse(ipPort);
        return new Endpoint(a.ip, a.port, local ? "node-1" : "node-2", local, true);
    }

    static final Endpoint WEB_1 = endpoint("10.244.1.5:8080", true);
    static final Endpoint WEB_2 = endpoint("10.244.2.7:8080", false);
    static final Endpoint LOCAL_REMOTE = endpoint("10.244.2.8:8080", false);
    static final Endpoint LOCAL_LOCAL = endpoint("10.244.1.6:8080", true);
    static final Endpoint DNS = endpoint("10.244.2.9:5353", false);

    static ServicePort port(String name, int protocol, String clusterIp, int port, int nodePort, String lbIp,
                            long affinityNanos, boolean externalLocal, Endpoint... endpoints) {
        return new ServicePort(name, protocol, ip(clusterIp), port, nodePort, lbIp == null ? 0 : ip(lbIp),
                List.of(endpoints), new RoundRobinBalancer(), affinityNanos, externalLocal, false);
    }

    static List<ServicePort> services() {
        return List.of(
                // ClusterIP and NodePort 30080, externalTrafficPolicy Cluster.
                port("default/web:http", 6, "10.96.0.2", 80, 30080, null, 0, false, WEB_1, WEB_2),
                // NodePort 30081, externalTrafficPolicy Local; the remote endpoint is listed first, so that
                // round-robin over all endpoints would pick it.
                port("default/web-local:http", 6, "10.96.0.3", 80, 30081, null, 0, true, LOCAL_REMOTE, LOCAL_LOCAL),
                // LoadBalancer (and NodePort 30082) with one endpoint.
                port("default/web-lb:http", 6, "10.96.0.4", 80, 30082, "192.168.56.200", 0, false, WEB_2),
                port("default/sticky:http", 6, "10.96.0.5", 80, 0, null, AFFINITY, false, WEB_1, WEB_2),
                port("default/empty:http", 6, "10.96.0.6", 80, 0, null, 0, false),
                // externalTrafficPolicy Local with no endpoint on this node.
                port("default/remote-only:http", 6, "10.96.0.7", 80, 30083, null, 0, true, LOCAL_REMOTE),
                port("kube-system/dns:dns", 17, "10.96.0.20", 53, 0, null, 0, false, DNS));
    }

    static ServiceProxy proxy(String mode) {
        List<ServicePort> ports = services();
        ServiceTable table = mode.equals("ipvs") ? new IpvsTable(ports, NODE_IP) : new IptablesTable(ports, NODE_IP);
        return new ServiceProxy(new Conntrack(), SNAT_IP, SERVICE_CIDR, table);
    }

    static ServiceProxy proxy() {
        return proxy("iptables");
    }

    // --- the packet-flow table ---

    /** One row: a packet and what must become of it. */
    record Flow(String name, Kind kind, Addr from, Addr to, Verdict verdict, Addr newFrom, Addr newTo,
                boolean masq, DropReason drop) {
        @Override
        public String toString() {
            return name;
        }

        byte[] packet() {
            return kind.packet(from, to, TcpPacket.SYN);
        }
    }

    static Flow translated(String name, Kind kind, String from, String to, String newFrom, String newTo,
                           boolean masq) {
        return new Flow(name, kind, Addr.parse(from), Addr.parse(to), TRANSLATED, Addr.parse(newFrom),
                Addr.parse(newTo), masq, null);
    }

    static Flow passed(String name, Kind kind, String from, String to) {
        return new Flow(name, kind, Addr.parse(from), Addr.parse(to), PASS, null, null, NO_MASQ, null);
    }

    static Flow dropped(String name, Kind kind, String from, String to, DropReason why) {
        return new Flow(name, kind, Addr.parse(from), Addr.parse(to), DROP, null, null, NO_MASQ, why);
    }

    static Flow rejected(String name, Kind kind, String from, String to) {
        return new Flow(name, kind, Addr.parse(from), Addr.parse(to), REJECT, null, null, NO_MASQ, null);
    }

    static final String POD = "10.244.1.9";
    static final String OUTSIDE = "192.168.56.1";

    static List<Flow> flows() {
        return List.of(
                translated("ClusterIP from a pod", Kind.TCP,
                        POD + ":40000", "10.96.0.2:80", POD + ":40000", "10.244.1.5:8080", NO_MASQ),
                translated("ClusterIP from a pod on another node", Kind.TCP,
                        "10.244.2.3:40000", "10.96.0.2:80", "10.244.2.3:40000", "10.244.1.5:8080", NO_MASQ),
                translated("ClusterIP from the endpoint itself (hairpin)", Kind.TCP,
                        "10.244.1.5:40000", "10.96.0.2:80", "10.244.1.0:40000", "10.244.1.5:8080", MASQ),
                translated("NodePort from outside, policy Cluster", Kind.TCP,
                        OUTSIDE + ":50000", "192.168.56.11:30080", "10.244.1.0:50000", "10.244.1.5:8080", MASQ),
                translated("NodePort from outside, policy Local: local endpoint, client kept", Kind.TCP,
                        OUTSIDE + ":50000", "192.168.56.11:30081", OUTSIDE + ":50000", "10.244.1.6:8080", NO_MASQ),
                translated("ClusterIP of a policy Local Service: all endpoints, no SNAT", Kind.TCP,
                        POD + ":40000", "10.96.0.3:80", POD + ":40000", "10.244.2.8:8080", NO_MASQ),
                translated("LoadBalancer IP from outside", Kind.TCP,
                        OUTSIDE + ":50000", "192.168.56.200:80", "10.244.1.0:50000", "10.244.2.7:8080", MASQ),
                translated("LoadBalancer IP from a pod", Kind.TCP,
                        POD + ":40000", "192.168.56.200:80", "10.244.1.0:40000", "10.244.2.7:8080", MASQ),
                translated("NodePort of the LoadBalancer Service", Kind.TCP,
                        OUTSIDE + ":50000", "192.168.56.11:30082", "10.244.1.0:50000", "10.244.2.7:8080", MASQ),
                translated("UDP ClusterIP", Kind.UDP,
                        POD + ":40001", "10.96.0.20:53", POD + ":40001", "10.244.2.9:5353", NO_MASQ),
                dropped("TCP to a UDP-only Service port", Kind.TCP, POD + ":40001", "10.96.0.20:53",
                        DropReason.NO_SERVICE),
                dropped("UDP to a TCP-only Service port", Kind.UDP, POD + ":40001", "10.96.0.2:80",
                        DropReason.NO_SERVICE),
                dropped("unknown port on a ClusterIP", Kind.TCP, POD + ":40000", "10.96.0.2:81",
                        DropReason.NO_SERVICE),
                dropped("unallocated address in the Service range", Kind.TCP, POD + ":40000", "10.96.0.99:80",
                        DropReason.NO_SERVICE),
                dropped("unknown port on a LoadBalancer IP", Kind.TCP, OUTSIDE + ":50000", "192.168.56.200:81",
                        DropReason.NO_SERVICE),
                passed("NodePort on another node's address", Kind.TCP, OUTSIDE + ":50000", "192.168.56.12:30080"),
                passed("unknown port on the node address", Kind.TCP, OUTSIDE + ":50000", "192.168.56.11:22"),
                passed("pod to pod (not a Service)", Kind.TCP, POD + ":40000", "10.244.2.7:8080"),
                passed("pod to the outside (not a Service)", Kind.UDP, POD + ":40001", "8.8.8.8:53"),
                dropped("ping a ClusterIP", Kind.PING, POD + ":7", "10.96.0.2:7", DropReason.SERVICE_PING),
                passed("ping a pod", Kind.PING, POD + ":7", "10.244.2.7:7"),
                rejected("Service without endpoints", Kind.TCP, POD + ":40000", "10.96.0.6:80"),
                rejected("NodePort, policy Local, no local endpoint", Kind.TCP,
                        OUTSIDE + ":50000", "192.168.56.11:30083"),
                dropped("fragment to a ClusterIP", Kind.TCP_FRAGMENT, POD + ":40000", "10.96.0.2:80",
                        DropReason.FRAGMENTED),
                passed("fragment to a pod", Kind.TCP_FRAGMENT, POD + ":40000", "10.244.2.7:8080"));
    }

    static Stream<Arguments> flowsInBothModes() {
        return Stream.of("iptables", "ipvs").flatMap(mode -> flows().stream().map(f -> Arguments.of(mode, f)));
    }

    static Stream<Arguments> translatedFlowsInBothModes() {
        return flowsInBothModes().filter(a -> ((Flow) a.get()[1]).verdict == TRANSLATED);
    }

    static Stream<Flow> translatedFlows() {
        return flows().stream().filter(f -> f.verdict == TRANSLATED);
    }

    static Stream<Flow> untranslatedFlows() {
        return flows().stream().filter(f -> f.verdict != TRANSLATED);
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("flowsInBothModes")
    void firstPacket(String mode, Flow f) {
        ServiceProxy proxy = proxy(mode);
        byte[] sent = f.packet();
        ByteBuffer frame = framed(sent);

        Verdict verdict = proxy.process(frame, AT, sent.length, T0);

        assertEquals(f.verdict, verdict);
        if (f.verdict == TRANSLATED) {
            assertArrayEquals(f.kind.packet(f.newFrom, f.newTo, TcpPacket.SYN), ipBytes(frame));
            assertChecksumsVerify(frame);
            assertEquals(f.masq, f.newFrom.ip != f.from.ip, "masq column agrees with the new source");
        } else {
            assertArrayEquals(sent, ipBytes(frame), "untouched");
        }
        int translated = f.verdict == TRANSLATED ? 1 : 0;
        assertEquals(translated, proxy.newFlows(), "newFlows");
        assertEquals(translated, proxy.translated(), "translated");
        assertEquals(f.verdict == REJECT ? 1 : 0, proxy.rejected(), "rejected");
        assertEquals(f.masq ? 1 : 0, proxy.snatted(), "snatted");
        for (DropReason r : DropReason.values()) {
            assertEquals(r == f.drop ? 1 : 0, proxy.drops(r), "drops " + r);
        }
        assertEquals(f.drop == null ? DropReason.NONE : f.drop, proxy.lastDrop(), "the reason the router counts");
        assertEquals(translated, proxy.conntrack().size(), "conntrack entries");
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("translatedFlowsInBothModes")
    void replyComesBackFromTheServiceAddress(String mode, Flow f) {
        ServiceProxy proxy = proxy(mode);
        proxy.process(framed(f.packet()), AT, f.packet().length, T0);
        byte[] reply = f.kind.packet(f.newTo, f.newFrom, TcpPacket.SYN | TcpPacket.ACK);
        ByteBuffer frame = framed(reply);

        Verdict verdict = proxy.process(frame, AT, reply.length, T0 + 1_000_000);

        assertEquals(TRANSLATED, verdict);
        assertArrayEquals(f.kind.packet(f.to, f.from, TcpPacket.SYN | TcpPacket.ACK), ipBytes(frame));
        assertChecksumsVerify(frame);
        assertEquals(1, proxy.newFlows());
        assertEquals(2, proxy.translated());
        assertEquals(f.masq ? 1 : 0, proxy.snatted());
        assertEquals(1, proxy.conntrack().size());
    }

    // --- conntrack keeps the decision ---

    @Test
    void laterPacketsOfAConnectionGoToTheSameEndpoint() {
        ServiceProxy proxy = proxy();
        List<Addr> to = new ArrayList<>();
        for (int flags : new int[] {TcpPacket.SYN, TcpPacket.ACK, TcpPacket.PSH | TcpPacket.ACK}) {
            byte[] p = Kind.TCP.packet(Addr.parse(POD + ":40000"), Addr.parse("10.96.0.2:80"), flags);
            ByteBuffer frame = framed(p);
            assertEquals(TRANSLATED, proxy.process(frame, AT, p.length, T0));
            to.add(destination(frame));
        }

        // Round-robin would have sent the second packet to 10.244.2.7: conntrack kept the first pick.
        assertEquals(List.of(Addr.parse("10.244.1.5:8080"), Addr.parse("10.244.1.5:8080"),
                Addr.parse("10.244.1.5:8080")), to);
        assertEquals(1, proxy.newFlows());
        assertEquals(3, proxy.translated());
        assertEquals(1, proxy.conntrack().size());
    }

    @Test
    void aNewConnectionIsBalancedAgain() {
        ServiceProxy proxy = proxy();

        Addr first = send(proxy, Kind.TCP, POD + ":40000", "10.96.0.2:80", T0);
        Addr second = send(proxy, Kind.TCP, POD + ":40001", "10.96.0.2:80", T0);

        assertEquals(Addr.parse("10.244.1.5:8080"), first);
        assertEquals(Addr.parse("10.244.2.7:8080"), second);
        assertEquals(2, proxy.newFlows());
    }

    @Test
    void externalTrafficPolicyLocalSendsEveryConnectionToALocalEndpoint() {
        ServiceProxy proxy = proxy();

        for (int port = 50000; port < 50004; port++) {
            assertEquals(Addr.parse("10.244.1.6:8080"),
                    send(proxy, Kind.TCP, OUTSIDE + ":" + port, "192.168.56.11:30081", T0));
        }
        assertEquals(0, proxy.snatted());
    }

    @Test
    void twoClientsWithTheSameSourcePortGetDistinctSnatPorts() {
        ServiceProxy proxy = proxy();
        byte[] a = Kind.TCP.packet(Addr.parse("192.168.56.1:50000"), Addr.parse("192.168.56.200:80"), TcpPacket.SYN);
        byte[] b = Kind.TCP.packet(Addr.parse("192.168.56.2:50000"), Addr.parse("192.168.56.200:80"), TcpPacket.SYN);
        ByteBuffer fa = framed(a);
        ByteBuffer fb = framed(b);

        assertEquals(TRANSLATED, proxy.process(fa, AT, a.length, T0));
        assertEquals(TRANSLATED, proxy.process(fb, AT, b.length, T0));

        Addr snatA = source(fa);
        Addr snatB = source(fb);
        assertEquals(Addr.parse("10.244.1.0:50000"), snatA, "the first keeps its port");
        assertEquals(SNAT_IP, snatB.ip);
        assertNotEquals(snatA.port, snatB.port);
        assertEquals(Addr.parse("10.244.2.7:8080"), destination(fa));
        assertEquals(Addr.parse("10.244.2.7:8080"), destination(fb));
        assertEquals(2, proxy.snatted());
    }

    @Test
    void repliesToTwoSnattedClientsGoBackToEach() {
        ServiceProxy proxy = proxy();
        Addr lb = Addr.parse("192.168.56.200:80");
        Addr clientA = Addr.parse("192.168.56.1:50000");
        Addr clientB = Addr.parse("192.168.56.2:50000");
        ByteBuffer fa = framed(Kind.TCP.packet(clientA, lb, TcpPacket.SYN));
        ByteBuffer fb = framed(Kind.TCP.packet(clientB, lb, TcpPacket.SYN));
        proxy.process(fa, AT, fa.capacity() - AT, T0);
        proxy.process(fb, AT, fb.capacity() - AT, T0);

        ByteBuffer replyB = framed(Kind.TCP.packet(destination(fb), source(fb), TcpPacket.SYN | TcpPacket.ACK));
        ByteBuffer replyA = framed(Kind.TCP.packet(destination(fa), source(fa), TcpPacket.SYN | TcpPacket.ACK));

        assertEquals(TRANSLATED, proxy.process(replyB, AT, replyB.capacity() - AT, T0));
        assertEquals(TRANSLATED, proxy.process(replyA, AT, replyA.capacity() - AT, T0));
        assertEquals(clientB, destination(replyB));
        assertEquals(clientA, destination(replyA));
        assertEquals(lb, source(replyB));
        assertEquals(lb, source(replyA));
    }

    // --- ClientIP affinity ---

    @Test
    void affinityPinsAClientAcrossNewConnections() {
        ServiceProxy proxy = proxy();

        List<Addr> picks = List.of(
                send(proxy, Kind.TCP, POD + ":40000", "10.96.0.5:80", T0),
                send(proxy, Kind.TCP, POD + ":40001", "10.96.0.5:80", T0 + SECOND),
                send(proxy, Kind.TCP, POD + ":40002", "10.96.0.5:80", T0 + 2 * SECOND));

        // Round-robin alone would alternate 10.244.1.5, 10.244.2.7, 10.244.1.5.
        assertEquals(List.of(Addr.parse("10.244.1.5:8080"), Addr.parse("10.244.1.5:8080"),
                Addr.parse("10.244.1.5:8080")), picks);
        assertEquals(3, proxy.newFlows());
    }

    @Test
    void affinityHoldsUntilJustBeforeTheTimeout() {
        ServiceProxy proxy = proxy();
        send(proxy, Kind.TCP, POD + ":40000", "10.96.0.5:80", T0);

        Addr later = send(proxy, Kind.TCP, POD + ":40001", "10.96.0.5:80", T0 + AFFINITY - 1);

        assertEquals(Addr.parse("10.244.1.5:8080"), later);
    }

    @Test
    void affinityEndsOnceTheTimeoutPasses() {
        ServiceProxy proxy = proxy();
        send(proxy, Kind.TCP, POD + ":40000", "10.96.0.5:80", T0);

        Addr later = send(proxy, Kind.TCP, POD + ":40001", "10.96.0.5:80", T0 + AFFINITY);

        // The pin is gone, so round-robin picks again: its second pick.
        assertEquals(Addr.parse("10.244.2.7:8080"), later);
    }

    @Test
    void affinityTimeoutRunsFromTheLatestConnection() {
        ServiceProxy proxy = proxy();
        send(proxy, Kind.TCP, POD + ":40000", "10.96.0.5:80", T0);
        send(proxy, Kind.TCP, POD + ":40001", "10.96.0.5:80", T0 + AFFINITY / 2);

        Addr later = send(proxy, Kind.TCP, POD + ":40002", "10.96.0.5:80", T0 + AFFINITY + SECOND);

        assertEquals(Addr.parse("10.244.1.5:8080"), later);
    }

    @Test
    void affinityIsPerClient() {
        ServiceProxy proxy = proxy();

        Addr first = send(proxy, Kind.TCP, POD + ":40000", "10.96.0.5:80", T0);
        Addr other = send(proxy, Kind.TCP, "10.244.2.3:40000", "10.96.0.5:80", T0);

        assertEquals(Addr.parse("10.244.1.5:8080"), first);
        assertEquals(Addr.parse("10.244.2.7:8080"), other);
    }

    @Test
    void theListenerHearsTheEndpointAndWhy() {
        ServiceProxy proxy = proxy();
        List<String> heard = new ArrayList<>();
        proxy.setListener((entry, match, ep, reason) ->
                heard.add(match.port().name() + " " + match.via() + " → " + ep + " (" + reason + ")"));

        send(proxy, Kind.TCP, POD + ":40000", "10.96.0.5:80", T0);
        send(proxy, Kind.TCP, POD + ":40001", "10.96.0.5:80", T0 + SECOND);
        send(proxy, Kind.TCP, OUTSIDE + ":50000", "192.168.56.11:30080", T0);

        assertEquals(List.of(
                "default/sticky:http CLUSTER_IP → 10.244.1.5:8080 (round-robin #0 → 0)",
                "default/sticky:http CLUSTER_IP → 10.244.1.5:8080 (ClientIP affinity, 10799 s left)",
                "default/web:http NODE_PORT → 10.244.1.5:8080 (round-robin #0 → 0)"), heard);
    }

    // --- tracks(): the bridge's question ---

    @ParameterizedTest(name = "{0}")
    @MethodSource("translatedFlows")
    void tracksBothDirectionsOfATranslatedFlow(Flow f) {
        ServiceProxy proxy = proxy();
        byte[] original = f.packet();
        byte[] reply = f.kind.packet(f.newTo, f.newFrom, TcpPacket.SYN | TcpPacket.ACK);
        assertFalse(proxy.tracks(framed(original), AT, original.length, T0), "before the first packet");
        assertFalse(proxy.tracks(framed(reply), AT, reply.length, T0), "before the first packet");

        proxy.process(framed(original), AT, original.length, T0);

        assertTrue(proxy.tracks(framed(original), AT, original.length, T0), "original direction");
        assertTrue(proxy.tracks(framed(reply), AT, reply.length, T0), "reply direction");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("untranslatedFlows")
    void tracksNothingThatWasNotTranslated(Flow f) {
        ServiceProxy proxy = proxy();
        byte[] p = f.packet();
        proxy.process(framed(p), AT, p.length, T0);

        assertFalse(proxy.tracks(framed(p), AT, p.length, T0));
    }

    @Test
    void tracksNothingOnceTheEntryExpired() {
        ServiceProxy proxy = proxy();
        byte[] p = Kind.UDP.packet(Addr.parse(POD + ":40001"), Addr.parse("10.96.0.20:53"), 0);
        proxy.process(framed(p), AT, p.length, T0);

        // Linux's nf_conntrack_udp_timeout: 30 s after a packet seen one way only.
        assertTrue(proxy.tracks(framed(p), AT, p.length, T0 + 30 * SECOND - 1));
        assertFalse(proxy.tracks(framed(p), AT, p.length, T0 + 30 * SECOND));
    }

    @Test
    void tracksAnIcmpErrorAboutATranslatedFlow() {
        // A UDP Service whose endpoint runs on this node, next to the client on the same bridge.
        ServicePort syslog = port("default/syslog:syslog", 17, "10.96.0.30", 514, 0, null, 0, false,
                endpoint("10.244.1.5:5140", true));
        ServiceProxy proxy = new ServiceProxy(new Conntrack(), SNAT_IP, SERVICE_CIDR,
                new IptablesTable(List.of(syslog), NODE_IP));
        byte[] message = Kind.UDP.packet(Addr.parse(POD + ":40001"), Addr.parse("10.96.0.30:514"), 0);
        ByteBuffer frame = framed(message);
        assertEquals(TRANSLATED, proxy.process(frame, AT, message.length, T0));
        byte[] error = icmpError(ip("10.244.1.5"), ip(POD), IcmpPacket.CODE_PORT_UNREACHABLE, ipBytes(frame));

        assertTrue(proxy.tracks(framed(error), AT, error.length, T0));
    }

    // --- ICMP errors about translated flows ---

    @Test
    void portUnreachableFromTheEndpointQuotesTheServiceAddress() {
        ServiceProxy proxy = proxy();
        byte[] query = Kind.UDP.packet(Addr.parse(POD + ":40001"), Addr.parse("10.96.0.20:53"), 0);
        ByteBuffer sent = framed(query);
        proxy.process(sent, AT, query.length, T0);
        // The endpoint has nothing on 5353: it answers with the packet it got, as it got it.
        byte[] error = icmpError(DNS.ip(), ip(POD), IcmpPacket.CODE_PORT_UNREACHABLE, ipBytes(sent));
        ByteBuffer frame = framed(error);

        Verdict verdict = proxy.process(frame, AT, error.length, T0 + 1_000_000);

        assertEquals(TRANSLATED, verdict);
        // The quote is the query the client sent; the outer source stays the endpoint (vnet keeps it, where
        // Linux would show the ClusterIP).
        assertArrayEquals(icmpError(DNS.ip(), ip(POD), IcmpPacket.CODE_PORT_UNREACHABLE, query), ipBytes(frame));
        assertChecksumsVerify(frame);
        Ipv4Packet quote = Ipv4Packet.of(frame, AT + 20 + IcmpPacket.HEADER_LEN, query.length);
        assertTrue(quote.verifyChecksum(), "quoted IPv4 header");
        assertEquals(Addr.parse("10.96.0.20:53"), destination(frame, quote.offset()));
        assertTrue(UdpPacket.of(frame, quote.payloadOffset(), quote.payloadLength())
                .verifyChecksum(quote.source(), quote.destination()), "quoted UDP checksum");
        assertEquals(1, proxy.newFlows());
        assertEquals(2, proxy.translated());
    }

    @Test
    void anErrorToTheSnatAddressGoesBackToTheOutsideClient() {
        ServiceProxy proxy = proxy();
        byte[] syn = Kind.TCP.packet(Addr.parse(OUTSIDE + ":50000"), Addr.parse("192.168.56.11:30080"), TcpPacket.SYN);
        ByteBuffer sent = framed(syn);
        proxy.process(sent, AT, syn.length, T0);
        // RFC 792's minimum quote: the IPv4 header and the first 8 bytes (ports and sequence number).
        byte[] error = icmpError(WEB_1.ip(), SNAT_IP, IcmpPacket.CODE_HOST_UNREACHABLE,
                Arrays.copyOf(ipBytes(sent), 28));
        ByteBuffer frame = framed(error);

        assertEquals(TRANSLATED, proxy.process(frame, AT, error.length, T0));

        assertArrayEquals(icmpError(WEB_1.ip(), ip(OUTSIDE), IcmpPacket.CODE_HOST_UNREACHABLE,
                Arrays.copyOf(syn, 28)), ipBytes(frame));
        assertChecksumsVerify(frame);
    }

    @Test
    void anErrorAboutAnUntrackedFlowPassesUntouched() {
        ServiceProxy proxy = proxy();
        byte[] quote = Kind.UDP.packet(Addr.parse(POD + ":40001"), Addr.parse("10.244.2.9:5353"), 0);
        byte[] error = icmpError(DNS.ip(), ip(POD), IcmpPacket.CODE_PORT_UNREACHABLE, quote);
        ByteBuffer frame = framed(error);

        assertEquals(PASS, proxy.process(frame, AT, error.length, T0));
        assertArrayEquals(error, ipBytes(frame));
        assertEquals(0, proxy.translated());
    }

    @Test
    void aQuoteWhoseHeaderRunsPastThePacketIsNotAnException() {
        ServiceProxy proxy = proxy();
        byte[] quote = Arrays.copyOf(Kind.UDP.packet(Addr.parse(POD + ":40001"), Addr.parse("10.244.2.9:5353"), 0), 28);
        quote[0] = 0x4f; // IHL 15: 60 bytes of header, of which 28 bytes are quoted
        byte[] error = icmpError(DNS.ip(), ip(POD), IcmpPacket.CODE_PORT_UNREACHABLE, quote);

        assertDoesNotThrow(() -> proxy.process(framed(error), AT, error.length, T0));
    }

    @Test
    void aFragmentToALoadBalancerIpIsDropped() {
        ServiceProxy proxy = proxy();
        byte[] p = Kind.TCP_FRAGMENT.packet(Addr.parse(OUTSIDE + ":50000"), Addr.parse("192.168.56.200:80"),
                TcpPacket.SYN);

        assertEquals(DROP, proxy.process(framed(p), AT, p.length, T0));
        assertEquals(1, proxy.drops(DropReason.FRAGMENTED));
    }

    // --- counters over a mixed run ---

    @Test
    void countersAddUpOverAMixedSequence() {
        ServiceProxy proxy = proxy();
        Addr a = send(proxy, Kind.TCP, POD + ":40000", "10.96.0.2:80", T0);            // new flow
        send(proxy, Kind.TCP, POD + ":40000", "10.96.0.2:80", T0);                      // same flow
        send(proxy, Kind.TCP, a.toString(), POD + ":40000", T0);                        // its reply
        send(proxy, Kind.TCP, OUTSIDE + ":50000", "192.168.56.11:30080", T0);            // new flow, SNAT
        send(proxy, Kind.UDP, POD + ":40001", "10.96.0.20:53", T0);                      // new flow
        send(proxy, Kind.TCP, POD + ":40002", "10.96.0.6:80", T0);                       // REJECT
        send(proxy, Kind.TCP, POD + ":40003", "10.96.0.6:80", T0);                       // REJECT
        send(proxy, Kind.TCP, POD + ":40004", "10.96.0.2:81", T0);                       // DROP
        send(proxy, Kind.TCP_FRAGMENT, POD + ":40005", "10.96.0.2:80", T0);              // DROP
        send(proxy, Kind.TCP, POD + ":40006", "10.244.2.7:8080", T0);                    // PASS

        assertEquals(3, proxy.newFlows());
        assertEquals(5, proxy.translated());
        assertEquals(2, proxy.rejected());
        assertEquals(1, proxy.snatted());
        assertEquals(1, proxy.drops(DropReason.NO_SERVICE));
        assertEquals(1, proxy.drops(DropReason.FRAGMENTED));
        assertEquals(3, proxy.conntrack().size());
    }

    @Test
    void aNewTableTakesEffectForNewConnections() {
        ServiceProxy proxy = proxy();
        ServicePort moved = port("default/web:http", 6, "10.96.0.2", 80, 0, null, 0, false, WEB_2);

        proxy.setTable(new IpvsTable(List.of(moved), NODE_IP));

        assertEquals(Addr.parse("10.244.2.7:8080"), send(proxy, Kind.TCP, POD + ":40000", "10.96.0.2:80", T0));
        byte[] toOldNodePort = Kind.TCP.packet(Addr.parse(OUTSIDE + ":50000"), Addr.parse("192.168.56.11:30080"),
                TcpPacket.SYN);
        assertEquals(REJECT, proxy.process(framed(toOldNodePort), AT, toOldNodePort.length, T0),
                "a NodePort no Service has any more is refused at once, not left to time out");
    }

    // --- packets ---

    /** An address and port ("10.244.1.5:8080"); for ICMP echo the port is the identifier. */
    record Addr(int ip, int port) {
        static Addr parse(String text) {
            int colon = text.lastIndexOf(':');
            return new Addr(ServiceProxyTest.ip(text.substring(0, colon)), Integer.parseInt(text.substring(colon + 1)));
        }

        @Override
        public String toString() {
            return Ipv4Address.toString(ip) + ":" + port;
        }
    }

    /** What a row sends. */
    enum Kind {
        TCP, UDP, PING, TCP_FRAGMENT;

        /** A whole IPv4 packet from {@code from} to {@code to}, every checksum summed in full. */
        byte[] packet(Addr from, Addr to, int tcpFlags) {
            return switch (this) {
                case TCP -> ipv4(Ipv4Packet.PROTO_TCP, from.ip, to.ip, false, tcp(from, to, tcpFlags));
                case TCP_FRAGMENT -> ipv4(Ipv4Packet.PROTO_TCP, from.ip, to.ip, true, tcp(from, to, tcpFlags));
                case UDP -> ipv4(Ipv4Packet.PROTO_UDP, from.ip, to.ip, false, udp(from, to));
                case PING -> ipv4(Ipv4Packet.PROTO_ICMP, from.ip, to.ip, false, echo(from.port));
            };
        }
    }

    /** DF set unless {@code moreFragments} (a first fragment: MF set, offset 0), TTL 64, no options. */
    static byte[] ipv4(int protocol, int src, int dst, boolean moreFragments, byte[] l4) {
        ByteBuffer buf = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + l4.length);
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, buf.capacity());
        ip.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN);
        ip.setTotalLength(buf.capacity());
        ip.setIdentification(0x1c46);
        ip.setFlags(!moreFragments, moreFragments);
        ip.setTtl(64);
        ip.setProtocol(protocol);
        ip.setSource(src);
        ip.setDestination(dst);
        buf.put(Ipv4Packet.HEADER_LEN, l4);
        ip.fillChecksum();
        return buf.array();
    }

    static byte[] tcp(Addr from, Addr to, int flags) {
        ByteBuffer buf = ByteBuffer.allocate(TcpPacket.HEADER_LEN + PAYLOAD.length);
        TcpPacket tcp = TcpPacket.of(buf, 0, buf.capacity());
        tcp.setSourcePort(from.port);
        tcp.setDestinationPort(to.port);
        tcp.setSequenceNumber(0xf0e1d2c3L);
        tcp.setAcknowledgmentNumber((flags & TcpPacket.ACK) != 0 ? 0x01020304L : 0);
        tcp.setHeaderLength(TcpPacket.HEADER_LEN);
        tcp.setFlags(flags);
        tcp.setWindow(64240);
        buf.put(TcpPacket.HEADER_LEN, PAYLOAD);
        tcp.fillChecksum(from.ip, to.ip);
        return buf.array();
    }

    static byte[] udp(Addr from, Addr to) {
        ByteBuffer buf = ByteBuffer.allocate(UdpPacket.HEADER_LEN + PAYLOAD.length);
        UdpPacket udp = UdpPacket.of(buf, 0, buf.capacity());
        udp.setSourcePort(from.port);
        udp.setDestinationPort(to.port);
        udp.setUdpLength(buf.capacity());
        buf.put(UdpPacket.HEADER_LEN, PAYLOAD);
        udp.fillChecksum(from.ip, to.ip);
        return buf.array();
    }

    static byte[] echo(int id) {
        ByteBuffer buf = ByteBuffer.allocate(IcmpPacket.HEADER_LEN + PAYLOAD.length);
        IcmpPacket icmp = IcmpPacket.of(buf, 0, buf.capacity());
        icmp.setType(IcmpPacket.TYPE_ECHO_REQUEST);
        icmp.setIdentifier(id);
        icmp.setSequenceNumber(1);
        buf.put(IcmpPacket.HEADER_LEN, PAYLOAD);
        icmp.fillChecksum();
        return buf.array();
    }

    /** A destination unreachable from {@code src} to {@code dst} quoting {@code quote}. */
    static byte[] icmpError(int src, int dst, int code, byte[] quote) {
        ByteBuffer buf = ByteBuffer.allocate(IcmpPacket.HEADER_LEN + quote.length);
        IcmpPacket icmp = IcmpPacket.of(buf, 0, buf.capacity());
        icmp.setType(IcmpPacket.TYPE_DEST_UNREACHABLE);
        icmp.setCode(code);
        buf.put(IcmpPacket.HEADER_LEN, quote);
        icmp.fillChecksum();
        return ipv4(Ipv4Packet.PROTO_ICMP, src, dst, false, buf.array());
    }

    /** {@code packet} after {@link #AT} bytes of Ethernet header, in a big-endian buffer that ends with it. */
    static ByteBuffer framed(byte[] packet) {
        ByteBuffer buf = ByteBuffer.allocate(AT + packet.length);
        buf.put(AT, packet);
        return buf;
    }

    static byte[] ipBytes(ByteBuffer frame) {
        byte[] out = new byte[frame.capacity() - AT];
        frame.get(AT, out);
        return out;
    }

    /** Sends a first packet of {@code kind} and returns where it went (its destination after translation). */
    static Addr send(ServiceProxy proxy, Kind kind, String from, String to, long now) {
        byte[] p = kind.packet(Addr.parse(from), Addr.parse(to), TcpPacket.SYN);
        ByteBuffer frame = framed(p);
        proxy.process(frame, AT, p.length, now);
        return destination(frame);
    }

    static Addr source(ByteBuffer frame) {
        return new Addr(frame.getInt(AT + 12), frame.getShort(AT + 20) & 0xffff);
    }

    static Addr destination(ByteBuffer frame) {
        return destination(frame, AT);
    }

    /** The destination address and port of the IPv4 packet (20-byte header) at {@code ip}. */
    static Addr destination(ByteBuffer frame, int ip) {
        return new Addr(frame.getInt(ip + 16), frame.getShort(ip + 22) & 0xffff);
    }

    /** The IPv4 header checksum, and the TCP, UDP or ICMP checksum over the packet's current addresses. */
    static void assertChecksumsVerify(ByteBuffer frame) {
        Ipv4Packet ip = Ipv4Packet.of(frame, AT, frame.capacity() - AT);
        assertEquals(DropReason.NONE, ip.checkLength());
        assertTrue(ip.verifyChecksum(), "IPv4 header checksum");
        int l4 = ip.payloadOffset();
        int length = ip.payloadLength();
        switch (ip.protocol()) {
            case Ipv4Packet.PROTO_TCP -> assertTrue(TcpPacket.of(frame, l4, length)
                    .verifyChecksum(ip.source(), ip.destination()), "TCP checksum");
            case Ipv4Packet.PROTO_UDP -> {
                UdpPacket udp = UdpPacket.of(frame, l4, length);
                assertNotEquals(0, udp.checksum(), "UDP checksum present");
                assertTrue(udp.verifyChecksum(ip.source(), ip.destination()), "UDP checksum");
            }
            case Ipv4Packet.PROTO_ICMP ->
                    assertTrue(IcmpPacket.of(frame, l4, length).verifyChecksum(), "ICMP checksum");
            default -> throw new AssertionError("protocol " + ip.protocol());
        }
    }

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }
}
