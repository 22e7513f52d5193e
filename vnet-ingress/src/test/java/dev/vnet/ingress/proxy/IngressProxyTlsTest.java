package dev.vnet.ingress.proxy;

import static dev.vnet.ingress.proxy.ProxyTestKit.LOOPBACK;
import static dev.vnet.ingress.proxy.ProxyTestKit.backend;
import static dev.vnet.ingress.proxy.ProxyTestKit.forward;
import static dev.vnet.ingress.proxy.ProxyTestKit.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.ingress.proxy.ProxyTestKit.Client;
import dev.vnet.ingress.proxy.ProxyTestKit.FakeTable;
import dev.vnet.ingress.proxy.ProxyTestKit.Response;
import dev.vnet.ingress.proxy.ProxyTestKit.Upstream;
import dev.vnet.ingress.route.Request;
import dev.vnet.ingress.route.RouteTable.Listener;
import dev.vnet.ingress.tls.SelfSigned;
import dev.vnet.ingress.tls.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS listeners: the certificate chosen by SNI through the table, the self-signed default otherwise. */
class IngressProxyTlsTest {
    static final TlsMaterial FOO = SelfSigned.create("default/foo-tls", "foo.bar.com", List.of("foo.bar.com"),
            Duration.ofDays(1));
    static final TlsMaterial BAZ = SelfSigned.create("default/baz-tls", "baz.example", List.of("baz.example"),
            Duration.ofDays(1));
    static final String FAKE_CN = "Kubernetes Ingress Controller Fake Certificate";
    static Upstream up;
    static IngressProxy proxy;
    static int tlsPort;
    static final Queue<String> log = new ConcurrentLinkedQueue<>();
    static final AtomicReference<Request> lastRequest = new AtomicReference<>();

    @BeforeAll
    static void start() throws IOException {
        up = new Upstream("secure");
        tlsPort = freePort();
        proxy = new IngressProxy(LOOPBACK, log::add);
        proxy.install(new FakeTable(Set.of(new Listener(tlsPort, true)), r -> {
            lastRequest.set(r);
            return forward(backend("default/secure:443", 1, up.endpoint()));
        }, (port, name) -> port != tlsPort || name == null ? Optional.empty()
                : name.equals("foo.bar.com") ? Optional.of(FOO)
                : name.equals("baz.example") ? Optional.of(BAZ) : Optional.empty()));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        up.close();
    }

    @Test
    void sniSelectsTheCertificateOfTheName() throws Exception {
        try (SSLSocket s = connect("foo.bar.com")) {
            assertEquals(FOO.chain().get(0), peer(s));
        }
        try (SSLSocket s = connect("BAZ.example")) {
            assertEquals(BAZ.chain().get(0), peer(s));
        }
    }

    @Test
    void unknownOrMissingSniGetsTheFakeCertificate() throws Exception {
        for (String sni : new String[] {"unknown.example", null}) {
            try (SSLSocket s = connect(sni)) {
                X509Certificate cert = peer(s);
                assertTrue(cert.getSubjectX500Principal().getName().contains("CN=" + FAKE_CN), cert.toString());
                assertEquals(List.of(List.of(2, "ingress.local")), cert.getSubjectAlternativeNames().stream()
                        .map(List::copyOf).toList());
            }
        }
        try (SSLSocket s1 = connect("a.example"); SSLSocket s2 = connect("b.example")) {
            assertEquals(peer(s1), peer(s2), "one default certificate per proxy");
        }
    }

    @Test
    void requestsOverTlsAreForwardedAsHttps() throws Exception {
        try (Client cl = new Client(connect("foo.bar.com"))) {
            Response r = cl.get("foo.bar.com", "/secure");
            assertEquals(200, r.status());
            assertEquals("secure GET /secure ", r.body());
            assertEquals(200, cl.get("foo.bar.com", "/again").status(), "keep-alive over TLS");
        }
        assertEquals("https", up.last().header("X-Forwarded-Proto"));
        assertEquals(Integer.toString(tlsPort), up.last().header("X-Forwarded-Port"));
        assertTrue(lastRequest.get().tls());
        assertEquals(tlsPort, lastRequest.get().port());
    }

    @Test
    void curlVerifiesTheSecretsCertificate(@TempDir Path dir) throws Exception {
        String curl = ProxyTestKit.curl();
        assumeTrue(curl != null, "curl is not installed");
        Path ca = dir.resolve("foo.pem");
        Files.writeString(ca, SelfSigned.certificatePem(FOO));
        String out = ProxyTestKit.run(List.of(curl, "-s", "--cacert", ca.toString(), "--resolve",
                "foo.bar.com:" + tlsPort + ":127.0.0.1", "https://foo.bar.com:" + tlsPort + "/curl-tls"));
        assertEquals("secure GET /curl-tls ", out);
    }

    @Test
    void curlSeesTheFakeCertificateForAnUnknownName() throws Exception {
        String curl = ProxyTestKit.curl();
        assumeTrue(curl != null, "curl is not installed");
        String out = ProxyTestKit.run(List.of(curl, "-sk", "-v", "--resolve", "nobody.example:" + tlsPort
                + ":127.0.0.1", "https://nobody.example:" + tlsPort + "/k"));
        assertTrue(out.contains(FAKE_CN), out);
        assertTrue(out.contains("secure GET /k "), out);
    }

    @Test
    void plainHttpToTheHttpsPortGetsNginxs400() throws Exception {
        try (Client cl = new Client(tlsPort)) {
            Response r = cl.get("foo.bar.com", "/plain");
            assertEquals(400, r.status());
            assertTrue(r.body().contains("The plain HTTP request was sent to HTTPS port"), r.body());
            assertTrue(cl.closedByPeer());
        }
    }

    @Test
    void oneContextPerMaterial() {
        TlsContexts contexts = new TlsContexts();
        assertSame(contexts.context(FOO), contexts.context(FOO));
        assertSame(contexts.defaultContext(), contexts.defaultContext());
        assertTrue(contexts.context(FOO) != contexts.context(BAZ));
    }

    private static SSLSocket connect(String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(LOOPBACK, tlsPort);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static X509Certificate peer(SSLSocket s) throws Exception {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    /** The test looks at the certificate it is given rather than trusting one. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
