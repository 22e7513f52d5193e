package dev.vnet.apiserver.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.K8s;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.SessionAffinityConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the API server fills in for a Service, and what it refuses, in its own words. */
class ServiceAllocatorTest {

    /** The lab's defaults: the Service CIDR, with the kubernetes and kube-dns Services' IPs reserved. */
    final ServiceAllocator allocator = new ServiceAllocator(Cidr.parse("10.96.0.0/12"),
            Set.of(ip("10.96.0.1"), ip("10.96.0.10")), Ipv4Address.parse("192.168.56.200"),
            Ipv4Address.parse("192.168.56.250"));

    // --- fixtures ---

    static ServicePort tcp(int port) {
        return K8s.servicePort(null, null, port, null, null);
    }

    static ServicePort named(String name, String protocol, int port, Integer nodePort) {
        return K8s.servicePort(name, protocol, port, K8s.target(8080), nodePort);
    }

    static Service service(String name, String type, String clusterIp, ServicePort... ports) {
        return K8s.service(K8s.meta(name, "default"),
                K8s.serviceSpec(type, Map.of("app", name), Arrays.asList(ports), clusterIp), null);
    }

    static Service withSpec(Service s, String sessionAffinity, SessionAffinityConfig config,
                            String loadBalancerIp, String externalName) {
        ServiceSpec p = new io.fabric8.kubernetes.api.model.ServiceSpecBuilder(s.getSpec()).withSessionAffinity(sessionAffinity)
                .withSessionAffinityConfig(config).withExternalName(externalName).withLoadBalancerIP(loadBalancerIp).build();
        return K8s.withSpec(s, p);
    }

    /** A Service already stored with this ClusterIP. */
    static Service holding(String name, String clusterIp) {
        return service(name, ServiceKind.CLUSTER_IP, clusterIp, tcp(80));
    }

    /** A NodePort Service already stored with this node port. */
    static Service holdingNodePort(String name, String protocol, int nodePort) {
        return service(name, ServiceKind.NODE_PORT, "10.96.5.5", named("p", protocol, 80, nodePort));
    }

    /** A LoadBalancer Service already stored with this ingress IP. */
    static Service holdingLbIp(String name, String ip) {
        Service s = service(name, ServiceKind.LOAD_BALANCER, "10.96.6.6", tcp(80));
        s.setStatus(K8s.lbStatus(ip));
        return s;
    }

    Service allocate(Service want, Service existing, Service... others) throws ApiException {
        return allocator.allocate(want, existing, List.of(others));
    }

    String refusal(Service want, Service existing, Service... others) {
        return assertThrows(ApiException.class, () -> allocate(want, existing, others)).getMessage();
    }

    // --- ClusterIP ---

    @Test
    void theFirstClusterIpSkipsTheNetworkAddressAndTheReservedOne() throws ApiException {
        Service s = allocate(service("web", null, null, tcp(80)), null);

        assertEquals("10.96.0.2", s.getSpec().getClusterIP());
        assertEquals(List.of("10.96.0.2"), s.getSpec().getClusterIPs());
    }

    @Test
    void clusterIpsInUseAndReservedAreSkipped() throws ApiException {
        List<Service> others = new ArrayList<>();
        for (int i = 2; i <= 9; i++) {
            others.add(holding("s" + i, "10.96.0." + i));
        }

        Service s = allocator.allocate(service("web", null, null, tcp(80)), null, others);

        assertEquals("10.96.0.11", s.getSpec().getClusterIP());
    }

    @Test
    void anEmptyClusterIpIsAllocated() throws ApiException {
        assertEquals("10.96.0.2", allocate(service("web", null, "", tcp(80)), null).getSpec().getClusterIP());
    }

    @Test
    void aGivenFreeClusterIpIsKept() throws ApiException {
        assertEquals("10.100.1.1", allocate(service("web", null, "10.100.1.1", tcp(80)), null).getSpec().getClusterIP());
    }

    @Test
    void aGivenClusterIpOutsideTheRangeIsRefused() {
        assertEquals("Service web: spec.clusterIP: Invalid value: \"10.0.0.5\": provided IP is not in the valid "
                + "range 10.96.0.0/12", refusal(service("web", null, "10.0.0.5", tcp(80)), null));
    }

