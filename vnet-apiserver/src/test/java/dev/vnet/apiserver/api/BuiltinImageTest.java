package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Image references from tutorials and manifests, matched to the built-in image they name. */
class BuiltinImageTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "nginx, nginx",
            "nginx:latest, nginx",
            "nginx:1.27-alpine, nginx",
            "docker.io/library/nginx:1.27, nginx",
            "docker.io/library/busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79, busybox",
            "busybox:1.36@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79, busybox",
            "registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3, jessie-dnsutils",
            "registry.k8s.io/e2e-test-images/agnhost:2.39, agnhost",
            "k8s.gcr.io/e2e-test-images/agnhost:2.21, agnhost",
            "registry.k8s.io/pause:3.9, pause",
            "localhost:5000/pause, pause",
            "localhost/alpine:3.20, alpine",
            "curlimages/curl:8.8.0, curl",
            "nicolaka/netshoot, netshoot",
            "tutum/dnsutils, dnsutils",
            "ubuntu:24.04, ubuntu",
            "debian:bookworm-slim, debian",
            "traefik/whoami:v1.10, whoami",
            "whoami, whoami",
            "echo, echo",
            "nginxdemos/hello, nginxdemos/hello",
            "nginxdemos/hello:plain-text, nginxdemos/hello",
            "docker.io/nginxdemos/hello:latest, nginxdemos/hello",
            "vnet/ingress-controller, vnet/ingress-controller",
            "registry.example.com:443/mirror/library/busybox:1.36, busybox",
    })
    void namesTheBuiltinImageWhateverTheRegistryPathAndTag(String reference, String expected) {
        assertEquals(expected, PodKind.builtinImage(reference));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres:16", "hello", "someone/hello", "ingress-controller", "other/ingress-controller",
            "nginx-unprivileged", "nginxinc/nginx-unprivileged:1.27", "busybox-extra", "", " "})
    void knowsNoOtherImage(String reference) {
        assertNull(PodKind.builtinImage(reference));
    }

    @org.junit.jupiter.api.Test
    void anAbsentImageIsNoBuiltinImage() {
        assertNull(PodKind.builtinImage(null));
    }
}
