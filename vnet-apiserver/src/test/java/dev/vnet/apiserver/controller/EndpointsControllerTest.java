package dev.vnet.apiserver.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.EndpointSliceKind;
import dev.vnet.apiserver.api.K8s;
import dev.vnet.apiserver.api.ServiceKind;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
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

    static Service service(String name, Map<String, String> selector, ServicePort... ports) {
        ObjectMeta meta = K8s.meta(name, "default", Map.of("team", "a"), null);
        meta.setCreationTimestamp("2024-01-01T00:00:00Z");
        return K8s.service(meta, K8s.serviceSpec(ServiceKind.CLUSTER_IP, selector, Arrays.asList(ports), "10.96.0.2"),
                null);
    }

    static Service web() {
        return service("web", Map.of("app", "web"),
                K8s.servicePort("http", "TCP", 80, K8s.target(8080), null));
    }

    static Pod pod(String name, String namespace, Map<String, String> labels, String phase, String ip,
                   ContainerPort... ports) {
        return K8s.pod(K8s.meta(name, namespace, labels, null),
                K8s.podSpec("node-1", null, null, null,
                        List.of(K8s.container("app", "whoami", null, null, Arrays.asList(ports), null))),
                K8s.podStatus(phase, ip));
    }

    static Pod running(String name, String ip, ContainerPort... ports) {
        return pod(name, "default", Map.of("app", "web"), "Running", ip, ports);
    }

    static ContainerPort containerPort(String name, int port) {
        return K8s.containerPort(name, port, null);
    }

    static EndpointAddress address(String ip, String pod) {
        return K8s.address(ip, null, "node-1", "default", pod);
    }

    static List<String> ips(List<EndpointAddress> addresses) {
        return addresses.stream().map(EndpointAddress::getIp).toList();
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint sliceEndpoint(String ip, boolean ready, String pod) {
        return new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder().withAddresses(ip).withNewConditions()
                .withReady(ready).withServing(ready).withTerminating(false).endConditions().withNodeName("node-1")
                .withNewTargetRef().withKind("Pod").withNamespace("default").withName(pod).endTargetRef().build();
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort slicePort(String name, Integer port, String proto) {
        return new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName(name).withPort(port)
                .withProtocol(proto).build();
    }

    static EndpointSubset onlySubset(Endpoints ep) {
        assertEquals(1, ep.getSubsets().size(), "subsets: " + ep.getSubsets());
        return ep.getSubsets().get(0);
    }

    // --- endpointsFor ---

    @Test
    void runningPodsMatchingTheSelectorAreAddresses() {
        Endpoints ep = EndpointsController.endpointsFor(web(),
                List.of(running("web-a", "10.244.1.5"), running("web-b", "10.244.2.7")));

        assertEquals(List.of(K8s.subset(
                List.of(address("10.244.1.5", "web-a"), address("10.244.2.7", "web-b")), null,
                List.of(K8s.endpointPort("http", 8080, "TCP")))), ep.getSubsets());
    }

    @Test
    void theEndpointsAreNamedAndLabelledAfterTheService() {
        Endpoints ep = EndpointsController.endpointsFor(web(), List.of(running("web-a", "10.244.1.5")));

        assertEquals("v1", ep.getApiVersion());
        assertEquals("Endpoints", ep.getKind());
        ObjectMeta want = K8s.meta("web", "default", Map.of("team", "a"), null);
        want.setCreationTimestamp("2024-01-01T00:00:00Z");
        assertEquals(want, ep.getMetadata());
    }

    @Test
    void podsNotMatchingTheSelectorAreLeftOut() {
        Service svc = service("web", Map.of("app", "web", "tier", "front"),
                K8s.servicePort(null, "TCP", 80, null, null));
        List<Pod> pods = List.of(
                pod("match", "default", Map.of("app", "web", "tier", "front", "extra", "x"), "Running", "10.244.1.5"),
                pod("other-value", "default", Map.of("app", "web", "tier", "back"), "Running", "10.244.1.6"),
                pod("missing-key", "default", Map.of("app", "web"), "Running", "10.244.1.7"),
                pod("no-labels", "default", null, "Running", "10.244.1.8"));

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(svc, pods)).getAddresses()));
    }

    @Test
    void podsOfOtherNamespacesAreLeftOut() {
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "prod", Map.of("app", "web"), "Running", "10.244.1.6"));

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(web(), pods)).getAddresses()));
    }

    @Test
    void podsWithoutAnIpAreLeftOut() {
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "default", Map.of("app", "web"), "Pending", null),
                pod("web-c", "default", Map.of("app", "web"), "Running", null));

        EndpointSubset subset = onlySubset(EndpointsController.endpointsFor(web(), pods));

        assertEquals(List.of("10.244.1.5"), ips(subset.getAddresses()));
        assertTrue(subset.getNotReadyAddresses().isEmpty());
    }

    @Test
    void podsWithoutAStatusAreLeftOut() {
        Pod noStatus = running("web-b", "10.244.1.6");
        noStatus.setStatus(null);

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(web(),
                List.of(running("web-a", "10.244.1.5"), noStatus))).getAddresses()));
    }

    @Test
    void podsThatAreNotRunningAreNotReadyAddresses() {
        List<Pod> pods = List.of(running("web-a", "10.244.1.5"),
                pod("web-b", "default", Map.of("app", "web"), "Pending", "10.244.1.6"));

        EndpointSubset subset = onlySubset(EndpointsController.endpointsFor(web(), pods));

        assertEquals(List.of("10.244.1.5"), ips(subset.getAddresses()));
        assertEquals(List.of("10.244.1.6"), ips(subset.getNotReadyAddresses()));
    }

    @Test
    void noMatchingPodMeansNoSubsets() {
        Endpoints ep = EndpointsController.endpointsFor(web(),
                List.of(pod("db", "default", Map.of("app", "db"), "Running", "10.244.1.5")));

        assertTrue(ep.getSubsets().isEmpty());
    }

    @Test
    void addressesAreSortedByIpNumericallyNotAsText() {
        List<Pod> pods = List.of(running("c", "10.244.2.3"), running("a", "10.244.1.10"), running("b", "10.244.1.9"),
                pod("d", "default", Map.of("app", "web"), "Pending", "10.244.1.100"),
                pod("e", "default", Map.of("app", "web"), "Pending", "10.244.1.20"));

        EndpointSubset subset = onlySubset(EndpointsController.endpointsFor(web(), pods));

        assertEquals(List.of("10.244.1.9", "10.244.1.10", "10.244.2.3"), ips(subset.getAddresses()));
        assertEquals(List.of("10.244.1.20", "10.244.1.100"), ips(subset.getNotReadyAddresses()));
    }

    @Test
    void aNamedTargetPortIsResolvedPerPod() {
        Service svc = service("web", Map.of("app", "web"), K8s.servicePort("http", "TCP", 80,
                K8s.target("web-http"), null));
        List<Pod> pods = List.of(
                running("old", "10.244.1.5", containerPort("web-http", 8080)),
                running("new", "10.244.1.6", containerPort("metrics", 9100), containerPort("web-http", 9090)),
                running("old-2", "10.244.1.7", containerPort("web-http", 8080)));

        Endpoints ep = EndpointsController.endpointsFor(svc, pods);

        assertEquals(List.of(
                K8s.subset(List.of(address("10.244.1.5", "old"), address("10.244.1.7", "old-2")), null,
                        List.of(K8s.endpointPort("http", 8080, "TCP"))),
                K8s.subset(List.of(address("10.244.1.6", "new")), null,
                        List.of(K8s.endpointPort("http", 9090, "TCP")))), ep.getSubsets());
    }

    @Test
    void aPodWithoutTheNamedPortIsLeftOut() {
        Service svc = service("web", Map.of("app", "web"), K8s.servicePort("http", "TCP", 80,
                K8s.target("web-http"), null));
        List<Pod> pods = List.of(running("has", "10.244.1.5", containerPort("web-http", 8080)),
                running("lacks", "10.244.1.6", containerPort("other", 8080)),
                running("none", "10.244.1.7"));

        assertEquals(List.of("10.244.1.5"), ips(onlySubset(EndpointsController.endpointsFor(svc, pods)).getAddresses()));
    }

    @Test
    void aNamedPortMustHaveTheServicePortsProtocol() {
        Service svc = service("dns", Map.of("app", "web"), K8s.servicePort("dns", "UDP", 53,
                K8s.target("dns"), null));
        Pod tcpOnly = running("tcp-only", "10.244.1.5", containerPort("dns", 5353));
        Pod udp = running("udp", "10.244.1.6", K8s.containerPort("dns", 5353, "UDP"));

        assertNull(EndpointsController.resolvePorts(svc, tcpOnly));
        assertEquals(List.of(K8s.endpointPort("dns", 5353, "UDP")), EndpointsController.resolvePorts(svc, udp));
    }

    @Test
    void aMissingTargetPortIsTheServicePort() {
        Service svc = service("web", Map.of("app", "web"), K8s.servicePort("http", null, 80, null, null));

        assertEquals(List.of(K8s.endpointPort("http", 80, "TCP")),
                EndpointsController.resolvePorts(svc, running("a", "10.244.1.5")));
    }

    @Test
    void everyServicePortIsResolved() {
        Service svc = service("web", Map.of("app", "web"),
                K8s.servicePort("http", "TCP", 80, K8s.target("web-http"), null),
                K8s.servicePort("metrics", "TCP", 9100, K8s.target(9100), null));

        assertEquals(List.of(K8s.endpointPort("http", 8080, "TCP"), K8s.endpointPort("metrics", 9100, "TCP")),
                EndpointsController.resolvePorts(svc, running("a", "10.244.1.5", containerPort("web-http", 8080))));
    }

    @Test
    void aHeadlessServiceNamesPodsThatAskForItsSubdomain() {
        Service svc = service("db", Map.of("app", "web"), K8s.servicePort(null, "TCP", 5432, null, null));
        svc = K8s.withSpec(svc, K8s.serviceSpec(null, svc.getSpec().getSelector(), svc.getSpec().getPorts(), "None"));
        Pod named = running("db-0", "10.244.1.5");
        named = K8s.withSpec(named, K8s.podSpec("node-1", "db-0", "db", null, named.getSpec().getContainers()));
        Pod unnamed = running("db-1", "10.244.1.6");

        List<EndpointAddress> addresses = onlySubset(EndpointsController.endpointsFor(svc,
                List.of(named, unnamed))).getAddresses();

        assertEquals("db-0", addresses.get(0).getHostname());
        assertNull(addresses.get(1).getHostname());
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

        assertEquals(List.of(100, 100, 50), slices.stream().map(s -> s.getEndpoints().size()).toList());
    }

    @Test
    void slicesHoldEveryEndpointOnceInAddressOrder() {
        Service svc = web();
        Endpoints ep = EndpointsController.endpointsFor(svc, runningPods(250));

        List<String> inSlices = EndpointsController.slicesFor(svc, ep).stream()
                .flatMap(s -> s.getEndpoints().stream()).map(e -> e.getAddresses().get(0)).toList();

        assertEquals(ips(onlySubset(ep).getAddresses()), inSlices);
    }

    @Test
    void slicesAreLabelledWithTheServiceName() {
        Service svc = web();
        Endpoints ep = EndpointsController.endpointsFor(svc, runningPods(250));

        for (io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice s : EndpointsController.slicesFor(svc, ep)) {
            assertEquals(Map.of(EndpointSliceKind.SERVICE_NAME_LABEL, "web"), s.getMetadata().getLabels());
            assertEquals("default", s.getMetadata().getNamespace());
            assertEquals("discovery.k8s.io/v1", s.getApiVersion());
            assertEquals("IPv4", s.getAddressType());
            assertEquals(List.of(slicePort("http", 8080, "TCP")), s.getPorts());
        }
    }

    @Test
    void sliceNamesAreTheServiceNameAndAStableSuffix() {
        Service svc = web();
        List<String> names = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, runningPods(250))).stream().map(s -> s.getMetadata().getName()).toList();
        // The endpoints change; the names do not.
        List<String> again = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, runningPods(201))).stream().map(s -> s.getMetadata().getName()).toList();

        assertEquals(names, again);
        assertEquals(3, new HashSet<>(names).size(), "distinct: " + names);
        for (String name : names) {
            assertTrue(name.matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}"), name);
        }
    }

    @Test
    void anotherServiceGetsOtherSliceNames() {
        Service web = web();
        Service api = service("api", Map.of("app", "web"), web.getSpec().getPorts().get(0));
        Set<String> webNames = new HashSet<>();
        EndpointsController.slicesFor(web, EndpointsController.endpointsFor(web, runningPods(1)))
                .forEach(s -> webNames.add(s.getMetadata().getName()));

        String apiName = EndpointsController.slicesFor(api, EndpointsController.endpointsFor(api, runningPods(1)))
                .get(0).getMetadata().getName();

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
                sliceEndpoint("10.244.1.5", true, "web-a"),
                sliceEndpoint("10.244.1.6", false, "web-b")),
                slices.get(0).getEndpoints());
    }

    @Test
    void aServiceWithoutEndpointsHasOneEmptySlice() {
        Service svc = service("web", Map.of("app", "web"),
                K8s.servicePort("http", "TCP", 80, K8s.target("web-http"), null),
                K8s.servicePort("metrics", "TCP", 9100, K8s.target(9100), null));

        List<EndpointSlice> slices = EndpointsController.slicesFor(svc,
                EndpointsController.endpointsFor(svc, List.of()));

        assertEquals(1, slices.size());
        assertEquals(List.of(), slices.get(0).getEndpoints());
        // A named targetPort has no number until a pod resolves it.
        assertEquals(List.of(slicePort("http", null, "TCP"), slicePort("metrics", 9100, "TCP")),
                slices.get(0).getPorts());
    }

    @Test
    void eachPortSetGetsItsOwnSlices() {
        Service svc = service("web", Map.of("app", "web"), K8s.servicePort("http", "TCP", 80,
                K8s.target("web-http"), null));
        List<Pod> pods = List.of(running("old", "10.244.1.5", containerPort("web-http", 8080)),
                running("new", "10.244.1.6", containerPort("web-http", 9090)));

        List<EndpointSlice> slices = EndpointsController.slicesFor(svc, EndpointsController.endpointsFor(svc, pods));

        assertEquals(2, slices.size());
        assertEquals(List.of(slicePort("http", 8080, "TCP")), slices.get(0).getPorts());
        assertEquals(List.of(slicePort("http", 9090, "TCP")), slices.get(1).getPorts());
        assertNotEquals(slices.get(0).getMetadata().getName(), slices.get(1).getMetadata().getName());
    }
}
