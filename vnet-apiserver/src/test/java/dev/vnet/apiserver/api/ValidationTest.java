package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.InvalidManifestException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

    // --- fixtures ---

    private static ContainerPort port(Integer number) {
        return K8s.containerPort(null, number, null);
    }

    private static ContainerPort port(Integer number, String protocol) {
        return K8s.containerPort(null, number, protocol);
    }

    private static Container container(String name, String image, ContainerPort... ports) {
        return K8s.container(name, image, null, null, Arrays.asList(ports), null);
    }

    private static Container withCommand(String name, String image, String... command) {
        return K8s.container(name, image, List.of(command), null, null, null);
    }

    private static Pod pod(String restartPolicy, Container... containers) {
        return K8s.pod(K8s.meta("web", null), K8s.podSpec(null, null, null, restartPolicy, Arrays.asList(containers)),
                null);
    }

    private static Pod pod(Container... containers) {
        return pod(null, containers);
    }

    private static Pod named(String name, String namespace) {
        return K8s.withMeta(pod(container("app", "whoami")), K8s.meta(name, namespace));
    }

    // --- DNS-1123 labels ---

    @ParameterizedTest
    @MethodSource("validLabels")
    void acceptsDns1123Labels(String label) {
        assertNull(Names.dns1123Label(label));
    }

    static Stream<String> validLabels() {
        return Stream.of("a", "0", "pod-a", "a1", "1a", "a--b", "a".repeat(63));
    }

    @ParameterizedTest
    @NullAndEmptySource
    void rejectsAMissingLabel(String label) {
        assertEquals("must not be empty", Names.dns1123Label(label));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Pod-A", "-a", "a-", "a_b", "a.b", "a b", "pod\n"})
    void rejectsLabelsWithBadCharacters(String label) {
        String why = Names.dns1123Label(label);

        assertNotNull(why, label);
        assertTrue(why.startsWith("\"" + label + "\" is not a DNS-1123 label"), why);
    }

    @Test
    void rejectsALabelLongerThan63Characters() {
        assertEquals("must be no more than 63 characters", Names.dns1123Label("a".repeat(64)));
    }

    // --- validatePod: rejections ---

    static Stream<Arguments> invalidPods() {
        return Stream.of(
                Arguments.of("no containers", pod(),
                        "spec.containers", "at least one container is required"),
                Arguments.of("null container list", K8s.withSpec(pod(container("a", "whoami")),
                                K8s.podSpec(null, null, null, null, null)),
                        "spec.containers", "at least one container is required"),
                Arguments.of("bad container name", pod(container("App", "whoami")),
                        "spec.containers[0].name", "\"App\" is not a DNS-1123 label"),
                Arguments.of("duplicate container names", pod(container("app", "whoami"), container("app", "echo")),
                        "spec.containers[1].name", "duplicate container name \"app\""),
                Arguments.of("unknown image without a command", pod(container("app", "postgres:16")),
                        "spec.containers[0].image", "\"postgres:16\" is not a built-in image (whoami, echo, nginx, "),
                Arguments.of("no image and no command", pod(container("app", null)),
                        "spec.containers[0].image", "\"\" is not a built-in image"),
                Arguments.of("empty command with unknown image",
                        pod(K8s.container("app", "redis", List.of(), null, null, null)),
                        "spec.containers[0].image", "\"redis\" is not a built-in image"),
                Arguments.of("port 0", pod(container("app", "whoami", port(0))),
                        "spec.containers[0].ports[0].containerPort", "must be between 1 and 65535"),
                Arguments.of("port 70000", pod(container("app", "whoami", port(80), port(70000))),
                        "spec.containers[0].ports[1].containerPort", "must be between 1 and 65535"),
                Arguments.of("port missing", pod(container("app", "whoami", port(null))),
                        "spec.containers[0].ports[0].containerPort", "must be between 1 and 65535"),
                Arguments.of("bad protocol", pod(container("app", "whoami", port(80, "HTTP"))),
                        "spec.containers[0].ports[0].protocol", "must be TCP, UDP or SCTP"),
                Arguments.of("lower-case protocol", pod(container("app", "whoami", port(80, "tcp"))),
                        "spec.containers[0].ports[0].protocol", "must be TCP, UDP or SCTP"),
                Arguments.of("duplicate port in one container",
                        pod(container("app", "whoami", port(8080), port(8080, "TCP"))),
                        "spec.containers[0].ports[1].containerPort", "port 8080/TCP is declared twice in this pod"),
                Arguments.of("duplicate port across containers",
                        pod(container("a", "whoami", port(53, "UDP")), container("b", "echo", port(53, "UDP"))),
                        "spec.containers[1].ports[0].containerPort", "port 53/UDP is declared twice in this pod"),
                Arguments.of("bad port name",
                        pod(container("app", "whoami", K8s.containerPort("HTTP", 80, null))),
                        "spec.containers[0].ports[0].name", "\"HTTP\" is not a DNS-1123 label"),
                Arguments.of("bad restartPolicy", pod("Sometimes", container("app", "whoami")),
                        "spec.restartPolicy", "must be Always, OnFailure or Never"),
                Arguments.of("env var without a name",
                        pod(K8s.container("app", "whoami", null, null, null, List.of(K8s.env("", "x")))),
                        "spec.containers[0].env", "every variable needs a name"),
                Arguments.of("bad hostname",
                        K8s.withSpec(pod(container("app", "whoami")), K8s.podSpec(null, "Web_1", null, null,
                                List.of(container("app", "whoami")))),
                        "spec.hostname", "\"Web_1\" is not a DNS-1123 label"),
                Arguments.of("bad subdomain",
                        K8s.withSpec(pod(container("app", "whoami")), K8s.podSpec(null, null, "a.b", null,
                                List.of(container("app", "whoami")))),
                        "spec.subdomain", "\"a.b\" is not a DNS-1123 label"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPods")
    void rejectsAnInvalidPodNamingTheField(String what, Pod pod, String field, String problem) {
        String message = assertThrows(InvalidManifestException.class, () -> PodKind.KIND.validate(pod)).getMessage();

        assertTrue(message.startsWith("Pod web: " + field + ": " + problem), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Web", "web.1", "-web"})
    void rejectsABadPodName(String name) {
        String message = assertThrows(InvalidManifestException.class,
                () -> PodKind.KIND.validate(named(name, null))).getMessage();

        assertTrue(message.startsWith("Pod " + name + ": metadata.name: \"" + name + "\" is not a DNS-1123 label"),
                message);
    }

    @Test
    void rejectsAPodNameLongerThan63Characters() {
        String name = "a".repeat(64);
        String message = assertThrows(InvalidManifestException.class,
                () -> PodKind.KIND.validate(named(name, null))).getMessage();

        assertEquals("Pod " + name + ": metadata.name: must be no more than 63 characters", message);
    }

    @Test
    void rejectsABadNamespace() {
        String message = assertThrows(InvalidManifestException.class,
                () -> PodKind.KIND.validate(named("web", "Team_A"))).getMessage();

        assertTrue(message.startsWith("Pod web: metadata.namespace: \"Team_A\" is not a DNS-1123 label"), message);
    }

    @Test
    void rejectsAPodWithoutMetadata() {
        Pod pod = K8s.withMeta(pod(container("app", "whoami")), null);

        String message = assertThrows(InvalidManifestException.class, () -> PodKind.KIND.validate(pod)).getMessage();

        assertEquals("Pod: metadata.name is required", message);
    }

    @Test
    void aPodWithoutANameIsNotCalledNull() {
        String message = assertThrows(InvalidManifestException.class,
                () -> PodKind.KIND.validate(named(null, null))).getMessage();

        assertTrue(message.contains("metadata.name"), message);
        assertTrue(!message.contains("null"), message);
    }

    // --- validatePod: acceptance ---

    @ParameterizedTest
    @ValueSource(strings = {"whoami", "echo", "nginx:1.27", "registry.k8s.io/e2e-test-images/agnhost:2.39",
            "busybox", "registry.k8s.io/pause:3.9", "curlimages/curl:8.8.0", "nginxdemos/hello:plain-text"})
    void acceptsABuiltinImageWithoutACommand(String image) {
        assertDoesNotThrow(() -> PodKind.KIND.validate(pod(container("app", image))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nginx", "busybox:1.36", "registry.example.com/team/tool@sha256:abc"})
    void acceptsAnyImageWithACommand(String image) {
        assertDoesNotThrow(() -> PodKind.KIND.validate(pod(withCommand("app", image, "sleep", "3600"))));
    }

    @Test
    void acceptsACommandWithoutAnImage() {
        assertDoesNotThrow(() -> PodKind.KIND.validate(pod(withCommand("app", null, "true"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Always", "OnFailure", "Never"})
    void acceptsEachRestartPolicy(String policy) {
        assertDoesNotThrow(() -> PodKind.KIND.validate(pod(policy, container("app", "whoami"))));
    }

    @Test
    void acceptsPortsAtTheEndsOfTheRange() {
        assertDoesNotThrow(() -> PodKind.KIND.validate(pod(container("app", "whoami", port(1), port(65535)))));
    }

    @Test
    void acceptsTheSamePortNumberOverDifferentProtocols() {
        Pod pod = pod(container("dns", "echo", port(53, "UDP"), port(53, "TCP"), port(53, "SCTP")));

        assertDoesNotThrow(() -> PodKind.KIND.validate(pod));
    }

    @Test
    void treatsAPortWithoutProtocolAsTcp() {
        Pod pod = pod(container("a", "whoami", port(8080)), container("b", "echo", port(8080, "TCP")));

        String message = assertThrows(InvalidManifestException.class, () -> PodKind.KIND.validate(pod)).getMessage();

        assertEquals("Pod web: spec.containers[1].ports[0].containerPort: port 8080/TCP is declared twice in this pod",
                message);
    }

    @Test
    void acceptsSeveralContainersWithDistinctNamesAndPorts() {
        Pod pod = pod(container("web", "whoami", K8s.containerPort("http", 8080, "TCP")),
                container("echo", "echo", port(9000, "UDP")),
                withCommand("sidecar", "busybox", "sh", "-c", "sleep 3600"));

        assertDoesNotThrow(() -> PodKind.KIND.validate(pod));
    }

    @Test
    void theUnknownImageMessageNamesEveryBuiltinImageAndTheWayOut() {
        String message = PodKind.unknownImage("postgres");

        for (String image : PodKind.BUILTIN_IMAGES) {
            assertTrue(message.contains(image), image + " in: " + message);
        }
        assertTrue(message.contains("or a command: [...]"), message);
        assertTrue(!message.contains("\n"), "one line: " + message);
    }
}
