package dev.vnet.apiserver.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.EndpointSlice;
import dev.vnet.apiserver.api.Endpoints;
import dev.vnet.apiserver.api.IntOrString;
import dev.vnet.apiserver.api.ObjectMeta;
import dev.vnet.apiserver.api.Pod;
import dev.vnet.apiserver.api.Service;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Endpoints and EndpointSlices of a Service, computed from pods as Kubernetes' controllers do. */
class EndpointsControllerTest {

    // --- fixtures ---

    static Service service(String name, Map<String, String> selector, Service.ServicePort... ports) {
        return new Service("v1", Service.KIND, new ObjectMeta(name, "default", Map.of("team", "a"), null, null,
                "2024-01-01T00:00:00Z", null),
                new Service.Spec(Service.CLUSTER_IP, selector, Arrays.asList(ports), "10.96.0.2", null, null, null,
                        null, null, null, null), null);
    }

    static Service web() {
        return service("web", Map.of("app", "web"),
                new Service.ServicePort("http", "TCP", 80, IntOrString.of(8080), null));
    }

    static Pod pod(String name, String namespace, Map<String, String> labels, String phase, String ip,
                   Pod.ContainerPort... ports) {
        return new Pod("v1", Pod.KIND, new ObjectMeta(name, namespace, labels, null, null, null, null),
                new Pod.Spec("node-1", null, null, null,
                        List.of(new Pod.Container("app", "whoami", null, null, Arrays.asList(ports), null))),
                new Pod.Status(phase, null, null, null, ip, null, null, null));
    }

    static Pod running(String name, String ip, Pod.ContainerPort... ports) {
        return pod(name, "default", Map.of("app", "web"), "Running", ip, ports);
    }

    static Pod.ContainerPort containerPort(String name, int port) {
        return new Pod.ContainerPort(name, port, null);
    }

    static Endpoints.Address address(String ip, String pod) {
        return new Endpoints.Address(ip, null, "node-1", new Endpoints.TargetRef("Pod", "default", pod));
    }

    static List<String> ips(List<Endpoints.Address> addresses) {
        return addresses == null ? null : addresses.stream().map(Endpoints.Address::ip).toList();
    }

    static Endpoints.Subset onlySubset(Endpoints ep) {
        assertEquals(1, ep.subsets().size(), "subsets: " + ep.subsets());
        return ep.subsets().get(0);
    }

    // --- endpointsFor ---

    @Test
    void runningPodsMatchingTheSelectorAreAddresses() {
        Endpoints ep = EndpointsController.endpointsFor(web(),
                List.of(running("web-a", "10.244.1.5"), running("web-b", "10.244.2.7")));

        assertEquals(List.of(new Endpoints.Subset(
                List.of(address("10.244.1.5", "web-a"), address("10.244.2.7", "web-b")), null,
                List.of(new Endpoints.Port("http", 8080, "TCP")))), ep.subsets());
    }

    @Test
    void theEndpointsAreNamedAndLabelledAfterTheService() {
        Endpoints ep = EndpointsController.endpointsFor(web(), List.of(running("web-a", "10.244.1.5")));

        assertEquals("v1", ep.apiVersion());
        assertEquals(Endpoints.KIND, ep.kind());
        assertEquals(new ObjectMeta("web", "default", Map.of("team", "a"), null, null, "2024-01-01T00:00:00Z", null),
                ep.metadata());
    }