    @Test
    void aGivenClusterIpInUseIsRefused() {
        assertEquals("Service web: spec.clusterIP: Invalid value: \"10.96.0.7\": provided IP is already allocated",
                refusal(service("web", null, "10.96.0.7", tcp(80)), null, holding("other", "10.96.0.7")));
    }

    @Test
    void aGivenReservedClusterIpIsRefused() {
        assertEquals("Service web: spec.clusterIP: Invalid value: \"10.96.0.10\": provided IP is already allocated",
                refusal(service("web", null, "10.96.0.10", tcp(80)), null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.96.0.0", "10.111.255.255"})
    void theNetworkAndBroadcastAddressesAreNotInTheValidRange(String ip) {
        String why = refusal(service("web", null, ip, tcp(80)), null);

        assertEquals("Service web: spec.clusterIP: Invalid value: \"" + ip + "\": provided IP is not in the valid "
                + "range 10.96.0.0/12", why);
    }

    @Test
    void anUpdateKeepsTheClusterIp() throws ApiException {
        Service existing = service("web", null, "10.96.0.7", tcp(80));

        Service s = allocate(service("web", null, null, tcp(80), tcp(81)), existing);

        assertEquals("10.96.0.7", s.getSpec().getClusterIP());
    }

    @Test
    void anUpdateGivingTheSameClusterIpIsAccepted() throws ApiException {
        Service existing = service("web", null, "10.96.0.7", tcp(80));

        assertEquals("10.96.0.7", allocate(service("web", null, "10.96.0.7", tcp(80)), existing).getSpec().getClusterIP());
    }

    @Test
    void anUpdateChangingTheClusterIpIsRefused() {
        Service existing = service("web", null, "10.96.0.7", tcp(80));

        assertEquals("Service web: spec.clusterIP: field is immutable (it is 10.96.0.7): delete the Service to "
                + "change it", refusal(service("web", null, "10.96.0.8", tcp(80)), existing));
    }

    @Test
    void headlessKeepsNone() throws ApiException {
        Service s = allocate(service("db", null, "None", tcp(5432)), null);

        assertEquals("None", s.getSpec().getClusterIP());
        assertEquals(List.of("None"), s.getSpec().getClusterIPs());
    }

    @Test
    void anUpdateOfAHeadlessServiceStaysHeadless() throws ApiException {
        Service existing = service("db", null, "None", tcp(5432));

        assertEquals("None", allocate(service("db", null, null, tcp(5432)), existing).getSpec().getClusterIP());
    }

    @Test
    void headlessServicesTakeNoClusterIp() throws ApiException {
        Service s = allocate(service("web", null, null, tcp(80)), null, holding("db", "None"));

        assertEquals("10.96.0.2", s.getSpec().getClusterIP());
    }

    @Test
    void externalNameGetsNoClusterIp() throws ApiException {
        Service want = withSpec(service("db", ServiceKind.EXTERNAL_NAME, null), null, null, null, "db.example.com");

        Service s = allocate(want, null);

        assertNull(s.getSpec().getClusterIP());
        assertTrue(s.getSpec().getClusterIPs().isEmpty());
        assertNull(s.getSpec().getInternalTrafficPolicy());
        assertEquals("db.example.com", s.getSpec().getExternalName());
    }

    // --- NodePorts ---

    @Test
    void nodePortsAreAllocatedFrom30000() throws ApiException {
        Service s = allocate(service("web", ServiceKind.NODE_PORT, null, named("http", null, 80, null),
                named("https", null, 443, null)), null);

        assertEquals(List.of(30000, 30001), nodePorts(s));
    }

    @Test
    void nodePortsInUseAreSkipped() throws ApiException {
        Service s = allocate(service("web", ServiceKind.NODE_PORT, null, tcp(80)), null,
                holdingNodePort("a", "TCP", 30000), holdingNodePort("b", null, 30001));

        assertEquals(List.of(30002), nodePorts(s));
    }

    @Test
    void aNodePortInUseOverTcpIsFreeOverUdp() throws ApiException {
        Service s = allocate(service("dns", ServiceKind.NODE_PORT, null, named("dns", "UDP", 53, 30080)), null,
                holdingNodePort("web", "TCP", 30080));

        assertEquals(List.of(30080), nodePorts(s));
    }

    @Test
    void anAutomaticNodePortIsPerProtocol() throws ApiException {
        Service s = allocate(service("dns", ServiceKind.NODE_PORT, null, named("dns", "UDP", 53, null)), null,
                holdingNodePort("web", "TCP", 30000));

        assertEquals(List.of(30000), nodePorts(s));
    }

    @Test
    void aGivenNodePortInRangeIsKept() throws ApiException {
        assertEquals(List.of(30000, 32767), nodePorts(allocate(service("web", ServiceKind.NODE_PORT, null,
                named("a", null, 80, 30000), named("b", null, 81, 32767)), null)));
    }

    @ParameterizedTest
    @ValueSource(ints = {80, 29999, 32768})
    void aGivenNodePortOutOfRangeIsRefused(int nodePort) {
        assertEquals("Service web: spec.ports[].nodePort: Invalid value: " + nodePort + ": provided port is not in "
                + "the valid range 30000-32767",
                refusal(service("web", ServiceKind.NODE_PORT, null, named("http", null, 80, nodePort)), null));
    }

    @Test
    void aGivenNodePortInUseIsRefused() {
        assertEquals("Service web: spec.ports[].nodePort: Invalid value: 30080: provided port is already allocated",
                refusal(service("web", ServiceKind.NODE_PORT, null, named("http", "TCP", 80, 30080)), null,
                        holdingNodePort("other", null, 30080)));
    }

    @Test
    void twoPortsOfOneServiceCannotShareANodePort() {
        assertEquals("Service web: spec.ports[].nodePort: Invalid value: 30080: provided port is already allocated",
                refusal(service("web", ServiceKind.NODE_PORT, null, named("a", null, 80, 30080),
                        named("b", null, 81, 30080)), null));
    }

    @Test
    void anUpdateKeepsTheNodePorts() throws ApiException {
        Service existing = service("web", ServiceKind.NODE_PORT, "10.96.0.7", named("http", null, 80, 30123),
                named("dns", "UDP", 53, 30124));

        Service s = allocate(service("web", ServiceKind.NODE_PORT, null, named("http", null, 80, null),
                named("dns", "UDP", 53, null)), existing);

        assertEquals(List.of(30123, 30124), nodePorts(s));
        assertEquals("10.96.0.7", s.getSpec().getClusterIP());
    }

    @Test
    void aClusterIpServiceHasNoNodePorts() throws ApiException {
        Service s = allocate(service("web", ServiceKind.CLUSTER_IP, null, named("http", null, 80, null)), null);

        assertEquals(Arrays.asList((Integer) null), nodePorts(s));
    }

    @Test
    void aLoadBalancerServiceGetsNodePortsToo() throws ApiException {
        assertEquals(List.of(30000), nodePorts(allocate(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), null)));
    }

    @Test
    void portsGetTheirDefaults() throws ApiException {
        Service s = allocate(service("web", null, null, tcp(80)), null);

        assertEquals(K8s.servicePort(null, "TCP", 80, K8s.target(80), null), s.getSpec().getPorts().get(0));
    }

    @Test
    void trafficPoliciesDefaultToCluster() throws ApiException {
        Service nodePort = allocate(service("web", ServiceKind.NODE_PORT, null, tcp(80)), null);
        Service clusterIp = allocate(service("web", ServiceKind.CLUSTER_IP, null, tcp(80)), null);

        assertEquals("Cluster", nodePort.getSpec().getExternalTrafficPolicy());
        assertEquals("Cluster", nodePort.getSpec().getInternalTrafficPolicy());
        assertNull(clusterIp.getSpec().getExternalTrafficPolicy());
        assertEquals("Cluster", clusterIp.getSpec().getInternalTrafficPolicy());
    }

    // --- LoadBalancer IPs ---

    @Test
    void theFirstLoadBalancerIpIsTheStartOfThePool() throws ApiException {
        assertEquals("192.168.56.200", ServiceKind.loadBalancerIp(allocate(service("web", ServiceKind.LOAD_BALANCER,
                null, tcp(80)), null)));
    }

    @Test
    void loadBalancerIpsInUseAreSkipped() throws ApiException {
        Service s = allocate(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), null,
                holdingLbIp("a", "192.168.56.200"), holdingLbIp("b", "192.168.56.201"));

        assertEquals("192.168.56.202", ServiceKind.loadBalancerIp(s));
    }

    @Test
    void aGivenLoadBalancerIpInThePoolIsUsed() throws ApiException {
        Service want = withSpec(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), null, null,
                "192.168.56.250", null);

        Service s = allocate(want, null);

        assertEquals("192.168.56.250", ServiceKind.loadBalancerIp(s));
        assertEquals("192.168.56.250", s.getSpec().getLoadBalancerIP());
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.168.56.199", "192.168.56.251", "10.0.0.1"})
    void aGivenLoadBalancerIpOutsideThePoolIsRefused(String ip) {
        Service want = withSpec(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), null, null, ip, null);

        assertEquals("Service web: spec.loadBalancerIP: " + ip + " is not in the pool 192.168.56.200-192.168.56.250",
                refusal(want, null));
    }

