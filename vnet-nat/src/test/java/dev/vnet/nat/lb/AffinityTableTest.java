package dev.vnet.nat.lb;

import static dev.vnet.nat.lb.Endpoints.endpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class AffinityTableTest {

    static final long SECOND = 1_000_000_000L;
    static final long T0 = 7_000 * SECOND;
    static final long TIMEOUT = 10_800 * SECOND; // Kubernetes' default timeoutSeconds
    static final String WEB = "default/web:http";
    static final int CLIENT = 0x0AF4_0102;

    private final AffinityTable affinity = new AffinityTable();

    @Test
    void pinsAClientUntilTheTimeoutThenForgetsIt() {
        Endpoint ep = endpoint(2);
        assertNull(affinity.lookup(WEB, CLIENT, T0));
        affinity.remember(WEB, CLIENT, ep, TIMEOUT, T0);

        assertEquals(ep, affinity.lookup(WEB, CLIENT, T0));
        assertEquals(ep, affinity.lookup(WEB, CLIENT, T0 + TIMEOUT - 1));
        assertEquals(10_800, affinity.secondsLeft(WEB, CLIENT, T0));
        assertEquals(1, affinity.secondsLeft(WEB, CLIENT, T0 + TIMEOUT - 1));
        assertNull(affinity.lookup(WEB, CLIENT, T0 + TIMEOUT));
        assertEquals(0, affinity.secondsLeft(WEB, CLIENT, T0 + TIMEOUT));

        assertEquals(0, affinity.expire(T0 + TIMEOUT - 1));
        assertEquals(1, affinity.expire(T0 + TIMEOUT));
        assertEquals(0, affinity.size());
    }

    @Test
    void eachNewConnectionRenewsThePin() {
        Endpoint ep = endpoint(1);
        affinity.remember(WEB, CLIENT, ep, TIMEOUT, T0);
        affinity.remember(WEB, CLIENT, ep, TIMEOUT, T0 + 3_600 * SECOND);
        assertEquals(ep, affinity.lookup(WEB, CLIENT, T0 + TIMEOUT + SECOND));
        assertEquals(3_599, affinity.secondsLeft(WEB, CLIENT, T0 + TIMEOUT + SECOND));
    }

    @Test
    void pinsArePerServiceAndPerClient() {
        affinity.remember(WEB, CLIENT, endpoint(1), TIMEOUT, T0);
        affinity.remember("default/api:grpc", CLIENT, endpoint(2), TIMEOUT, T0);
        affinity.remember(WEB, CLIENT + 1, endpoint(3), TIMEOUT, T0);
        assertEquals(endpoint(1), affinity.lookup(WEB, CLIENT, T0));
        assertEquals(endpoint(2), affinity.lookup("default/api:grpc", CLIENT, T0));
        assertEquals(endpoint(3), affinity.lookup(WEB, CLIENT + 1, T0));
        assertEquals(3, affinity.snapshot().size());
    }

    @Test
    void aPinToAnEndpointThatWentIsDropped() {
        affinity.remember(WEB, CLIENT, endpoint(1), TIMEOUT, T0);
        affinity.remember(WEB, CLIENT + 1, endpoint(2), TIMEOUT, T0);
        assertEquals(1, affinity.retain(WEB, List.of(endpoint(2), endpoint(3))));
        assertNull(affinity.lookup(WEB, CLIENT, T0));
        assertEquals(endpoint(2), affinity.lookup(WEB, CLIENT + 1, T0));

        assertEquals(1, affinity.forget(WEB));
        assertNull(affinity.lookup(WEB, CLIENT + 1, T0));
    }
}
