package dev.vnet.apiserver.rest;

import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The secrets of a lab's Kubernetes API, kept in one directory (the lab's {@code STATE/kube}): the CA
 * ({@code ca.crt}, {@code ca.key}), the server's certificate and key ({@code apiserver.crt}, {@code apiserver.key})
 * and the bearer token clients send ({@code token}). Keys and the token are mode 0600. The CA and token are kept
 * across restarts (so a kubeconfig merged once keeps working); the server certificate is made anew at each start.
 * {@code server} holds the running server's URL, and is removed when it stops.
 */
public final class KubeCredentials {
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVER_VALIDITY = Duration.ofDays(365);

    private final Path dir;
    private final TlsMaterial ca;
    private final TlsMaterial server;
    private final String token;

    private KubeCredentials(Path dir, TlsMaterial ca, TlsMaterial server, String token) {
        this.dir = dir;
        this.ca = ca;
        this.server = server;
        this.token = token;
    }

    /** The Secret in kube-system holding a cluster's API CA, as kubeadm uploads its certificates for new servers. */
    public static final String CA_SECRET = "vnet-apiserver-ca";

    /**
     * The credentials of one node process's API in a cluster over a shared store: the cluster's CA, read from
     * Secret {@code kube-system/vnet-apiserver-ca} or made and stored there by the first node to start (a node
     * that loses the race reads the winner's), a server certificate of this node's own for {@code addresses} too,
     * and the cluster token as the bearer token. Every node's API is then trusted by one CA, so a client that
     * fails over from one node to the next needs nothing new.
     */
    public static KubeCredentials shared(dev.vnet.apiserver.store.ClusterStore store, String token,
                                         java.util.List<String> addresses) throws IOException {
        TlsMaterial ca = clusterCa(store);
        return new KubeCredentials(null, ca, KubeCertificates.newServer(ca, SERVER_VALIDITY, addresses), token.strip());
    }

    /** The cluster's CA certificate (PEM) from the store, for a client to trust; empty before a node made it. */
    public static java.util.Optional<String> caPemIn(dev.vnet.apiserver.store.ClusterStore store) {
        return store.get(dev.vnet.apiserver.api.SecretKind.KIND,
                        dev.vnet.apiserver.store.ClusterStore.key("kube-system", CA_SECRET))
                .map(v -> new String(dev.vnet.apiserver.api.SecretKind.value(v.value(),
                        dev.vnet.apiserver.api.SecretKind.TLS_CERT), StandardCharsets.UTF_8));
    }

    /** The cluster's CA from the store, made first if there is none. */
    public static TlsMaterial clusterCa(dev.vnet.apiserver.store.ClusterStore store) throws IOException {
        String key = dev.vnet.apiserver.store.ClusterStore.key("kube-system", CA_SECRET);
        var kind = dev.vnet.apiserver.api.SecretKind.KIND;
        for (int attempt = 0; attempt < 3; attempt++) {
            var have = store.get(kind, key);
            if (have.isPresent()) {
                try {
                    return dev.vnet.apiserver.api.SecretKind.tls(have.get().value());
                } catch (dev.vnet.ingress.tls.Pem.TlsDataException e) {
                    throw new IOException("Secret kube-system/" + CA_SECRET + " does not hold a CA (" + e.getMessage()
                            + "): delete it and restart the node processes", e);
                }
            }
            TlsMaterial ca = KubeCertificates.newCa(CA_VALIDITY);
            io.fabric8.kubernetes.api.model.Secret secret = new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata().withName(CA_SECRET).withNamespace("kube-system")
                    .addToLabels("app.kubernetes.io/managed-by", "vnet").endMetadata()
                    .withType(dev.vnet.apiserver.api.SecretKind.TLS)
                    .addToData(dev.vnet.apiserver.api.SecretKind.TLS_CERT, b64(SelfSigned.certificatePem(ca)))
                    .addToData(dev.vnet.apiserver.api.SecretKind.TLS_KEY, b64(SelfSigned.keyPem(ca)))
                    .build();
            try {
                store.create(kind, key, secret);
                return ca;
            } catch (dev.vnet.apiserver.store.ClusterStore.ConflictException e) {
                // Another node made it first: read theirs.
            }
        }
        throw new IOException("cannot agree on the cluster's API CA in the store: restart the node process");
    }

    private static String b64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the CA and token in {@code dir}, or makes them; makes a new server certificate. */
    public static KubeCredentials loadOrCreate(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        TlsMaterial ca = null;
        Path caCrt = dir.resolve("ca.crt");
        Path caKey = dir.resolve("ca.key");
        if (Files.isRegularFile(caCrt) && Files.isRegularFile(caKey)) {
            try {
                ca = KubeCertificates.read(caCrt.toString(), Files.readString(caCrt), Files.readString(caKey));
                if (ca.chain().get(0).getNotAfter().toInstant().isBefore(Instant.now().plus(Duration.ofDays(30)))) {
                    ca = null; // nearly expired: a new one
                }
            } catch (IOException e) {
                ca = null; // unreadable: made again
            }
        }
        boolean newCa = ca == null;
        if (newCa) {
            ca = KubeCertificates.newCa(CA_VALIDITY);
            write(caKey, SelfSigned.keyPem(ca), true);
            write(caCrt, SelfSigned.certificatePem(ca), false);
        }
        Path tokenFile = dir.resolve("token");
        String token = Files.isRegularFile(tokenFile) && !newCa ? Files.readString(tokenFile).strip() : "";
        if (token.length() < 32) {
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            token = HexFormat.of().formatHex(raw);
            write(tokenFile, token + "\n", true);
        }
        TlsMaterial server = KubeCertificates.newServer(ca, SERVER_VALIDITY);
        write(dir.resolve("apiserver.key"), SelfSigned.keyPem(server), true);
        write(dir.resolve("apiserver.crt"), SelfSigned.certificatePem(server), false);
        return new KubeCredentials(dir, ca, server, token);
    }

    private static void write(Path file, String text, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                secret ? "rw-------" : "rw-r--r--")));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public Path dir() {
        return dir;
    }

    public TlsMaterial ca() {
        return ca;
    }

    /** The CA certificate as PEM: what a kubeconfig's certificate-authority-data holds (base64). */
    public String caPem() {
        return SelfSigned.certificatePem(ca);
    }

    public TlsMaterial server() {
        return server;
    }

    public String token() {
        return token;
    }

    /** Whether {@code given} is the token, compared in constant time. */
    boolean accepts(String given) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    /** Records the running server's URL ({@code server}), for `vnet kubeconfig`. */
    void publish(String url) throws IOException {
        if (dir != null) {
            write(dir.resolve("server"), url + "\n", false);
        }
    }

    void unpublish() {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve("server"));
        } catch (IOException ignored) {
            // Stale: the next start overwrites it.
        }
    }
}
