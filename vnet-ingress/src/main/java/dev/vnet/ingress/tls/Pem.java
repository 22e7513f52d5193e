package dev.vnet.ingress.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads the PEM of a {@code kubernetes.io/tls} Secret: {@code tls.crt} (one or more certificates, leaf first) and
 * {@code tls.key} (PKCS#8, or PKCS#1 RSA / SEC 1 EC as openssl writes them), checking that the key belongs to
 * the leaf. Errors say which of the two is wrong, as the API server's validation reports them.
 */
public final class Pem {
    private Pem() {}

    /** A problem with a Secret's TLS data; {@code field} is "tls.crt" or "tls.key". */
    public static final class TlsDataException extends Exception {
        private final String field;

        TlsDataException(String field, String message) {
            super(field + ": " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    public static TlsMaterial parse(String source, String certPem, String keyPem) throws TlsDataException {
        List<X509Certificate> chain = certificates(certPem);
        PrivateKey key = privateKey(keyPem);
        if (!matches(chain.get(0).getPublicKey(), key)) {
            throw new TlsDataException("tls.key", "the private key does not belong to the first certificate of tls.crt");
        }
        return new TlsMaterial(source, chain, key);
    }

    static List<X509Certificate> certificates(String pem) throws TlsDataException {
        if (pem == null || pem.isBlank()) {
            throw new TlsDataException("tls.crt", "missing: a PEM certificate (-----BEGIN CERTIFICATE-----) is required");
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new TlsDataException("tls.crt", "no PEM certificate found");
            }
            return out;
        } catch (CertificateException e) {
            throw new TlsDataException("tls.crt", "not a PEM certificate (" + e.getMessage() + ")");
        }
    }

    static PrivateKey privateKey(String pem) throws TlsDataException {
        if (pem == null || pem.isBlank()) {
            throw new TlsDataException("tls.key", "missing: a PEM private key (-----BEGIN PRIVATE KEY-----) is required");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    // SEC 1 EC keys may omit the public key: then the private part is all there is to read.
                    return pair.getPublicKeyInfo() != null ? converter.getKeyPair(pair).getPrivate()
                            : converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
            throw new TlsDataException("tls.key", "no unencrypted PEM private key found");
        } catch (IOException e) {
            throw new TlsDataException("tls.key", "not a PEM private key (" + e.getMessage() + ")");
        }
    }

    /** Whether {@code key} signs what {@code pub} verifies: a signature round trip, whatever the algorithm. */
    private static boolean matches(PublicKey pub, PrivateKey key) {
        if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA"
                    : key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : key.getAlgorithm();
            byte[] data = "vnet".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature s = java.security.Signature.getInstance(alg);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(data);
            return s.verify(sig);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }
}
