package dev.vnet.ingress.route;

import static dev.vnet.ingress.route.IngressRouteTest.CLASSES;
import static dev.vnet.ingress.route.IngressRouteTest.SERVICES;
import static dev.vnet.ingress.route.IngressRouteTest.ingress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.ingress.tls.TlsMaterial;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Ingress TLS: the certificate for an SNI name (exact, wildcard, none), bad Secrets, and ssl-redirect (308). */
class IngressTlsRouteTest {
    static final TlsMaterial SECURE = Manifests.cert("secure.example.com");
    static final TlsMaterial WILD = Manifests.cert("*.wild.example.com");
    static final TlsMaterial WILD_OVERRIDE = Manifests.cert("exact.wild.example.com");

    static final String YAML = CLASSES + SERVICES
            + Manifests.tlsSecret("default", "secure-tls", SECURE)
            + Manifests.tlsSecret("default", "wild-tls", WILD)
            + Manifests.tlsSecret("default", "exact-wild-tls", WILD_OVERRIDE)
            + Manifests.secret("default", "opaque", "Opaque", "x", "y")
            + Manifests.secret("default", "garbled", "kubernetes.io/tls", "not a certificate", "not a key")
            + ingress("tls", "2024-01-01T00:00:00Z", """
            ingressClassName: vnet
            tls:
            - {hosts: [secure.example.com], secretName: secure-tls}
            - {hosts: ["*.wild.example.com"], secretName: wild-tls}
            - {hosts: [exact.wild.example.com], secretName: exact-wild-tls}
            - {hosts: [missing.example.com], secretName: nosuch}
            - {hosts: [opaque.example.com], secretName: opaque}
            - {hosts: [garbled.example.com], secretName: garbled}
            rules:
            - host: secure.example.com
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]
            - host: "*.wild.example.com"
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}]
            - host: plain.example.com
              http:
                paths: [{path: /, pathType: Prefix, backend: {service: {name: c, port: {number: 80}}}}]
            """);

    static final Compiled COMPILED = Manifests.compile(YAML);

    @ParameterizedTest(name = "SNI {0} → {1}")
    @CsvSource(nullValues = "none", value = {
            "secure.example.com,      secure.example.com",
            "SECURE.example.com,      secure.example.com",
            "x.wild.example.com,      *.wild.example.com",
            "exact.wild.example.com,  exact.wild.example.com",
            "a.b.wild.example.com,    none",
            "wild.example.com,        none",
            "plain.example.com,       none",
            "missing.example.com,     none",
            "opaque.example.com,      none",
            "garbled.example.com,     none",
            "none,                    none",
    })
    void certificateBySni(String sni, String expectedCommonName) {
        Optional<TlsMaterial> m = COMPILED.table().certificate(443, sni);
        assertEquals(Optional.ofNullable(expectedCommonName), m.map(IngressTlsRouteTest::commonName));
    }

    @Test
    void noCertificateOnThePlainPort() {
        assertEquals(Optional.empty(), COMPILED.table().certificate(80, "secure.example.com"));
    }

    @Test
    void badSecretsAreWarnings() {
        String all = String.join("\n", COMPILED.warnings());
        assertTrue(all.contains("ingress default/tls tls [missing.example.com]: secret default/nosuch not found;"
                + " serving the default certificate"), all);
        assertTrue(all.contains("secret default/opaque is of type Opaque, not kubernetes.io/tls"), all);
        assertTrue(all.contains("secret default/garbled: tls.crt:"), all);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
            "http://secure.example.com/a/b?x=1&y=2 | redirect 308 https://secure.example.com/a/b?x=1&y=2",
            "http://secure.example.com/            | redirect 308 https://secure.example.com/",
            "http://x.wild.example.com/p           | redirect 308 https://x.wild.example.com/p",
            "http://missing.example.com/p          | redirect 308 https://missing.example.com/p",
            "https://secure.example.com/a          | forward default/a:80 [10.244.1.1:8080]",
            "https://x.wild.example.com/a          | forward default/b:80 [10.244.1.2:8080]",
            "http://plain.example.com/a?q          | forward default/c:80 [10.244.1.3:8080]",
    })
    void sslRedirect(String request, String expected) {
        assertEquals(expected, Requests.describe(COMPILED.table().route(Requests.parse(request))));
    }

    static String commonName(TlsMaterial m) {
        String dn = m.chain().get(0).getSubjectX500Principal().getName();
        return dn.replaceAll(".*CN=([^,]+).*", "$1");
    }
}
