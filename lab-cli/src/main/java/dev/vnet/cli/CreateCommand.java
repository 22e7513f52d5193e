package dev.vnet.cli;

import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.SecretKind;
import dev.vnet.ingress.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "create", description = {
        "Create a resource from command-line values, as kubectl create does (for a manifest, use apply).",
        "Example: vnet create secret tls web-tls --cert web.crt --key web.key"},
        subcommands = {CreateCommand.SecretCommand.class})
final class CreateCommand implements Runnable {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "secret", description = {
            "Create a Secret. `tls`: a kubernetes.io/tls Secret from a PEM certificate and key, for an Ingress's",
            "spec.tls[].secretName or a Gateway listener's certificateRefs.",
            "Example: vnet create secret tls web-tls --cert web.crt --key web.key -n shop"},
            subcommands = {CreateCommand.Tls.class})
    static final class SecretCommand implements Runnable {
        @ParentCommand
        CreateCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "tls", description = {
            "Create a kubernetes.io/tls Secret: tls.crt from --cert (PEM certificates, the server's first) and",
            "tls.key from --key (its PEM private key), both checked first (the key must belong to the certificate).",
            "Example: vnet create secret tls web-tls --cert web.crt --key web.key"})
    static final class Tls implements Callable<Integer> {
        @ParentCommand
        SecretCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "The new Secret's name.")
        String name;

        @Option(names = "--cert", required = true, paramLabel = "FILE", description = "The PEM certificate (chain).")
        Path cert;

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The PEM private key.")
        Path key;

        @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Kubernetes namespace.")
        String namespace;

        @Override
        public Integer call() throws Exception {
            Secret secret = secret(name, namespace, read("--cert", cert), read("--key", key));
            try {
                SecretKind.tls(secret);
            } catch (Pem.TlsDataException e) {
                String option = e.field().equals(SecretKind.TLS_CERT) ? "--cert " + cert : "--key " + key;
                throw new VnetCommand.CliException(option + ": " + oneLine(e.getMessage()));
            }
            VnetCommand root = parent.parent.root;
            Resources resources = new Resources(root.client());
            if (resources.list(SecretKind.KIND, namespace, false, null).stream()
                    .anyMatch(s -> s.getMetadata().getName().equals(name))) {
                throw new VnetCommand.CliException("secrets \"" + name + "\" already exists: delete it first "
                        + "(`vnet delete secret " + name + (namespace.equals("default") ? "" : " -n " + namespace)
                        + "`), or apply a manifest to change it");
            }
            JsonNode reply = root.client().call(Operation.APPLY.request().put("source", "create secret tls")
                    .put("text", Json.MAPPER.writeValueAsString(secret)));
            PrintWriter out = spec.commandLine().getOut();
            reply.path("messages").forEach(m -> out.println(m.asString()));
            out.flush();
            return 0;
        }

        /** The Secret kubectl would send: type kubernetes.io/tls, tls.crt and tls.key base64-encoded. */
        static Secret secret(String name, String namespace, String certPem, String keyPem) {
            Base64.Encoder b64 = Base64.getEncoder();
            return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withType(SecretKind.TLS)
                    .withData(Map.of(SecretKind.TLS_CERT, b64.encodeToString(certPem.getBytes(StandardCharsets.UTF_8)),
                            SecretKind.TLS_KEY, b64.encodeToString(keyPem.getBytes(StandardCharsets.UTF_8))))
                    .build();
        }

        private static String read(String option, Path file) throws VnetCommand.CliException {
            try {
                // Not readString: a file that is not text (DER) should fail as "not PEM", naming the option.
                return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new VnetCommand.CliException(option + " " + file + ": the file does not exist");
            } catch (IOException e) {
                throw new VnetCommand.CliException(option + " " + file + ": cannot read it (" + e.getMessage() + ")");
            }
        }

        private static String oneLine(String s) {
            return s.replace("\r", "").replace("\n", " ");
        }
    }
}