    @Test
    void aGivenLoadBalancerIpInUseIsRefused() {
        Service want = withSpec(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), null, null,
                "192.168.56.210", null);

        assertEquals("Service web: spec.loadBalancerIP: 192.168.56.210 is already allocated",
                refusal(want, null, holdingLbIp("other", "192.168.56.210")));
    }

    @Test
    void anExhaustedPoolIsRefused() {
        List<Service> others = new ArrayList<>();
        for (int i = 200; i <= 250; i++) {
            others.add(holdingLbIp("lb" + i, "192.168.56." + i));
        }

        ApiException e = assertThrows(ApiException.class,
                () -> allocator.allocate(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), null, others));

        assertEquals("Service web: the LoadBalancer pool 192.168.56.200-192.168.56.250 is exhausted", e.getMessage());
    }

    @Test
    void anUpdateKeepsTheLoadBalancerIp() throws ApiException {
        Service existing = holdingLbIp("web", "192.168.56.222");

        Service s = allocate(service("web", ServiceKind.LOAD_BALANCER, null, tcp(80)), existing,
                holdingLbIp("other", "192.168.56.200"));

        assertEquals("192.168.56.222", ServiceKind.loadBalancerIp(s));
    }

    @Test
    void onlyLoadBalancerServicesGetAStatus() throws ApiException {
        assertNull(allocate(service("web", ServiceKind.NODE_PORT, null, tcp(80)), null).getStatus());
    }

    // --- session affinity ---

    @Test
    void sessionAffinityDefaultsToNone() throws ApiException {
        Service s = allocate(service("web", null, null, tcp(80)), null);

        assertEquals("None", s.getSpec().getSessionAffinity());
        assertNull(s.getSpec().getSessionAffinityConfig());
    }

    @Test
    void clientIpAffinityDefaultsToThreeHours() throws ApiException {
        Service s = allocate(withSpec(service("web", null, null, tcp(80)), "ClientIP", null, null, null), null);

        assertEquals(10800, s.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds());
    }

    @Test
    void clientIpAffinityKeepsAGivenTimeout() throws ApiException {
        SessionAffinityConfig sixty = K8s.clientIp(60);

        Service s = allocate(withSpec(service("web", null, null, tcp(80)), "ClientIP", sixty, null, null), null);

        assertEquals(60, s.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds());
    }

    @Test
    void clientIpAffinityWithAnEmptyConfigGetsTheDefault() throws ApiException {
        SessionAffinityConfig empty = K8s.clientIp(null);

        Service s = allocate(withSpec(service("web", null, null, tcp(80)), "ClientIP", empty, null, null), null);

        assertEquals(10800, s.getSpec().getSessionAffinityConfig().getClientIP().getTimeoutSeconds());
    }

    // --- helpers ---

    static List<Integer> nodePorts(Service s) {
        return s.getSpec().getPorts().stream().map(ServicePort::getNodePort).toList();
    }

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }
}
