package dev.vnet.nat.service;

import static dev.vnet.nat.service.ServiceProxy.Verdict.DROP;
import static dev.vnet.nat.service.ServiceProxy.Verdict.TRANSLATED;
import static dev.vnet.nat.service.ServiceProxyTest.AT;
import static dev.vnet.nat.service.ServiceProxyTest.NODE_IP;
import static dev.vnet.nat.service.ServiceProxyTest.SECOND;
import static dev.vnet.nat.service.ServiceProxyTest.SERVICE_CIDR;
import static dev.vnet.nat.service.ServiceProxyTest.SNAT_IP;
import static dev.vnet.nat.service.ServiceProxyTest.T0;
import static dev.vnet.nat.service.ServiceProxyTest.destination;
import static dev.vnet.nat.service.ServiceProxyTest.endpoint;
import static dev.vnet.nat.service.ServiceProxyTest.framed;
import static dev.vnet.nat.service.ServiceProxyTest.ip;
import static dev.vnet.nat.service.ServiceProxyTest.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.nat.conntrack.ConnEntry;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.conntrack.Timeouts;
import dev.vnet.nat.lb.Balancer;
import dev.vnet.nat.lb.Choice;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.ServiceProxy.Verdict;
import dev.vnet.nat.service.ServiceProxyTest.Addr;
import dev.vnet.nat.service.ServiceProxyTest.Kind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Service stage under pressure (vnet issue 13): a SYN flood of half-open connections from outside into a
 * NodePort (externalTrafficPolicy Cluster, so every flow is SNATed to the node) must not lock real clients
 * out once the SNAT ports toward the endpoints run out, while established flows are never touched; and every
 * drop says why. The SNAT port range is made small (64 ports) so that a few dozen connections exhaust it.
 */
class ServiceProxyPressureTest {

    static final int PORT_MIN = 40000;
    static final int PORT_MAX = 40063;
    static final int PORTS = PORT_MAX - PORT_MIN + 1;

    static final Endpoint WEB_1 = endpoint("10.244.1.5:8080", true);
    static final Endpoint WEB_2 = endpoint("10.244.2.7:8080", false);
    static final Addr NODE_PORT = Addr.parse("192.168.56.11:30080");
    static final Addr CLUSTER_IP = Addr.parse("10.96.0.2:80");
    static final Addr CLIENT = Addr.parse("192.168.56.1:40000");
    static final String POD = "10.244.1.9";
    static final int OUTSIDE_BASE = ip("198.18.0.0");

    /** Always the first endpoint, with a constant reason: a balancer that allocates nothing. */
    static final class First implements Balancer {
        static final Choice FIRST = new Choice(0, "first");

        @Override
        public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
            return FIRST;
        }

