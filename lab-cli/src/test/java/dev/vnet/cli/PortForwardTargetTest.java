package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.cli.PortForwardTarget.Forward;
import dev.vnet.cli.PortForwardTarget.Mapping;
import dev.vnet.cli.PortForwardTarget.Ref;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How port-forward reads its arguments, and which pod port each local port goes to, as kubectl decides it. */
class PortForwardTargetTest {
    private static List<Mapping> mappings(String... args) throws ApiException {
        List<Mapping> out = new java.util.ArrayList<>();
        for (String a : args) {
            out.add(Mapping.parse(a));
        }
        return out;
    }

    private static String refused(String port) {
        return assertThrows(ApiException.class, () -> Mapping.parse(port)).getMessage();
    }

    @Test
    void portsAreLocalColonRemoteRemoteAloneOrAFreeLocalPort() throws Exception {
        assertEquals(new Mapping(8080, "80"), Mapping.parse("8080:80"));
        assertEquals(new Mapping(80, "80"), Mapping.parse("80"));
        assertEquals(new Mapping(0, "80"), Mapping.parse(":80"));
        assertEquals(new Mapping(8080, "http"), Mapping.parse("8080:http"));
        assertEquals(new Mapping(-1, "http"), Mapping.parse("http"), "the local port follows the named one");
    }

    @Test
    void aBadPortIsOneLine() {
        assertEquals("\"80:\" is not a port to forward: give [LOCAL:]REMOTE, e.g. 8080:80, 80, or :80 for a free "
                + "local port", refused("80:"));
        assertEquals("\"1:2:3\" is not a port to forward: give [LOCAL:]REMOTE, e.g. 8080:80, 80, or :80 for a free "
                + "local port", refused("1:2:3"));
        assertEquals("the remote port in 8080:0 must be a number from 1 to 65535, not 0", refused("8080:0"));
        assertEquals("the remote port in 70000 must be a number from 1 to 65535, not 70000", refused("70000"));
        assertEquals("the local port in x:80 must be a number from 0 to 65535, not x", refused("x:80"));
        assertEquals("\"Web_Port\" in 80:Web_Port is neither a port number nor a port name", refused("80:Web_Port"));
    }

    @Test
    void targetsArePodsOrServicesByTypeSlashName() throws Exception {
        assertEquals(new Ref(false, "web-1"), Ref.parse("web-1"));
        assertEquals(new Ref(false, "web-1"), Ref.parse("pod/web-1"));
        assertEquals(new Ref(false, "web-1"), Ref.parse("pods/web-1"));
        assertEquals(new Ref(true, "web"), Ref.parse("svc/web"));
        assertEquals(new Ref(true, "web"), Ref.parse("service/web"));
        assertEquals("port-forward forwards to pod/NAME, svc/NAME or a pod's NAME (its namespace with -n), not "
                + "deploy/web", assertThrows(ApiException.class, () -> Ref.parse("deploy/web")).getMessage());
        assertEquals("\"svc/\" names no pod or Service: give pod/NAME, svc/NAME or NAME",
                assertThrows(ApiException.class, () -> Ref.parse("svc/")).getMessage());
    }

    @Test
    void onlyLoopbackAddressesAreListenedOn() throws Exception {
        assertEquals(List.of(InetAddress.getByName("127.0.0.1")), PortForwardCommand.loopback(List.of("localhost")));
        assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
                PortForwardCommand.loopback(List.of("127.0.0.1", "::1")));
        for (String outside : List.of("0.0.0.0", "192.168.1.5", "::", "example.com")) {
            VnetCommand.CliException e = assertThrows(VnetCommand.CliException.class,
                    () -> PortForwardCommand.loopback(List.of(outside)));
            assertEquals("port-forward listens on this machine's loopback only: --address takes 127.0.0.1, "
                    + "localhost or ::1, not " + outside, e.getMessage());
            assertEquals(2, e.exitCode);
        }
    }

    static Pod pod(String name, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("whoami").withImage("whoami").addNewPort().withName("http")
                .withContainerPort(8080).endPort().addNewPort().withName("metrics").withContainerPort(9090).endPort()
                .endContainer().endSpec().withNewStatus().withPhase(phase).endStatus().build();
    }

    static Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http"))
                .endPort().addNewPort().withName("admin").withPort(81).withTargetPort(new IntOrString(9000)).endPort()
                .addNewPort().withName("same").withPort(7000).endPort().endSpec().build();
    }

    static Endpoints endpoints(String name, String readyPod, String notReadyPod) {
        EndpointsBuilder b = new EndpointsBuilder().withNewMetadata().withName(name).withNamespace("default")
                .endMetadata();
        var subset = b.addNewSubset();
        if (readyPod != null) {
            subset.addNewAddress().withIp("10.244.1.2").withNewTargetRef().withKind("Pod").withName(readyPod)
                    .endTargetRef().endAddress();
        }
        if (notReadyPod != null) {
            subset.addNewNotReadyAddress().withIp("10.244.1.3").withNewTargetRef().withKind("Pod")
                    .withName(notReadyPod).endTargetRef().endNotReadyAddress();
        }
        return subset.addNewPort().withName("http").withPort(8080).endPort().endSubset().build();
    }

    @Test
    void aPodsPortsAreNumbersOrItsContainerPortNames() throws Exception {
        var r = PortForwardTarget.forPod(pod("web-1", "Running"), mappings("8080:80", "metrics", ":http"));
        assertEquals("web-1", r.pod());
        assertEquals(List.of(new Forward(8080, 80), new Forward(9090, 9090), new Forward(0, 8080)), r.forwards());
        assertEquals("pod web-1 has no container port named grpc (its named ports: http=8080, metrics=9090)",
                assertThrows(ApiException.class, () -> PortForwardTarget.forPod(pod("web-1", "Running"),
                        mappings("grpc"))).getMessage());
        assertEquals("unable to forward port because pod web-2 is not running (status Pending)",
                assertThrows(ApiException.class, () -> PortForwardTarget.forPod(pod("web-2", "Pending"),
                        mappings("80"))).getMessage());
    }

    @Test
    void aServicePortBecomesItsTargetPortOnTheChosenPod() throws Exception {
        Service web = service("web");
        assertEquals("web-1", PortForwardTarget.readyPod(web, endpoints("web", "web-1", "web-2")));
        var r = PortForwardTarget.forService(web, pod("web-1", "Running"),
                mappings("8080:80", "81", ":admin", "7000"));
        assertEquals(List.of(new Forward(8080, 8080), new Forward(81, 9000), new Forward(0, 9000),
                new Forward(7000, 7000)), r.forwards(), "named, numbered, by the port's name, none (the port itself)");
        assertEquals("service web has no port 82 (its ports: 80/http, 81/admin, 7000/same)",
                assertThrows(ApiException.class, () -> PortForwardTarget.forService(web, pod("web-1", "Running"),
                        mappings("82"))).getMessage());
    }

    @Test
    void aServiceWithoutReadyEndpointsIsOneLine() {
        String expected = "service web has no ready endpoints to forward to: see `vnet get endpoints web` and its pods";
        assertEquals(expected, assertThrows(ApiException.class,
                () -> PortForwardTarget.readyPod(service("web"), endpoints("web", null, "web-2"))).getMessage());
        assertEquals(expected, assertThrows(ApiException.class,
                () -> PortForwardTarget.readyPod(service("web"), null)).getMessage());
    }
}