    @Test
    void podsNotMatchingTheSelectorAreLeftOut() {
        Service svc = service("web", Map.of("app", "web", "tier", "front"),
                new Service.ServicePort(null, "TCP", 80, null, null));
        List<Pod> pods = List.of(
                pod("match", "default", Map.of("app", "web", "tier", "front", "extra", "x"), "Running", "10.244.1.5"),
                pod("other-value", "default", Map.of("app", "web", "tier", "back"), "Running", "10.244.1.6"),
                pod("missing-key", "default", Map.of("app", "web"), "Running", "10.244.1.7"),
                pod("no-labels", "default", null, "Running", "10.244.1.8"));

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(svc, pods)).addresses()));
    }

    @Test
    void podsOfOtherNamespacesAreLeftOut() {
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "prod", Map.of("app", "web"), "Running", "10.244.1.6"));

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(web(), pods)).addresses()));
    }

    @Test
    void podsWithoutAnIpAreLeftOut() {
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "default", Map.of("app", "web"), "Pending", null),
                pod("web-c", "default", Map.of("app", "web"), "Running", null));

        Endpoints.Subset subset = onlySubset(EndpointsController.endpointsFor(web(), pods));

        assertEquals(List.of("10.244.1.5"), ips(subset.addresses()));
        assertNull(subset.notReadyAddresses());
    }

    @Test
    void podsWithoutAStatusAreLeftOut() {
        Pod noStatus = running("web-b", "10.244.1.6").withStatus(null);

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(web(),
                List.of(running("web-a", "10.244.1.5"), noStatus))).addresses()));
    }

    @Test
    void podsThatAreNotRunningAreNotReadyAddresses() {
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "default", Map.of("app", "web"), "Pending", "10.244.1.6"));

        Endpoints.Subset subset = onlySubset(EndpointsController.endpointsFor(web(), pods));

        assertEquals(List.of("10.244.1.5"), ips(subset.addresses()));
        assertEquals(List.of("10.244.1.6"), ips(subset.notReadyAddresses()));
    }

    @Test
    void noMatchingPodMeansNoSubsets() {
        Endpoints ep = EndpointsController.endpointsFor(web(),
                List.of(pod("db", "default", Map.of("app", "db"), "Running", "10.244.1.5")));

        assertNull(ep.subsets());
    }

    @Test
    void addressesAreSortedByIpNumericallyNotAsText() {
        List<Pod> pods = List.of(running("c", "10.244.2.3"), running("a", "10.244.1.10"), running("b", "10.244.1.9"),
                pod("d", "default", Map.of("app", "web"), "Pending", "10.244.1.100"),
                pod("e", "default", Map.of("app", "web"), "Pending", "10.244.1.20"));

        Endpoints.Subset subset = onlySubset(EndpointsController.endpointsFor(web(), pods));

        assertEquals(List.of("10.244.1.9", "10.244.1.10", "10.244.2.3"), ips(subset.addresses()));
        assertEquals(List.of("10.244.1.20", "10.244.1.100"), ips(subset.notReadyAddresses()));
    }

    @Test
    void aNamedTargetPortIsResolvedPerPod() {
        Service svc = service("web", Map.of("app", "web"), new Service.ServicePort("http", "TCP", 80,
                IntOrString.of("web-http"), null));
        List<Pod> pods = List.of(
                running("old", "10.244.1.5", containerPort("web-http", 8080)),
                running("new", "10.244.1.6", containerPort("metrics", 9100), containerPort("web-http", 9090)),
                running("old-2", "10.244.1.7", containerPort("web-http", 8080)));

        Endpoints ep = EndpointsController.endpointsFor(svc, pods);

        assertEquals(List.of(
                new Endpoints.Subset(List.of(address("10.244.1.5", "old"), address("10.244.1.7", "old-2")), null,
                        List.of(new Endpoints.Port("http", 8080, "TCP"))),
                new Endpoints.Subset(List.of(address("10.244.1.6", "new")), null,
                        List.of(new Endpoints.Port("http", 9090, "TCP")))), ep.subsets());
    }

    @Test
    void aPodWithoutTheNamedPortIsLeftOut() {
        Service svc = service("web", Map.of("app", "web"), new Service.ServicePort("http", "TCP", 80,
                IntOrString.of("web-http"), null));
        List<Pod> pods = List.of(running("has", "10.244.1.5", containerPort("web-http", 8080)),
                running("lacks", "10.244.1.6", containerPort("other", 8080)),
                running("none", "10.244.1.7"));

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(svc, pods)).addresses()));
    }

    @Test
    void aNamedPortMustHaveTheServicePortsProtocol() {
        Service svc = service("dns", Map.of("app", "web"), new Service.ServicePort("dns", "UDP", 53,
                IntOrString.of("dns"), null));
        Pod tcpOnly = running("tcp-only", "10.244.1.5", containerPort("dns", 5353));
        Pod udp = running("udp", "10.244.1.6", new Pod.ContainerPort("dns", 5353, "UDP"));

        assertNull(EndpointsController.resolvePorts(svc, tcpOnly));
        assertEquals(List.of(new Endpoints.Port("dns", 5353, "UDP")), EndpointsController.resolvePorts(svc, udp));
    }

    @Test
    void aMissingTargetPortIsTheServicePort() {
        Service svc = service("web", Map.of("app", "web"), new Service.ServicePort("http", null, 80, null, null));

        assertEquals(List.of(new Endpoints.Port("http", 80, "TCP")),
                EndpointsController.resolvePorts(svc, running("a", "10.244.1.5")));
    }

    @Test
    void everyServicePortIsResolved() {
        Service svc = service("web", Map.of("app", "web"),
                new Service.ServicePort("http", "TCP", 80, IntOrString.of("web-http"), null),
                new Service.ServicePort("metrics", "TCP", 9100, IntOrString.of(9100), null));

        assertEquals(List.of(new Endpoints.Port("http", 8080, "TCP"), new Endpoints.Port("metrics", 9100, "TCP")),
                EndpointsController.resolvePorts(svc, running("a", "10.244.1.5", containerPort("web-http", 8080))));
    }

    @Test
    void aHeadlessServiceNamesPodsThatAskForItsSubdomain() {
        Service svc = service("db", Map.of("app", "web"), new Service.ServicePort(null, "TCP", 5432, null, null));
        svc = svc.withSpec(new Service.Spec(null, svc.spec().selector(), svc.spec().ports(), "None", null, null,
                null, null, null, null, null));
        Pod named = running("db-0", "10.244.1.5");
        named = named.withSpec(new Pod.Spec("node-1", "db-0", "db", null, named.spec().containers()));
        Pod unnamed = running("db-1", "10.244.1.6");

        List<Endpoints.Address> addresses = onlySubset(EndpointsController.endpointsFor(svc,
                List.of(named, unnamed))).addresses();

        assertEquals("db-0", addresses.get(0).hostname());
        assertNull(addresses.get(1).hostname());
    }

    @Test
    void anEmptySelectorMatchesEveryPod() {
        assertTrue(EndpointsController.matches(Map.of(), running("a", "10.244.1.5")));
        assertFalse(EndpointsController.matches(Map.of("app", "db"), running("a", "10.244.1.5")));
    }

    // --- slicesFor ---

    /** {@code n} running pods 10.244.1.1, 10.244.1.2, ... (10.244.2.x past 250). */
    static List<Pod> runningPods(int n) {
        List<Pod> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(running("web-" + i, "10.244." + (1 + (i - 1) / 250) + "." + (1 + (i - 1) % 250)));
        }
        return out;
    }

    @Test
    void twoHundredFiftyEndpointsMakeSlicesOf100And100And50() {
        Service svc = web();
        List<EndpointSlice> slices = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, runningPods(250)));

        assertEquals(List.of(100, 100, 50), slices.stream().map(s -> s.endpoints().size()).toList());
    }

    @Test
    void slicesHoldEveryEndpointOnceInAddressOrder() {
        Service svc = web();
        Endpoints ep = EndpointsController.endpointsFor(svc, runningPods(250));

        List<String> inSlices = EndpointsController.slicesFor(svc, ep).stream()
                .flatMap(s -> s.endpoints().stream()).map(e -> e.addresses().get(0)).toList();

        assertEquals(ips(onlySubset(ep).addresses()), inSlices);
    }

    @Test
    void slicesAreLabelledWithTheServiceName() {
        Service svc = web();
        Endpoints ep = EndpointsController.endpointsFor(svc, runningPods(250));

        for (EndpointSlice s : EndpointsController.slicesFor(svc, ep)) {
            assertEquals(Map.of(EndpointSlice.SERVICE_NAME_LABEL, "web"), s.metadata().labels());
            assertEquals("default", s.metadata().namespace());
            assertEquals("discovery.k8s.io/v1", s.apiVersion());
            assertEquals("IPv4", s.addressType());
            assertEquals(List.of(new Endpoints.Port("http", 8080, "TCP")), s.ports());
        }
    }

    @Test
    void sliceNamesAreTheServiceNameAndAStableSuffix() {
        Service svc = web();
        List<String> names = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, runningPods(250))).stream().map(EndpointSlice::name).toList();
        // The endpoints change; the names do not.
        List<String> again = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, runningPods(201))).stream().map(EndpointSlice::name).toList();

        assertEquals(names, again);
        assertEquals(3, new HashSet<>(names).size(), "distinct: " + names);
        for (String name : names) {
            assertTrue(name.matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}"), name);
        }
    }

    @Test
    void anotherServiceGetsOtherSliceNames() {
        Service web = web();
        Service api = service("api", Map.of("app", "web"), web.spec().ports().get(0));
        Set<String> webNames = new HashSet<>();
        EndpointsController.slicesFor(web, EndpointsController.endpointsFor(web, runningPods(1)))
                .forEach(s -> webNames.add(s.name()));

        String apiName = EndpointsController.slicesFor(api, EndpointsController.endpointsFor(api, runningPods(1)))
                .get(0).name();

        assertTrue(apiName.startsWith("api-"), apiName);
        assertNotEquals(webNames.iterator().next().substring(4), apiName.substring(4));
    }

    @Test
    void notReadyEndpointsAreInTheSliceAsNotReady() {
        Service svc = web();
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "default", Map.of("app", "web"), "Pending", "10.244.1.6"));

        List<EndpointSlice> slices = EndpointsController.slicesFor(svc, EndpointsController.endpointsFor(svc, pods));

        assertEquals(1, slices.size());
        assertEquals(List.of(
                new EndpointSlice.Endpoint(List.of("10.244.1.5"), new EndpointSlice.Conditions(true, true, false),
                        null, "node-1", new Endpoints.TargetRef("Pod", "default", "web-a")),
                new EndpointSlice.Endpoint(List.of("10.244.1.6"), new EndpointSlice.Conditions(false, false, false),
                        null, "node-1", new Endpoints.TargetRef("Pod", "default", "web-b"))),
                slices.get(0).endpoints());
    }

    @Test
    void aServiceWithoutEndpointsHasOneEmptySlice() {
        Service svc = service("web", Map.of("app", "web"),
                new Service.ServicePort("http", "TCP", 80, IntOrString.of("web-http"), null),
                new Service.ServicePort("metrics", "TCP", 9100, IntOrString.of(9100), null));

        List<EndpointSlice> slices = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, List.of()));

        assertEquals(1, slices.size());
        assertEquals(List.of(), slices.get(0).endpoints());
        // A named targetPort has no number until a pod resolves it.
        assertEquals(List.of(new Endpoints.Port("http", null, "TCP"), new Endpoints.Port("metrics", 9100, "TCP")),
                slices.get(0).ports());
    }

    @Test
    void eachPortSetGetsItsOwnSlices() {
        Service svc = service("web", Map.of("app", "web"), new Service.ServicePort("http", "TCP", 80,
                IntOrString.of("web-http"), null));
        List<Pod> pods = List.of(running("old", "10.244.1.5", containerPort("web-http", 8080)),
                running("new", "10.244.1.6", containerPort("web-http", 9090)));

        List<EndpointSlice> slices = EndpointsController.slicesFor(svc, EndpointsController.endpointsFor(svc, pods));

        assertEquals(2, slices.size());
        assertEquals(List.of(new Endpoints.Port("http", 8080, "TCP")), slices.get(0).ports());
        assertEquals(List.of(new Endpoints.Port("http", 9090, "TCP")), slices.get(1).ports());
        assertNotEquals(slices.get(0).name(), slices.get(1).name());
    }
}