        @Override
        public String name() {
            return "first";
        }
    }

    static ServicePort web(Balancer balancer, Endpoint... endpoints) {
        return new ServicePort("default/web:http", 6, CLUSTER_IP.ip(), 80, NODE_PORT.port(), 0, List.of(endpoints),
                balancer, 0, false, false);
    }

    static ServiceProxy proxy(Conntrack ct, int portMin, int portMax, ServicePort... ports) {
        return new ServiceProxy(ct, SNAT_IP, portMin, portMax, SERVICE_CIDR, new IpvsTable(List.of(ports), NODE_IP));
    }

    static ServiceProxy proxy(ServicePort... ports) {
        return proxy(new Conntrack(), PORT_MIN, PORT_MAX, ports);
    }

    /** What one packet became. */
    record Sent(Verdict verdict, Addr from, Addr to) {}

    static Sent send(ServiceProxy proxy, int flags, Addr from, Addr to, long now) {
        byte[] p = Kind.TCP.packet(from, to, flags);
        ByteBuffer frame = framed(p);
        Verdict v = proxy.process(frame, AT, p.length, now);
        return new Sent(v, source(frame), destination(frame));
    }

    /** The client's SYN, the endpoint's SYN+ACK, the client's ACK: an established, assured connection. */
    static Sent connect(ServiceProxy proxy, Addr client, Addr service, long now) {
        Sent syn = send(proxy, TcpPacket.SYN, client, service, now);
        assertEquals(TRANSLATED, syn.verdict, "SYN from " + client);
        Sent synAck = send(proxy, TcpPacket.SYN | TcpPacket.ACK, syn.to, syn.from, now);
        assertEquals(new Sent(TRANSLATED, service, client), synAck, "SYN+ACK back to " + client);
        assertEquals(TRANSLATED, send(proxy, TcpPacket.ACK, client, service, now).verdict);
        ConnEntry e = proxy.conntrack().find(6, client.ip(), client.port(), service.ip(), service.port(), now);
        assertTrue(e.assured(), "assured: " + e.describe(now));
        return syn;
    }

    /** Outside client number {@code i}: 198.18.x.y (the benchmarking range), port {@code port}. */
    static Addr outside(int i, int port) {
        return new Addr(OUTSIDE_BASE + i, port);
    }

    static void assertNoDrops(ServiceProxy proxy) {
        for (DropReason r : DropReason.values()) {
            assertEquals(0, proxy.drops(r), "drops " + r);
        }
    }

    // --- SNAT ports toward an endpoint ---

    @Test
    void aHalfOpenFloodFromOutsideDoesNotLockOutARealClient() {
        ServiceProxy proxy = proxy(web(new RoundRobinBalancer(), WEB_2));
        // 200 SYNs from distinct outside sources, all from port 40000, never answered: the first keeps its port,
        // the next 63 take the rest of the range, and from then on each takes a port back from a half-open one.
        for (int i = 0; i < 200; i++) {
            assertEquals(TRANSLATED, send(proxy, TcpPacket.SYN, outside(i, 40000), NODE_PORT, T0 + i).verdict);
        }
        assertEquals(PORTS, proxy.conntrack().size(), "every SNAT port toward the endpoint is taken");
        assertEquals(200 - PORTS, proxy.conntrack().reclaimed());

        Sent real = connect(proxy, CLIENT, NODE_PORT, T0 + SECOND);

        assertEquals(Addr.parse("10.244.2.7:8080"), real.to, "DNAT to the endpoint");
        assertEquals(SNAT_IP, real.from.ip(), "SNAT to the node");
        assertTrue(real.from.port() >= PORT_MIN && real.from.port() <= PORT_MAX, "a SNAT port: " + real.from);
        assertEquals(200 - PORTS + 1, proxy.conntrack().reclaimed());
        assertNoDrops(proxy);

        // The flood goes on; the real connection, assured now, keeps its port and endpoint.
        for (int i = 200; i < 400; i++) {
            assertEquals(TRANSLATED, send(proxy, TcpPacket.SYN, outside(i, 40000), NODE_PORT, T0 + 2 * SECOND).verdict);
        }
        Sent data = send(proxy, TcpPacket.PSH | TcpPacket.ACK, CLIENT, NODE_PORT, T0 + 3 * SECOND);
        assertEquals(new Sent(TRANSLATED, real.from, real.to), data);
        assertNoDrops(proxy);
    }

    @Test
    void portsHeldByEstablishedFlowsAreNeverTaken() {
        ServiceProxy proxy = proxy(web(new RoundRobinBalancer(), WEB_2));
        for (int i = 0; i < PORTS; i++) {
            connect(proxy, outside(i, 40000), NODE_PORT, T0);
        }

        Sent refused = send(proxy, TcpPacket.SYN, CLIENT, NODE_PORT, T0 + SECOND);

        assertEquals(DROP, refused.verdict);
        assertEquals(DropReason.SNAT_PORTS_EXHAUSTED, proxy.lastDrop());
        assertEquals(1, proxy.drops(DropReason.SNAT_PORTS_EXHAUSTED));
        assertEquals(0, proxy.conntrack().reclaimed());
        assertEquals(PORTS, proxy.conntrack().size());
        assertTrue(proxy.conntrack().snapshot().stream().allMatch(e -> e.assured() && e.liveAt(T0 + SECOND)));
    }

    @Test
    void theOneHalfOpenFlowAmongEstablishedOnesGivesUpItsPort() {
        ServiceProxy proxy = proxy(web(new RoundRobinBalancer(), WEB_2));
        for (int i = 0; i < PORTS - 1; i++) {
            connect(proxy, outside(i, 40000), NODE_PORT, T0);
        }
        Sent halfOpen = send(proxy, TcpPacket.SYN, outside(PORTS, 40000), NODE_PORT, T0);

        Sent real = connect(proxy, CLIENT, NODE_PORT, T0 + SECOND);
        Sent next = send(proxy, TcpPacket.SYN, Addr.parse("192.168.56.2:40000"), NODE_PORT, T0 + SECOND);

        assertEquals(halfOpen.from, real.from, "the half-open flow's SNAT port");
        assertEquals(DROP, next.verdict, "once the real client is established, no port is left");
        assertEquals(DropReason.SNAT_PORTS_EXHAUSTED, proxy.lastDrop());
        assertEquals(1, proxy.conntrack().reclaimed());
    }

    @Test
    void whenTheChosenEndpointHasNoPortLeftTheNextOneIsTried() {
        ServiceProxy proxy = proxy(web(new First(), WEB_1, WEB_2));
        List<String> heard = new ArrayList<>();
        for (int i = 0; i < PORTS; i++) {
            assertEquals(WEB_1.ip(), connect(proxy, outside(i, 40000), NODE_PORT, T0).to.ip());
        }
        proxy.setListener((entry, match, ep, reason) -> heard.add(ep + " (" + reason + ")"));

        Sent moved = send(proxy, TcpPacket.SYN, CLIENT, NODE_PORT, T0 + SECOND);

        assertEquals(TRANSLATED, moved.verdict);
        assertEquals(Addr.parse("10.244.2.7:8080"), moved.to);
        assertEquals(new Addr(SNAT_IP, CLIENT.port()), moved.from, "toward WEB_2 the client's own port is free");
        assertEquals(1, proxy.snatRedirects());
        assertEquals(List.of("10.244.2.7:8080 (first; no SNAT port left toward 10.244.1.5:8080, so the next endpoint)"),
                heard);
        assertNoDrops(proxy);
    }

    @Test
    void aBadSnatPortRangeIsRefusedWithAOneLineMessage() {
        Conntrack ct = new Conntrack();
        IpvsTable table = new IpvsTable(List.of(), NODE_IP);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ServiceProxy(ct, SNAT_IP, 61000, 32768, SERVICE_CIDR, table));
        assertEquals("the SNAT port range must be FIRST-LAST within 1-65535, got 61000-32768", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ServiceProxy(ct, SNAT_IP, 0, 100, SERVICE_CIDR, table));
        assertThrows(IllegalArgumentException.class, () -> new ServiceProxy(ct, SNAT_IP, 1, 65536, SERVICE_CIDR, table));
    }

    // --- the scenario, at a smaller scale ---

    @Test
    void aSynFloodIntoANodePortLeavesRoomForRealClients() {
        // Two endpoints, 1,024 SNAT ports, 5,000 SYNs from distinct outside sources whose ports fall in the
        // range (as a flood tool's do): round-robin splits them, and the ports toward each endpoint run out.
        int portMin = 40000;
        int ports = 1024;
        Conntrack ct = new Conntrack(Conntrack.DEFAULT_MAX, Timeouts.defaults());
        ServiceProxy proxy = proxy(ct, portMin, portMin + ports - 1, web(new RoundRobinBalancer(), WEB_1, WEB_2));
        long now = T0;
        for (int i = 0; i < 5000; i++, now += 10_000) {
            assertEquals(TRANSLATED, send(proxy, TcpPacket.SYN, outside(i, portMin + i % ports), NODE_PORT, now).verdict);
        }
        for (Endpoint ep : List.of(WEB_1, WEB_2)) {
            for (int port = portMin; port < portMin + ports; port++) {
                assertNotNull(ct.find(6, ep.ip(), ep.port(), SNAT_IP, port, now), "SNAT port " + port + " toward " + ep);
            }
            assertEquals(ports, ct.countTo(ep.ip(), ep.port()));
        }

        Addr client = Addr.parse("192.168.56.1:40321");
        Sent real = connect(proxy, client, NODE_PORT, now);

        assertTrue(real.to.equals(Addr.parse("10.244.1.5:8080")) || real.to.equals(Addr.parse("10.244.2.7:8080")),
                "DNAT to an endpoint: " + real.to);
        assertEquals(SNAT_IP, real.from.ip());
        assertNoDrops(proxy);

        // Another 5,000 SYNs: they churn the half-open entries, never the real connection.
        for (int i = 5000; i < 10_000; i++, now += 10_000) {
            assertEquals(TRANSLATED, send(proxy, TcpPacket.SYN, outside(i, portMin + i % ports), NODE_PORT, now).verdict);
        }
        assertEquals(new Sent(TRANSLATED, real.from, real.to),
                send(proxy, TcpPacket.PSH | TcpPacket.ACK, client, NODE_PORT, now));
        assertEquals(new Sent(TRANSLATED, NODE_PORT, client),
                send(proxy, TcpPacket.PSH | TcpPacket.ACK, real.to, real.from, now), "its replies too");
        assertEquals(2 * ports, ct.size());
        assertEquals(10_001 - 2 * ports, ct.reclaimed(), "every SYN past the ports available took one back");
        assertEquals(0, ct.droppedFull());
        assertNoDrops(proxy);
    }

    // --- no allocation for making room ---

    /** SYNs from outside client {@code base + i}, port {@code portBase + i % portSpan}, into one reused buffer. */
    static final class Syns implements Runnable {
        private final ServiceProxy proxy;
        private final Verdict expected;
        private final int portBase;
        private final int portSpan;
        private final ByteBuffer frame = framed(Kind.TCP.packet(CLIENT, NODE_PORT, TcpPacket.SYN));
        private int next;

        Syns(ServiceProxy proxy, Verdict expected, int first, int portBase, int portSpan) {
            this.proxy = proxy;
            this.expected = expected;
            this.next = first;
            this.portBase = portBase;
            this.portSpan = portSpan;
        }

        @Override
        public void run() {
            // The checksums are left as the last rewrite made them: the proxy does not verify them.
            frame.putInt(AT + 12, OUTSIDE_BASE + next);
            frame.putInt(AT + 16, NODE_PORT.ip());
            frame.putShort(AT + 20, (short) (portBase + next % portSpan));
            frame.putShort(AT + 22, (short) NODE_PORT.port());
            next++;
            if (proxy.process(frame, AT, frame.capacity() - AT, T0 + SECOND) != expected) {
                throw new AssertionError("SYN " + next + " was not " + expected);
            }
        }
    }

    /**
     * A conntrack whose slot array is not rebuilt while a test measures: 100,000 unrelated entries make it
     * 524,288 slots, with room for 90,000 more entries before it grows.
     */
    static Conntrack roomyConntrack() {
        Conntrack ct = new Conntrack(Conntrack.DEFAULT_MAX, Timeouts.defaults());
        for (int i = 0; i < 100_000; i++) {
            ct.create(17, DNS_CLIENTS + i, 53, DNS_IP, 53, DNS_ENDPOINT, 53, DNS_CLIENTS + i, 53, "kube-system/dns:dns", T0);
        }
        return ct;
    }

    static final int DNS_CLIENTS = ip("10.244.3.0");
    static final int DNS_IP = ip("10.96.0.10");
    static final int DNS_ENDPOINT = ip("10.244.2.9");
    static final int WARMUP = 20_000;
    static final int ROUNDS = 20_000;
    /** What the Service table's own lookup may allocate per new flow (ipvs mode boxes its key), and no more. */
    static final long TABLE_LOOKUP_BYTES = 32;

    /** Bytes one conntrack entry costs (the entry and its two tuples), measured rather than assumed. */
    static long entryBytes() {
        Conntrack ct = roomyConntrack();
        int[] next = {0};
        return dev.vnet.nat.AllocationMeter.bytesAllocated(WARMUP, ROUNDS, () -> {
            int client = OUTSIDE_BASE + next[0]++;
            ct.create(6, client, 1000, NODE_PORT.ip(), NODE_PORT.port(), WEB_2.ip(), WEB_2.port(), client, 1000,
                    "default/web:http → 10.244.2.7:8080", T0);
        }) / ROUNDS;
    }

    @Test
    void takingASnatPortBackAllocatesNothingBeyondTheNewEntry() {
        long entry = entryBytes();
        ServiceProxy calm = proxy(roomyConntrack(), PORT_MIN, PORT_MAX, web(new First(), WEB_2));
        ServiceProxy pressed = proxy(roomyConntrack(), PORT_MIN, PORT_MAX, web(new First(), WEB_2));
        for (int i = 0; i < PORTS; i++) {
            assertEquals(TRANSLATED, send(pressed, TcpPacket.SYN, outside(1_000_000 + i, 40000), NODE_PORT, T0).verdict);
        }

        long unpressed = dev.vnet.nat.AllocationMeter.bytesAllocated(WARMUP, ROUNDS,
                new Syns(calm, TRANSLATED, 0, 1024, 60_000)) / ROUNDS;          // the client's own port is free
        long underPressure = dev.vnet.nat.AllocationMeter.bytesAllocated(WARMUP, ROUNDS,
                new Syns(pressed, TRANSLATED, 0, PORT_MIN, PORTS)) / ROUNDS;    // every port held by a half-open flow

        assertEquals(WARMUP + ROUNDS, pressed.conntrack().reclaimed(), "each SYN took a port back");
        assertEquals(PORTS, pressed.conntrack().size() - 100_000);
        assertEquals(0, calm.conntrack().reclaimed());
        assertTrue(unpressed <= entry + TABLE_LOOKUP_BYTES, unpressed + " bytes per new flow, " + entry + " per entry");
        assertTrue(underPressure <= entry + TABLE_LOOKUP_BYTES,
                underPressure + " bytes per new flow taking a port back, " + entry + " per entry");
    }

    @Test
    void refusingANewFlowAllocatesNothing() {
        ServiceProxy exhausted = proxy(web(new First(), WEB_2));
        for (int i = 0; i < PORTS; i++) {
            connect(exhausted, outside(1_000_000 + i, 40000), NODE_PORT, T0);
        }
        ServiceProxy full = proxy(new Conntrack(4, Timeouts.defaults()), PORT_MIN, PORT_MAX, web(new First(), WEB_2));
        for (int i = 0; i < 4; i++) {
            connect(full, outside(1_000_000 + i, 40000), NODE_PORT, T0);
        }

        long noPort = dev.vnet.nat.AllocationMeter.bytesAllocated(WARMUP, ROUNDS,
                new Syns(exhausted, DROP, 0, PORT_MIN, PORTS)) / ROUNDS;
        long tableFull = dev.vnet.nat.AllocationMeter.bytesAllocated(WARMUP, ROUNDS,
                new Syns(full, DROP, 0, 1024, 30_000)) / ROUNDS;

        assertEquals(WARMUP + ROUNDS, exhausted.drops(DropReason.SNAT_PORTS_EXHAUSTED));
        assertEquals(WARMUP + ROUNDS, full.drops(DropReason.CONNTRACK_FULL));
        assertTrue(noPort <= TABLE_LOOKUP_BYTES, noPort + " bytes per SYN refused for want of a SNAT port");
        assertTrue(tableFull <= TABLE_LOOKUP_BYTES, tableFull + " bytes per SYN refused by a full table");
    }

    // --- every drop says why ---

    /** A cause of a drop: a proxy brought to the point where {@code last} is dropped for {@code reason}. */
    record Cause(String name, DropReason reason, Supplier<ServiceProxy> setup, Kind kind, Addr from, Addr to,
                 int cutTo) {
        @Override
        public String toString() {
            return name + " → " + reason;
        }
    }

    static Stream<Cause> causes() {
        Addr pod = Addr.parse(POD + ":40000");
        return Stream.of(
                new Cause("a fragment to a ClusterIP", DropReason.FRAGMENTED,
                        () -> proxy(web(new RoundRobinBalancer(), WEB_1)), Kind.TCP_FRAGMENT, pod, CLUSTER_IP, 0),
                new Cause("a TCP header cut short", DropReason.TRUNCATED,
                        () -> proxy(web(new RoundRobinBalancer(), WEB_1)), Kind.TCP, pod, CLUSTER_IP, 20 + 12),
                new Cause("a port no Service has on a ClusterIP", DropReason.NO_SERVICE,
                        () -> proxy(web(new RoundRobinBalancer(), WEB_1)), Kind.TCP, pod, Addr.parse("10.96.0.2:81"), 0),
                new Cause("an unallocated address in the Service range", DropReason.NO_SERVICE,
                        () -> proxy(web(new RoundRobinBalancer(), WEB_1)), Kind.TCP, pod, Addr.parse("10.96.7.7:80"), 0),
                new Cause("a ping to a ClusterIP", DropReason.SERVICE_PING,
                        () -> proxy(web(new RoundRobinBalancer(), WEB_1)), Kind.PING, Addr.parse(POD + ":7"),
                        Addr.parse("10.96.0.2:7"), 0),
                new Cause("SNAT ports toward the endpoint held by established flows", DropReason.SNAT_PORTS_EXHAUSTED,
                        () -> {
                            ServiceProxy p = proxy(web(new RoundRobinBalancer(), WEB_1));
                            for (int i = 0; i < PORTS; i++) {
                                connect(p, outside(i, 40000), NODE_PORT, T0);
                            }
                            return p;
                        }, Kind.TCP, CLIENT, NODE_PORT, 0),
                new Cause("conntrack full of established flows", DropReason.CONNTRACK_FULL,
                        () -> {
                            ServiceProxy p = proxy(new Conntrack(4, Timeouts.defaults()), PORT_MIN, PORT_MAX,
                                    web(new RoundRobinBalancer(), WEB_1));
                            for (int i = 0; i < 4; i++) {
                                connect(p, Addr.parse(POD + ":" + (40000 + i)), CLUSTER_IP, T0);
                            }
                            return p;
                        }, Kind.TCP, Addr.parse(POD + ":40100"), CLUSTER_IP, 0),
                new Cause("one client port to two Services with the same endpoint", DropReason.TUPLE_CLASH,
                        () -> {
                            ServicePort alias = new ServicePort("default/web-alias:http", 6, ip("10.96.0.8"), 80, 0, 0,
                                    List.of(WEB_1), new RoundRobinBalancer(), 0, false, false);
                            ServiceProxy p = proxy(new Conntrack(), PORT_MIN, PORT_MAX,
                                    web(new RoundRobinBalancer(), WEB_1), alias);
                            assertEquals(TRANSLATED, send(p, TcpPacket.SYN, pod, CLUSTER_IP, T0).verdict);
                            return p;
                        }, Kind.TCP, pod, Addr.parse("10.96.0.8:80"), 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("causes")
    void eachDropHasTheReasonOfItsCause(Cause c) {
        ServiceProxy proxy = c.setup.get();
        assertNoDrops(proxy);
        byte[] p = c.kind.packet(c.from, c.to, TcpPacket.SYN);
        int length = c.cutTo > 0 ? c.cutTo : p.length;

        Verdict v = proxy.process(framed(p), AT, length, T0 + SECOND);

        assertEquals(DROP, v);
        assertEquals(c.reason, proxy.lastDrop(), "the reason the router counts");
        for (DropReason r : DropReason.values()) {
            assertEquals(r == c.reason ? 1 : 0, proxy.drops(r), "drops " + r);
        }
    }

    @Test
    void theCausesCoverEveryReasonTheServiceStageDropsFor() {
        Set<DropReason> reasons = causes().map(Cause::reason).collect(Collectors.toCollection(() -> EnumSet.noneOf(DropReason.class)));
        assertEquals(EnumSet.of(DropReason.FRAGMENTED, DropReason.TRUNCATED, DropReason.NO_SERVICE,
                DropReason.SERVICE_PING, DropReason.SNAT_PORTS_EXHAUSTED, DropReason.CONNTRACK_FULL,
                DropReason.TUPLE_CLASH), reasons);
        assertEquals(DropReason.NONE, proxy(web(new RoundRobinBalancer(), WEB_1)).lastDrop(), "before any drop");
    }
}
