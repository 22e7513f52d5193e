package dev.vnet.node.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.PodKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a node starts for an image, command and args, with Kubernetes' ENTRYPOINT/CMD rules. */
class ImageLaunchTest {
    /** The programs the table's host has, for curl's entrypoint. */
    private static final Predicate<String> HOST = Set.of("sh", "curl", "sleep", "nslookup", "/bin/sh")::contains;

    private static List<String> l(String... s) {
        return Arrays.asList(s);
    }

    private static Images.Launch run(String... argv) {
        return new Images.Run(List.of(argv));
    }

    private static Images.Launch builtin(String image, String... args) {
        return new Images.Builtin(image, List.of(args));
    }

    static Stream<Arguments> launches() {
        return Stream.of(
                Arguments.of("busybox", l(), l(), run("sh")),
                Arguments.of("busybox:1.36", l("sleep", "3600"), l(), run("sleep", "3600")),
                Arguments.of("busybox", l(), l("nslookup", "kubernetes"), run("nslookup", "kubernetes")),
                Arguments.of("busybox", l("sh", "-c"), l("echo hi"), run("sh", "-c", "echo hi")),
                Arguments.of("registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3", l("sleep", "infinity"), l(),
                        run("sleep", "infinity")),
                Arguments.of("alpine", l(), l(), run("sh")),
                Arguments.of("nicolaka/netshoot", l(), l(), run("sh")),
                Arguments.of("curlimages/curl", l(), l(), run("curl")),
                Arguments.of("curlimages/curl", l(), l("-s", "http://web/"), run("curl", "-s", "http://web/")),
                Arguments.of("curlimages/curl", l(), l("http://web/"), run("curl", "http://web/")),
                Arguments.of("curlimages/curl", l(), l("sleep", "3600"), run("sleep", "3600")),
                Arguments.of("curlimages/curl", l("sh", "-c"), l("curl web"), run("sh", "-c", "curl web")),
                Arguments.of("nginx:1.27", l(), l(), builtin("nginx")),
                Arguments.of("nginx", l("nginx", "-g", "daemon off;"), l(), builtin("nginx", "-g", "daemon off;")),
                Arguments.of("nginx", l(), l("nginx", "-g", "daemon off;"), builtin("nginx", "-g", "daemon off;")),
                Arguments.of("nginx", l(), l("sleep", "60"), run("sleep", "60")),
                Arguments.of("nginx", l("sh", "-c", "sleep 1"), l(), run("sh", "-c", "sleep 1")),
                Arguments.of("nginxdemos/hello:plain-text", l(), l(), builtin("nginxdemos/hello")),
                Arguments.of("registry.k8s.io/e2e-test-images/agnhost:2.39", l(), l("netexec", "--http-port=8080"),
                        builtin("agnhost", "netexec", "--http-port=8080")),
                Arguments.of("registry.k8s.io/e2e-test-images/agnhost:2.39", l(), l(), builtin("agnhost", "pause")),
                Arguments.of("registry.k8s.io/e2e-test-images/agnhost:2.39", l("/agnhost", "serve-hostname"),
                        l("--port", "9376"), builtin("agnhost", "serve-hostname", "--port", "9376")),
                Arguments.of("registry.k8s.io/e2e-test-images/agnhost:2.39", l("/agnhost"), l(), builtin("agnhost")),
                Arguments.of("registry.k8s.io/e2e-test-images/agnhost:2.39", l("sleep", "infinity"), l(),
                        run("sleep", "infinity")),
                Arguments.of("registry.k8s.io/pause:3.9", l(), l(), builtin("pause")),
                Arguments.of("whoami", l(), l(), builtin("whoami")),
                Arguments.of("traefik/whoami", l(), l(), builtin("whoami")),
                Arguments.of("echo", l(), l(), builtin("echo")),
                Arguments.of("echo", l("echo", "hi"), l(), run("echo", "hi")),
                Arguments.of("vnet/ingress-controller", l(), l(), builtin("vnet/ingress-controller")),
                Arguments.of("postgres:16", l("sleep", "1"), l(), run("sleep", "1")),
                Arguments.of(null, l("true"), l(), run("true")));
    }

    @ParameterizedTest(name = "{0} command={1} args={2}")
    @MethodSource("launches")
    void startsWhatKubernetesWouldRun(String image, List<String> command, List<String> args, Images.Launch expected) {
        assertEquals(expected, Images.resolve(image, command, args, HOST));
    }

    @Test
    void anUnknownImageWithoutACommandIsAOneLineErrorNamingTheKnownImages() {
        String why = assertThrows(IllegalArgumentException.class,
                () -> Images.resolve("postgres:16", List.of(), List.of("-c", "x"), HOST)).getMessage();

        assertTrue(why.startsWith("\"postgres:16\" is not a built-in image (whoami, echo, nginx"), why);
        assertTrue(why.contains("agnhost") && why.contains("busybox") && why.contains("or a command: [...]"), why);
        assertTrue(!why.contains("\n"), why);
    }

    @Test
    void everyBuiltinImageRunsWithoutACommandAndTheServersAreTheOnesTheNodeStarts() {
        List<String> servers = new ArrayList<>();
        for (String image : PodKind.BUILTIN_IMAGES) {
            if (Images.resolve(image, List.of(), List.of(), HOST) instanceof Images.Builtin b) {
                servers.add(b.image());
            }
        }
        // The node's startContainer has a case for each of these.
        assertEquals(List.of("whoami", "echo", "nginx", "nginxdemos/hello", "agnhost", "pause",
                PodKind.INGRESS_CONTROLLER_IMAGE), servers);
    }
}
