package dev.vnet.ingress.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain (leaf first) and its private key, as a {@code kubernetes.io/tls} Secret holds them in
 * {@code tls.crt} and {@code tls.key}; {@code source} names where it came from ("default/web-tls", or
 * "self-signed default").
 */
public record TlsMaterial(String source, List<X509Certificate> chain, PrivateKey key) {
    public TlsMaterial {
        chain = List.copyOf(chain);
    }
}
