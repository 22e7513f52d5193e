package dev.vnet.bridge;

import static dev.vnet.bridge.Frames.GATEWAY_IP;
import static dev.vnet.bridge.Frames.GATEWAY_MAC;
import static dev.vnet.bridge.Frames.POD_A_IP;
import static dev.vnet.bridge.Frames.POD_A_MAC;
import static dev.vnet.bridge.Frames.POD_B_IP;
import static dev.vnet.bridge.Frames.POD_B_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bridge's observability hooks: a probe is followed and each decision recorded, and with no capture or
 * trace attached, forwarding allocates nothing per frame.
 */
class TraceAndIdleCostTest {
    private static final int ECHO_ID = 0x4242;

    private static ByteBuffer direct(byte[] frame) {
        ByteBuffer b = ByteBuffer.allocateDirect(frame.length);
        b.put(0, frame);
        return b;
    }

    /** Two pods on one node: a learned destination is one FDB hit, and the trace ends at the pod's port. */
    @Test
    void aSameNodeProbeIsFollowedToThePodPort() {
        Bridge bridge = new Bridge("br-node-1");
        new GatewayPort(bridge, GATEWAY_IP, GATEWAY_MAC);
        BridgePort a = bridge.attach("pod-a", (f, len, now) -> true);
        BridgePort b = bridge.attach("pod-b", (f, len, now) -> true);
        bridge.receive(b, direct(Frames.arpRequest(POD_B_MAC, POD_B_IP, GATEWAY_IP)), 42, 0); // pod-b is learned
        byte[] echo = Frames.echoRequest(POD_B_MAC, POD_A_MAC, POD_A_IP, POD_B_IP, ECHO_ID, 1, new byte[8]);
        Probe probe = new Probe(idOf(echo), 1, ECHO_ID);
        Tracing.begin(probe);
        try {
            bridge.receive(a, direct(echo), echo.length, 1);
        } finally {
            Tracing.end(probe);
        }
        List<Probe.Hop> hops = probe.hops();
        assertEquals(1, hops.size(), hops.toString());
        assertEquals("node-1", hops.get(0).node());
        assertTrue(hops.get(0).decision().contains("FDB hit for 0a:58:0a:f4:01:03 → out at port pod-b"), hops.toString());
        assertEquals("delivered to pod-b on node-1", probe.outcome());
    }

    @Test
    void aProbeToTheGatewayIsAnsweredThere() {
        Bridge bridge = new Bridge("br-node-1");
        new GatewayPort(bridge, GATEWAY_IP, GATEWAY_MAC);
        BridgePort a = bridge.attach("pod-a", (f, len, now) -> true);
        byte[] echo = Frames.echoRequest(GATEWAY_MAC, POD_A_MAC, POD_A_IP, GATEWAY_IP, ECHO_ID, 1, new byte[8]);
        Probe probe = new Probe(idOf(echo), 1, ECHO_ID);
        Tracing.begin(probe);
        try {
            bridge.receive(a, direct(echo), echo.length, 1);
        } finally {
            Tracing.end(probe);
        }
        assertEquals("answered by node-1's gateway", probe.outcome(), probe.hops().toString());
    }

    /** With no capture and no trace, the hooks cost a field read: nothing is allocated per frame. */
    @Test
    void forwardingAllocatesNothingWhenNobodyWatches() {
        Bridge bridge = new Bridge("br-node-1");
        BridgePort a = bridge.attach("pod-a", (f, len, now) -> true);
        BridgePort b = bridge.attach("pod-b", (f, len, now) -> true);
        ByteBuffer toB = direct(Frames.echoRequest(POD_B_MAC, POD_A_MAC, POD_A_IP, POD_B_IP, 7, 1, new byte[56]));
        ByteBuffer toA = direct(Frames.echoRequest(POD_A_MAC, POD_B_MAC, POD_B_IP, POD_A_IP, 7, 1, new byte[56]));
        int len = toB.capacity();
        for (int i = 0; i < 200_000; i++) { // let the JIT compile the path first
            bridge.receive(a, toB, len, i);
            bridge.receive(b, toA, len, i);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            bridge.receive(a, toB, len, i);
            bridge.receive(b, toA, len, i);
        }
        long perFrame = (mx.getThreadAllocatedBytes(tid) - before) / 200_000;
        assertEquals(0, perFrame, "bytes allocated per forwarded frame with no capture or trace attached");
        assertEquals(300_000, b.counters().txPackets());
    }

    private static int idOf(byte[] frame) {
        return ((frame[18] & 0xff) << 8) | (frame[19] & 0xff);
    }
}
