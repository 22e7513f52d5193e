package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.ClusterNetwork;
import dev.vnet.apiserver.admission.ServiceAllocator;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.api.SecretKind;
import dev.vnet.apiserver.rest.KubeApiServer;
import dev.vnet.apiserver.rest.KubeCredentials;
import dev.vnet.apiserver.server.ApiBackend;
import dev.vnet.apiserver.server.Handlers;
import dev.vnet.apiserver.server.ResourceApi;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.apiserver.store.MemoryStore;
import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `vnet create secret tls` against an API server of its own on 127.0.0.1, over a memory store: needs no lab. */
class CreateCommandTest {
    @TempDir
    Path dir;

    private final MemoryStore store = new MemoryStore();
    private KubeApiServer server;
    private Path cert;
    private Path key;

    private record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        ClusterBootstrap.ensureNamespaces(store);
        Handlers handlers = new Handlers();
        ApiBackend backend = new ApiBackend() {
            @Override
            public ClusterStore store() {
                return store;
            }

            @Override
            public ServiceAllocator allocator() {
                return ServiceAllocator.forNetwork(ClusterNetwork.defaults());
            }

            @Override
            public List<String> nodeNames() {
                return List.of("node-1");
            }
        };
        ResourceApi.register(handlers, backend);
        // A lab's API as the CLI finds it through --state-dir: STATE/kube/{server,ca.crt,token}.
        server = KubeApiServer.start(backend, Kinds.builtIn(), KubeCredentials.loadOrCreate(dir.resolve("kube")), 0);
        server.operations(handlers, null);
        TlsMaterial m = SelfSigned.create("test", "web.example.com", List.of("web.example.com"), Duration.ofDays(1));
        cert = write("web.crt", SelfSigned.certificatePem(m));
        key = write("web.key", pkcs8(m));
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    /** The key as PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), as openssl genpkey writes it. */
    private static String pkcs8(TlsMaterial m) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(m.key().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private Run vnet(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", dir.resolve("no-config.yaml").toString(),
                "--state-dir", dir.toString()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static String decoded(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    @Test
    void createsATlsSecretFromTheFiles() throws Exception {
        Run r = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", key.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("secret/web-tls created\n", r.out());
        Secret s = store.get(SecretKind.KIND, "default/web-tls").orElseThrow().value();
        assertEquals("kubernetes.io/tls", s.getType());
        assertEquals(Files.readString(cert), decoded(s, "tls.crt"));
        assertEquals(Files.readString(key), decoded(s, "tls.key"));
    }

    @Test
    void aSecretThatExistsIsNotReplaced() {
        assertEquals(0, vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", key.toString()).exit());
        Run again = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", key.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().startsWith("error: secrets \"web-tls\" already exists: delete it first"), again.err());
    }

    @Test
    void onlyIntoANamespaceThatExists() {
        Run missing = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", key.toString(),
                "-n", "shop");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().startsWith("error: namespaces \"shop\" not found"), missing.err());
        assertTrue(store.list(SecretKind.KIND).isEmpty());
        Run system = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", key.toString(),
                "--namespace", "kube-system");
        assertEquals(0, system.exit(), system.err());
        assertTrue(store.get(SecretKind.KIND, "kube-system/web-tls").isPresent());
    }

    @Test
    void aMissingFileOrBadPemIsOneLineNamingWhich() throws Exception {
        Run noCert = vnet("create", "secret", "tls", "web-tls", "--cert", dir.resolve("nope.crt").toString(),
                "--key", key.toString());
        assertEquals(1, noCert.exit());
        assertEquals("error: --cert " + dir.resolve("nope.crt") + ": the file does not exist\n", noCert.err());

        Path garbage = write("bad.key", "this is not a key\n");
        Run badKey = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", garbage.toString());
        assertEquals(1, badKey.exit());
        assertTrue(badKey.err().startsWith("error: --key " + garbage + ": tls.key: "), badKey.err());
        assertEquals(1, badKey.err().strip().lines().count(), badKey.err());

        TlsMaterial other = SelfSigned.create("test", "other", List.of(), Duration.ofDays(1));
        Path otherKey = write("other.key", pkcs8(other));
        Run mismatch = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString(), "--key", otherKey.toString());
        assertTrue(mismatch.err().startsWith("error: --key " + otherKey + ": tls.key: the private key does not belong"),
                mismatch.err());

        Run badCert = vnet("create", "secret", "tls", "web-tls", "--cert", key.toString(), "--key", key.toString());
        assertEquals(1, badCert.exit());
        assertTrue(badCert.err().startsWith("error: --cert " + key + ": tls.crt: "), badCert.err());
        assertEquals(1, badCert.err().strip().lines().count(), badCert.err());
        assertTrue(store.list(SecretKind.KIND).isEmpty());
    }

    @Test
    void bothFilesAreRequired() {
        Run r = vnet("create", "secret", "tls", "web-tls", "--cert", cert.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: Missing required option: '--key=FILE'"), r.err());
    }

    @Test
    void theReplCompletesTheVerbFromTheTable() {
        Completion completion = new Completion(k -> List.of(), v -> List.of());
        CommandLine table = VnetCommand.commandLine();
        CommandLine.Model.CommandSpec create = table.getSubcommands().get("create").getCommandSpec();
        assertTrue(completion.candidates(create, List.of("create", ""), 1).contains("secret"));
        assertTrue(completion.candidates(create, List.of("create", "secret", ""), 2).contains("tls"));
        assertTrue(completion.candidates(create, List.of("create", "secret", "tls", "web-tls", ""), 4)
                .containsAll(List.of("--cert", "--key", "-n")));
    }
}
