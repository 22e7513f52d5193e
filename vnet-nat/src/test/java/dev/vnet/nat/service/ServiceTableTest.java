package dev.vnet.nat.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.ServiceTable.Match;
import dev.vnet.nat.service.ServiceTable.Via;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** kube-proxy's two modes give the same answers; only the cost of finding them differs. */
class ServiceTableTest {

    static final int TCP = 6;
    static final int UDP = 17;
    static final int NODE_IP = ip("192.168.56.11");

    static final List<Endpoint> ENDPOINTS = List.of(new Endpoint(ip("10.244.1.5"), 8080, "node-1", true, true));

    static ServicePort port(String name, int protocol, String clusterIp, int port, int nodePort, String lbIp) {
        return new ServicePort(name, protocol, clusterIp == null ? 0 : ip(clusterIp), port, nodePort,
                lbIp == null ? 0 : ip(lbIp), ENDPOINTS, new RoundRobinBalancer(), 0, false, false);
    }

    static final List<ServicePort> PORTS = List.of(
            port("default/web:http", TCP, "10.96.0.2", 80, 30080, null),
            port("default/web:https", TCP, "10.96.0.2", 443, 30443, null),
            port("default/lb:http", TCP, "10.96.0.4", 80, 30082, "192.168.56.200"),
            port("kube-system/dns:dns-tcp", TCP, "10.96.0.10", 53, 0, null),
            port("kube-system/dns:dns", UDP, "10.96.0.10", 53, 0, null),
            port("default/syslog:syslog", UDP, "10.96.0.30", 514, 30080, null));

    static final List<String> MODES = List.of("iptables", "ipvs");

    static ServiceTable table(String mode, List<ServicePort> ports) {
        return mode.equals("ipvs") ? new IpvsTable(ports, NODE_IP) : new IptablesTable(ports, NODE_IP);
    }

    /** One query: protocol, destination, and the Service port and way in it must find (null: none). */
    record Query(String name, int protocol, String dst, int dport, String port, Via via) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Query> queries() {
        return Stream.of(
                new Query("ClusterIP", TCP, "10.96.0.2", 80, "default/web:http", Via.CLUSTER_IP),
                new Query("second port of the same ClusterIP", TCP, "10.96.0.2", 443, "default/web:https",
                        Via.CLUSTER_IP),
                new Query("NodePort on the node address", TCP, "192.168.56.11", 30080, "default/web:http",
                        Via.NODE_PORT),
                new Query("NodePort of the LoadBalancer Service", TCP, "192.168.56.11", 30082, "default/lb:http",
                        Via.NODE_PORT),
                new Query("LoadBalancer IP", TCP, "192.168.56.200", 80, "default/lb:http", Via.LOAD_BALANCER),
                new Query("ClusterIP of the LoadBalancer Service", TCP, "10.96.0.4", 80, "default/lb:http",
                        Via.CLUSTER_IP),
                new Query("TCP 53", TCP, "10.96.0.10", 53, "kube-system/dns:dns-tcp", Via.CLUSTER_IP),
                new Query("UDP 53 on the same IP", UDP, "10.96.0.10", 53, "kube-system/dns:dns", Via.CLUSTER_IP),
                new Query("UDP NodePort 30080 next to TCP 30080", UDP, "192.168.56.11", 30080,
                        "default/syslog:syslog", Via.NODE_PORT),
                new Query("UDP to a TCP-only port", UDP, "10.96.0.2", 80, null, null),
                new Query("unknown port on a ClusterIP", TCP, "10.96.0.2", 81, null, null),
                new Query("unknown ClusterIP", TCP, "10.96.0.99", 80, null, null),
                new Query("NodePort on another node's address", TCP, "192.168.56.12", 30080, null, null),
                new Query("NodePort on a ClusterIP", TCP, "10.96.0.2", 30080, null, null),
                new Query("NodePort on the LoadBalancer IP", TCP, "192.168.56.200", 30082, null, null),
                new Query("Service port on the node address", TCP, "192.168.56.11", 80, null, null),
                new Query("unknown port on the LoadBalancer IP", TCP, "192.168.56.200", 81, null, null),
                new Query("a pod", TCP, "10.244.1.5", 8080, null, null));
    }

