package dev.vnet.policy;

import static dev.vnet.policy.PolicySetTest.TCP;
import static dev.vnet.policy.PolicySetTest.np;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A decision is made once per new connection on the data path: it allocates at most its verdict, and nothing
 * at all when the pod is not isolated (its verdict is made once per pod and policy set).
 */
class PolicySetAllocationTest {
    static final int ROUNDS = 20_000;
    final NetpolModel m = new NetpolModel();
    final Peer xa = m.pod("x/a");
    final Peer xb = m.pod("x/b");
    final Peer yb = m.pod("y/b");
    final PolicySet set = Manifests.compile(np("x", "from-b", """
            podSelector: {matchLabels: {pod: a}}
            ingress:
            - from:
              - podSelector: {matchLabels: {pod: b}}
              ports:
              - port: serve-80-tcp
            """));
    int sink;

    @Test
    void notIsolatedAllocatesNothing() {
        long bytes = AllocationMeter.bytesAllocated(ROUNDS, ROUNDS, () -> {
            sink += set.ingress(xa, yb, TCP, 80).allowed() ? 1 : 0;
            sink += set.egress(xa, yb, TCP, 80).allowed() ? 1 : 0;
        });
        assertEquals(0, bytes, "bytes allocated by " + 2 * ROUNDS + " not-isolated decisions");
    }

    @Test
    void anIsolatedDecisionAllocatesOnlyItsVerdict() {
        long allowed = AllocationMeter.bytesAllocated(ROUNDS, ROUNDS,
                () -> sink += set.ingress(xb, xa, TCP, 80).allowed() ? 1 : 0);
        long denied = AllocationMeter.bytesAllocated(ROUNDS, ROUNDS,
                () -> sink += set.ingress(yb, xa, TCP, 80).allowed() ? 1 : 0);
        // One Verdict: 12 bytes of header and 11 fields, at most 64 bytes with compressed references.
        assertTrue(allowed <= 64L * ROUNDS, allowed / ROUNDS + " bytes per allowed decision");
        assertTrue(denied <= 64L * ROUNDS, denied / ROUNDS + " bytes per denied decision");
        assertTrue(set.ingress(xb, xa, TCP, 80).allowed());
        assertTrue(!set.ingress(yb, xa, TCP, 80).allowed());
    }

    @Test
    void aNewPolicySetRecomputesWhatAPodRemembered() {
        assertTrue(set.ingress(yb, xa, TCP, 80).outcome() == Verdict.Outcome.DENIED);
        PolicySet none = PolicySet.compile(List.of());
        assertEquals("not isolated: no policy selects x/a for ingress", none.ingress(yb, xa, TCP, 80).reason());
        assertTrue(set.ingress(yb, xa, TCP, 80).outcome() == Verdict.Outcome.DENIED, "and back");
        assertEquals(List.of("x/from-b"), set.policyIds());
        assertEquals(1, set.size());
        assertEquals(0, PolicySet.EMPTY.size());
    }
}
