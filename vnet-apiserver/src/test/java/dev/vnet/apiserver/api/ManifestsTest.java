package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.InvalidManifestException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestsTest {

    private static final String SOURCE = "pods.yaml";

    /** Two pods with an empty document between them, so the second pod is document 3 of the file. */
    private static final String TWO_PODS = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels:
                app: web
                tier: front
            spec:
              containers:
              - name: whoami
                image: whoami
                ports:
                - name: http
                  containerPort: 8080
                  protocol: TCP
            ---
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: client
              namespace: test
              labels:
                app: client
            spec:
              restartPolicy: Never
              containers:
              - name: sh
                image: busybox
                command: ["sh", "-c", "sleep 3600"]
            """;

    /** The second pod of a file, with a first pod before it, for errors that must name document 2. */
    private static String secondPod(String containerLines) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  containers:
                  - name: whoami
                    image: whoami
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: client
                spec:
                  containers:
                """ + containerLines;
    }

    private static List<Object> parse(String text) throws InvalidManifestException {
        return Manifests.parse(text, SOURCE).stream().map(d -> (Object) d.object()).toList();
    }

    private static String error(String text) {
        return assertThrows(InvalidManifestException.class, () -> parse(text)).getMessage();
    }

    private static Pod pod(List<Object> resources, int i) {
        return assertInstanceOfPod(resources.get(i));
    }

    private static Pod assertInstanceOfPod(Object o) {
        assertTrue(o instanceof Pod, () -> "expected a Pod, got " + o);
        return (Pod) o;
    }

    // --- valid input ---

    @Test
    void parsesOnePodRecordPerDocumentInFileOrder() throws Exception {
        List<Object> resources = parse(TWO_PODS);

        assertEquals(2, resources.size());
        assertEquals("web", pod(resources, 0).getMetadata().getName());
        assertEquals("client", pod(resources, 1).getMetadata().getName());
    }

    @Test
    void readsApiVersionKindAndNamespace() throws Exception {
        List<Object> resources = parse(TWO_PODS);

        assertEquals("v1", pod(resources, 0).getApiVersion());
        assertEquals("Pod", pod(resources, 0).getKind());
        assertNull(pod(resources, 0).getMetadata().getNamespace());
        assertEquals("test", pod(resources, 1).getMetadata().getNamespace());
    }

    @Test
    void readsLabels() throws Exception {
        List<Object> resources = parse(TWO_PODS);

        assertEquals(Map.of("app", "web", "tier", "front"), pod(resources, 0).getMetadata().getLabels());
        assertEquals(Map.of("app", "client"), pod(resources, 1).getMetadata().getLabels());
    }

    @Test
    void readsContainerNameImageAndPorts() throws Exception {
        Pod web = pod(parse(TWO_PODS), 0);

        assertEquals(List.of(K8s.container("whoami", "whoami", null, null,
                List.of(K8s.containerPort("http", 8080, "TCP")), null)), web.getSpec().getContainers());
    }

    @Test
    void readsCommandAsAListAndRestartPolicy() throws Exception {
        Pod client = pod(parse(TWO_PODS), 1);

        Container sh = client.getSpec().getContainers().get(0);
        assertEquals("sh", sh.getName());
        assertEquals("busybox", sh.getImage());
        assertEquals(List.of("sh", "-c", "sleep 3600"), sh.getCommand());
        assertEquals("Never", client.getSpec().getRestartPolicy());
    }

    @Test
    void leavesStatusUnsetWhenTheManifestHasNone() throws Exception {
        Pod web = pod(parse(TWO_PODS), 0);

        assertNull(web.getStatus());
        assertEquals("Pending", PodKind.phase(web));
    }

    @Test
    void skipsEmptyDocumentsBetweenSeparators() throws Exception {
        String text = "---\n---\n" + TWO_PODS + "---\n{}\n---\n";

        assertEquals(2, parse(text).size());
    }

    @Test
    void countsSkippedEmptyDocumentsWhenNumberingDocuments() {
        String text = TWO_PODS.replace("image: busybox", "imagee: busybox");

        assertTrue(error(text).startsWith(SOURCE + " document 3 (Pod client): "), error(text));
    }

    @Test
    void parsesJson() throws Exception {
        String json = """
                {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "web", "labels": {"app": "web"}},
                 "spec": {"containers": [{"name": "whoami", "image": "whoami",
                                          "ports": [{"containerPort": 8080}]}]}}
                """;

        List<Object> resources = parse(json);

        assertEquals(1, resources.size());
        Pod web = pod(resources, 0);
        assertEquals("web", web.getMetadata().getName());
        assertEquals(Map.of("app", "web"), web.getMetadata().getLabels());
        assertEquals(8080, PodKind.firstPort(web.getSpec().getContainers().get(0), 0));
    }

    // --- errors ---

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "---\n", "---\n---\n", "# only a comment\n", "{}\n"})
    void rejectsAFileWithNoResources(String text) {
        assertEquals(SOURCE + ": no resources found", error(text));
    }

    @Test
    void rejectsAnUnknownFieldNamingItsPathTheDocumentAndThePod() {
        String message = error(secondPod("""
                  - name: app
                    imagee: whoami
                """));

        assertEquals(SOURCE + " document 2 (Pod client): unknown field \"spec.containers[0].imagee\"", message);
    }

    static Stream<Arguments> unknownFields() {
        String pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n";
        return Stream.of(
                Arguments.of(pod + "specs: {}\n", "specs"),
                Arguments.of(pod + "  lables: {app: web}\n", "metadata.lables"),
                Arguments.of(pod + "spec:\n  containers:\n  - name: a\n    image: whoami\n"
                        + "  - name: b\n    image: echo\n    ports:\n    - port: 80\n", "spec.containers[1].ports[0].port"));
    }

    @ParameterizedTest
    @MethodSource("unknownFields")
    void namesTheFullPathOfAnUnknownField(String text, String path) {
        assertEquals(SOURCE + " document 1 (Pod web): unknown field \"" + path + "\"", error(text));
    }

    @Test
    void rejectsADuplicateKeyNamingTheKey() {
        String message = error("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                  name: web2
                """);

        assertTrue(message.startsWith(SOURCE + " document 1: "), message);
        assertTrue(message.contains("duplicate field \"metadata.name\""), message);
    }

    @Test
    void duplicateKeyNamesTheDocumentAndTheFieldPath() {
        String message = error(secondPod("""
                  - name: app
                    image: whoami
                    image: echo
                """));

        assertTrue(message.contains("document 2"), message);
        assertTrue(message.contains("spec.containers[0].image"), message);
    }

    @Test
    void rejectsAnUnknownKindNamingIt() {
        String message = error("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                """);

        // The kinds users write, from the registry (not those vnet writes itself, such as Endpoints).
        assertTrue(message.startsWith(SOURCE + " document 1 (Deployment web): unknown kind \"Deployment\": vnet knows "
                + "Namespace, "), message);
        assertTrue(message.contains("NetworkPolicy") && message.contains("Pod") && !message.contains("Endpoints"),
                message);
    }

    @Test
    void rejectsAWrongApiVersion() {
        String message = error("""
                apiVersion: apps/v1
                kind: Pod
                metadata:
                  name: web
                """);

        assertEquals(SOURCE + " document 1 (Pod web): apiVersion \"apps/v1\" is not served for Pod: use v1", message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kind: Pod\nmetadata: {name: web}\n", "apiVersion: v1\nmetadata: {name: web}\n"})
    void rejectsADocumentWithoutApiVersionOrKind(String text) {
        assertEquals(SOURCE + " document 1: apiVersion and kind are required", error(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"just a string\n", "- a\n- b\n", "42\n"})
    void rejectsADocumentThatIsNotAMapping(String text) {
        assertEquals(SOURCE + " document 1: expected a mapping with apiVersion, kind and metadata", error(text));
    }

    @Test
    void rejectsAValueOfTheWrongTypeNamingItsPath() {
        String message = error(secondPod("""
                  - name: app
                    image: whoami
                    ports:
                    - containerPort: eighty
                """));

        assertTrue(message.startsWith(SOURCE + " document 2 (Pod client): bad value at "
                + "\"spec.containers[0].ports[0].containerPort\": "), message);
    }

    static Stream<Arguments> malformedYaml() {
        return Stream.of(
                Arguments.of("bad indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n    name: web\n  labels: {}\n"),
                Arguments.of("value indented under a scalar", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   labels: x\n"),
                Arguments.of("tab indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n"),
                Arguments.of("unclosed flow mapping", "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n"),
                Arguments.of("truncated JSON", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedYaml")
    void reportsMalformedYamlOnOneLineStartingWithTheSource(String what, String text) {
        String message = error(text);

        assertTrue(message.startsWith(SOURCE + " document 1: not valid YAML: "), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void malformedYamlMessageSaysWhatIsWrongAndWhere() {
        String message = error("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n");

        assertTrue(message.contains("TAB"), message);
        assertTrue(message.contains("line 4"), message);
    }

    static Stream<String> badManifests() {
        return Stream.concat(malformedYaml().map(a -> (String) a.get()[1]), Stream.of(
                "",
                "- a\n",
                "kind: Pod\n",
                "apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\n",
                "apiVersion: v2\nkind: Pod\nmetadata: {name: web}\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: web, name: web}\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: a, imagee: x}]}\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: nope}\n",
                "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: a, ports: [{containerPort: x}]}]}\n"));
    }

    @ParameterizedTest
    @MethodSource("badManifests")
    void errorMessagesNeverContainANewline(String text) {
        String message = error(text);

        assertFalse(message.contains("\n") || message.contains("\r"), message);
    }

    @Test
    void messageStaysOneLineWhenNameOrKindHoldsANewline() {
        String badName = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"a\\nb\"\nspec: {containers: [{imagee: x}]}\n";
        String badKind = "apiVersion: v1\nkind: \"Dep\\nloyment\"\nmetadata:\n  name: web\n";

        assertFalse(error(badName).contains("\n"), error(badName));
        assertFalse(error(badKind).contains("\n"), error(badKind));
    }
}
