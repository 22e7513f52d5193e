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
        write(dir.resolve("server"), url + "\n", false);
    }

    void unpublish() {
        try {
            Files.deleteIfExists(dir.resolve("server"));
        } catch (IOException ignored) {
            // Stale: the next start overwrites it.
        }
    }
}