    static Stream<Arguments> queriesInBothModes() {
        return MODES.stream().flatMap(mode -> queries().map(q -> Arguments.of(mode, q)));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("queriesInBothModes")
    void findsTheServicePort(String mode, Query q) {
        Match m = table(mode, PORTS).match(q.protocol, ip(q.dst), q.dport);

        if (q.port == null) {
            assertNull(m);
            return;
        }
        assertNotNull(m);
        assertEquals(q.port, m.port().name());
        assertEquals(q.via, m.via());
        assertEquals(q.via != Via.CLUSTER_IP, m.external());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("queries")
    void bothModesGiveTheSameAnswer(Query q) {
        Match iptables = table("iptables", PORTS).match(q.protocol, ip(q.dst), q.dport);
        Match ipvs = table("ipvs", PORTS).match(q.protocol, ip(q.dst), q.dport);

        assertEquals(iptables == null ? null : List.of(iptables.port(), iptables.via()),
                ipvs == null ? null : List.of(ipvs.port(), ipvs.via()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("virtualIps")
    void knowsTheVirtualIps(String ip, boolean virtual) {
        for (String mode : MODES) {
            assertEquals(virtual, table(mode, PORTS).isVirtualIp(ip(ip)), mode);
        }
    }

    static Stream<Arguments> virtualIps() {
        return Stream.of(
                Arguments.of("10.96.0.2", true),
                Arguments.of("10.96.0.10", true),
                Arguments.of("192.168.56.200", true),
                Arguments.of("10.96.0.99", false),
                Arguments.of("192.168.56.11", false),
                Arguments.of("10.244.1.5", false));
    }

    @Test
    void aHeadlessPortHasNoClusterIpRule() {
        ServicePort noIp = port("default/headless:http", TCP, null, 80, 0, null);

        for (String mode : MODES) {
            ServiceTable t = table(mode, List.of(noIp));
            assertNull(t.match(TCP, 0, 80), mode);
            assertEquals(false, t.isVirtualIp(0), mode);
        }
    }

    @Test
    void keepsItsPortsAndNamesItsMode() {
        List<ServicePort> ports = new ArrayList<>(PORTS);
        ServiceTable iptables = new IptablesTable(ports, NODE_IP);
        ServiceTable ipvs = new IpvsTable(ports, NODE_IP);
        ports.clear();

        assertEquals(PORTS, iptables.ports());
        assertEquals(PORTS, ipvs.ports());
        assertEquals("iptables", iptables.mode());
        assertEquals("ipvs", ipvs.mode());
    }

    @Test
    void theMatchCarriesTheServicePortItself() {
        for (String mode : MODES) {
            assertSame(PORTS.get(2), table(mode, PORTS).match(TCP, ip("192.168.56.200"), 80).port(), mode);
        }
    }

    // --- cost ---

    /** {@code n} ClusterIP Services on port 80: 10.96.0.1, 10.96.0.2, ... */
    static List<ServicePort> many(int n) {
        List<ServicePort> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(port("default/svc-" + i + ":http", TCP, Ipv4Address.toString(ip("10.96.0.0") + i), 80,
                    30000 + i, null));
        }
        return out;
    }

    static int evaluated(BiFunction<List<ServicePort>, Integer, ServiceTable> mode, int services, String dst,
                         int port) {
        return mode.apply(many(services), NODE_IP).match(TCP, ip(dst), port).rulesEvaluated();
    }

    @Test
    void iptablesEvaluatesOneRulePerServiceBeforeTheMatch() {
        assertEquals(1, evaluated(IptablesTable::new, 1000, "10.96.0.1", 80));
        assertEquals(500, evaluated(IptablesTable::new, 1000, "10.96.1.244", 80)); // 10.96.0.0 + 500
        assertEquals(1000, evaluated(IptablesTable::new, 1000, "10.96.3.232", 80)); // 10.96.0.0 + 1000
    }

    @Test
    void iptablesWalksEveryServiceRuleBeforeTheNodePorts() {
        // 1000 ClusterIP rules, the jump to KUBE-NODEPORTS, then the NodePort rules up to the 7th.
        assertEquals(1000 + 1 + 7, evaluated(IptablesTable::new, 1000, "192.168.56.11", 30007));
    }

    @Test
    void iptablesCostGrowsWithTheNumberOfServices() {
        assertEquals(10, evaluated(IptablesTable::new, 10, "10.96.0.10", 80));
        assertEquals(100, evaluated(IptablesTable::new, 100, "10.96.0.100", 80));
        assertEquals(1000, evaluated(IptablesTable::new, 1000, "10.96.3.232", 80));
    }

    @Test
    void ipvsLooksUpOnceHoweverManyServices() {
        assertEquals(1, evaluated(IpvsTable::new, 1000, "10.96.0.1", 80));
        assertEquals(1, evaluated(IpvsTable::new, 1000, "10.96.3.232", 80));
        assertEquals(1, evaluated(IpvsTable::new, 1000, "192.168.56.11", 30007));
        assertEquals(1, evaluated(IpvsTable::new, 10, "10.96.0.10", 80));
    }

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }
}
