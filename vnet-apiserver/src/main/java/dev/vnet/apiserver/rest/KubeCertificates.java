package dev.vnet.apiserver.rest;

import dev.vnet.ingress.tls.TlsMaterial;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificates of the lab's Kubernetes API, as kubeadm makes them: a CA of the lab ({@code kubernetes}), and
 * the API server's certificate signed by it for the names clients use: 127.0.0.1, localhost, kubernetes,
 * kubernetes.default, kubernetes.default.svc(.cluster.local) and the Service address 10.96.0.1. EC P-256 keys.
 */
public final class KubeCertificates {
    /** The names the server certificate is for, besides its IP addresses. */
    static final List<String> DNS_NAMES = List.of("localhost", "kubernetes", "kubernetes.default",
            "kubernetes.default.svc", "kubernetes.default.svc.cluster.local");
    static final List<String> IP_ADDRESSES = List.of("127.0.0.1", "10.96.0.1");

    private KubeCertificates() {
    }

    /** A new CA: self-signed, allowed to sign server certificates only (path length 0). */
    public static TlsMaterial newCa(Duration validity) {
        try {
            KeyPair pair = keyPair();
            X500Name subject = new X500Name("O=vnet,CN=kubernetes");
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(validity)), subject, pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign
                    | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
            return new TlsMaterial("vnet kubernetes CA", List.of(sign(b, pair.getPrivate())), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make the lab's CA: " + e.getMessage(), e);
        }
    }

    /** The API server's certificate, signed by {@code ca}; its chain is the leaf, then the CA. */
    public static TlsMaterial newServer(TlsMaterial ca, Duration validity) {
        return newServer(ca, validity, List.of());
    }

    /** As {@link #newServer(TlsMaterial, Duration)}, also for {@code moreAddresses} (a node's underlay address). */
    public static TlsMaterial newServer(TlsMaterial ca, Duration validity, List<String> moreAddresses) {
        try {
            KeyPair pair = keyPair();
            X509Certificate caCert = ca.chain().get(0);
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(validity)), new X500Name("O=vnet,CN=kube-apiserver"), pair.getPublic());
            List<GeneralName> names = new java.util.ArrayList<>();
            DNS_NAMES.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
            IP_ADDRESSES.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            moreAddresses.stream().filter(ip -> !IP_ADDRESSES.contains(ip))
                    .forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
            return new TlsMaterial("vnet kube-apiserver", List.of(sign(b, ca.key()), caCert), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make the API server's certificate: " + e.getMessage(), e);
        }
    }

    /** Reads a certificate and key written by {@link dev.vnet.ingress.tls.SelfSigned}'s PEM writers. */
    public static TlsMaterial read(String source, String certPem, String keyPem) throws IOException {
        try (PEMParser certs = new PEMParser(new StringReader(certPem));
             PEMParser keys = new PEMParser(new StringReader(keyPem))) {
            List<X509Certificate> chain = new java.util.ArrayList<>();
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            for (Object o = certs.readObject(); o != null; o = certs.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(conv.getCertificate(h));
                }
            }
            Object k = keys.readObject();
            PrivateKey key = k instanceof PEMKeyPair p ? new JcaPEMKeyConverter().getKeyPair(p).getPrivate()
                    : k instanceof PrivateKeyInfo i ? new JcaPEMKeyConverter().getPrivateKey(i) : null;
            if (chain.isEmpty() || key == null) {
                throw new IOException(source + ": no certificate and key in it");
            }
            return new TlsMaterial(source, chain, key);
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256, new SecureRandom());
        return gen.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key)
            throws OperatorCreationException, java.security.cert.CertificateException {
        return new JcaX509CertificateConverter().getCertificate(b.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }
}
