package dev.vnet.ingress.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Secret's TLS data read back, and each way it can be wrong named by the key that is. */
class PemTest {
    private static final TlsMaterial A = SelfSigned.create("test", "a.example", List.of("a.example"), Duration.ofDays(1));
    private static final TlsMaterial B = SelfSigned.create("test", "b.example", List.of("b.example"), Duration.ofDays(1));

    @Test
    void whatSelfSignedWritesReadsBack() throws Exception {
        TlsMaterial m = Pem.parse("default/a", SelfSigned.certificatePem(A), SelfSigned.keyPem(A));
        assertEquals("default/a", m.source());
        assertEquals(A.chain().get(0), m.chain().get(0));
        assertTrue(m.chain().get(0).getSubjectX500Principal().getName().contains("CN=a.example"));
    }

    @Test
    void eachMistakeNamesItsKey() {
        String crt = SelfSigned.certificatePem(A);
        String key = SelfSigned.keyPem(A);
        assertEquals("tls.crt", assertThrows(Pem.TlsDataException.class, () -> Pem.parse("s", "", key)).field());
        assertEquals("tls.crt", assertThrows(Pem.TlsDataException.class,
                () -> Pem.parse("s", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", key)).field());
        assertEquals("tls.key", assertThrows(Pem.TlsDataException.class, () -> Pem.parse("s", crt, null)).field());
        assertEquals("tls.key", assertThrows(Pem.TlsDataException.class, () -> Pem.parse("s", crt, crt)).field());
        Pem.TlsDataException other = assertThrows(Pem.TlsDataException.class,
                () -> Pem.parse("s", crt, SelfSigned.keyPem(B)));
        assertEquals("tls.key: the private key does not belong to the first certificate of tls.crt", other.getMessage());
    }
}
