package dev.vnet.node.router;

import static dev.vnet.node.router.Packets.ethernet;
import static dev.vnet.node.router.Packets.ip;
import static dev.vnet.node.router.Packets.ipv4;
import static dev.vnet.node.router.Packets.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.PacketContext.Origin;
import dev.vnet.core.packet.PacketContext;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.conntrack.Timeouts;
import dev.vnet.node.router.Packets.Proto;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policy stage: each new connection judged once by the gate, the rest of it and its replies let through. */
class PolicyStageTest {
    private static final long NOW = 1_000_000_000L;
    private static final int CLIENT = ip("10.244.1.2");
    private static final int WEB = ip("10.244.2.7");
    private static final int CLUSTER_IP = ip("10.96.0.2");

    private final PolicyStage stage = new PolicyStage(new Conntrack(1024, Timeouts.defaults()));
    private final List<String> asked = new ArrayList<>();

    /** A gate that isolates WEB for ingress and allows only TCP to port 80. */
    private final PolicyGate gate = (protocol, src, sport, dst, dport, origin) -> {
        asked.add(protocol + " " + dport);
        if (dst != WEB) {
            return PolicyGate.Decision.NOT_ISOLATED;
        }
        return protocol == 6 && dport == 80
                ? new PolicyGate.Decision(true, true, "default/web-allow", null,
                        () -> "allowed by default/web-allow ingress rule 1")
                : new PolicyGate.Decision(false, true, "default/web-allow", "ingress",
                        () -> "denied: selected by default/web-allow");
    };

    private static PacketContext packet(byte[] ip) {
        byte[] frame = ethernet(mac("0a:58:0a:f4:01:01"), mac("0a:58:0a:f4:01:02"), EthernetFrame.TYPE_IPV4, ip);
        ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
        buf.put(0, frame);
        PacketContext p = new PacketContext();
        assertEquals(DropReason.NONE, p.parse(buf, 0, frame.length, Origin.POD));
        return p;
    }

    /** TCP 40000 → 80 from {@code src} to {@code dst}, or the reply when {@code reply} (80 → 40000). */
    private static byte[] tcp(int src, int dst, boolean reply) {
        byte[] b = ipv4(src, dst, Proto.TCP, 64, true, 60);
        if (reply) {
            b[20] = 0;
            b[21] = 80;
            b[22] = (byte) (40000 >> 8);
            b[23] = (byte) 40000;
            b[33] = 0x12; // SYN+ACK
        }
        return b;
    }

    @Test
    void withNoPolicyInTheClusterEverythingPassesUnremembered() {
        PacketContext p = packet(tcp(CLIENT, WEB, false));
        assertEquals(Verdict.CONTINUE, stage.process(p, NOW));
        assertEquals(0, stage.connections().size());
    }

    @Test
    void aDeniedConnectionIsDroppedWithThePolicyAndDirectionForTheFlowLog() {
        stage.setGate(gate);
        PacketContext p = packet(ipv4(CLIENT, WEB, Proto.UDP, 64, true, 60));
        assertEquals(Verdict.DROPPED, stage.process(p, NOW));
        assertEquals(DropReason.POLICY_DENIED, p.dropReason());
        assertEquals("denied by default/web-allow (ingress)", p.dropDetail());
        assertEquals(0, stage.connections().size());
    }

    @Test
    void anAllowedConnectionIsJudgedOnceAndItsRepliesPass() {
        stage.setGate(gate);
        assertEquals(Verdict.CONTINUE, stage.process(packet(tcp(CLIENT, WEB, false)), NOW));
        assertEquals(Verdict.CONTINUE, stage.process(packet(tcp(WEB, CLIENT, true)), NOW + 1));
        assertEquals(Verdict.CONTINUE, stage.process(packet(tcp(CLIENT, WEB, false)), NOW + 2));
        assertEquals(List.of("6 80"), asked, "judged at its start only");
        assertEquals(1, stage.connections().size());
    }

    @Test
    void aPolicyChangeAppliesToNewConnectionsOnly() {
        stage.setGate(gate);
        stage.process(packet(tcp(CLIENT, WEB, false)), NOW);
        stage.setGate((protocol, src, sport, dst, dport, origin) ->
                new PolicyGate.Decision(false, true, "default/deny-all", "ingress", () -> "denied: now all"));
        assertEquals(Verdict.CONTINUE, stage.process(packet(tcp(WEB, CLIENT, true)), NOW + 1), "established");
        PacketContext other = packet(ipv4(ip("10.244.1.3"), WEB, Proto.TCP, 64, true, 60));
        assertEquals(Verdict.DROPPED, stage.process(other, NOW + 2), "new");
    }

    @Test
    void notIsolatedConnectionsAreNotRemembered() {
        stage.setGate(gate);
        assertEquals(Verdict.CONTINUE, stage.process(packet(tcp(CLIENT, ip("10.244.2.9"), false)), NOW));
        assertEquals(0, stage.connections().size());
    }

    @Test
    void aServiceReplyTranslatedBackIsFoundByTheTupleItArrivedWith() {
        stage.setGate(gate);
        stage.process(packet(tcp(CLIENT, WEB, false)), NOW); // after DNAT: client → endpoint
        // The reply arrives from the endpoint; the Service stage rewrites its source to the ClusterIP.
        PacketContext reply = packet(tcp(WEB, CLIENT, true));
        reply.ip().setSource(CLUSTER_IP);
        reply.headersRewritten();
        assertEquals(Verdict.CONTINUE, stage.process(reply, NOW + 1));
        assertEquals(1, asked.size(), "the reply was not judged as a new connection");
    }

    @Test
    void icmpErrorsPassAndEchoIsAConnectionOfItsOwn() {
        stage.setGate(gate);
        PacketContext error = packet(ipv4(CLIENT, WEB, Proto.ICMP_ERROR, 64, true, 56));
        assertEquals(Verdict.CONTINUE, stage.process(error, NOW));
        assertTrue(asked.isEmpty(), "an ICMP error is not judged");
        PacketContext echo = packet(ipv4(CLIENT, WEB, Proto.ICMP_ECHO, 64, true, 84));
        assertEquals(Verdict.DROPPED, stage.process(echo, NOW), "a rule for TCP 80 does not allow ping");
        assertNull(stage.connections().find(1, CLIENT, 0x0b0b, WEB, 0x0b0b, NOW));
    }
}
