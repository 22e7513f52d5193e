package dev.vnet.bridge;

import static dev.vnet.bridge.Frames.BROADCAST;
import static dev.vnet.bridge.Frames.GATEWAY_IP;
import static dev.vnet.bridge.Frames.GATEWAY_MAC;
import static dev.vnet.bridge.Frames.POD_A_IP;
import static dev.vnet.bridge.Frames.POD_A_MAC;
import static dev.vnet.bridge.Frames.POD_B_IP;
import static dev.vnet.bridge.Frames.POD_B_MAC;
import static dev.vnet.bridge.Frames.POD_C_IP;
import static dev.vnet.bridge.Frames.POD_C_MAC;
import static dev.vnet.bridge.Frames.REMOTE_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random and damaged frames at a bridge with a gateway and three memory ports, and checks that the
 * data path drops and counts what it cannot use instead of throwing, and that every frame is accounted for.
 * The seed is fixed, so a failure reproduces.
 */
class BridgeFuzzTest {

    private static final long SEED = 0x5EED_B41D_6E00L;
    private static final int RANDOM_FRAMES = 100_000;
    private static final int MUTATED_FRAMES = 100_000;
    private static final int MAX_RANDOM_LENGTH = 1600;
    private static final long MILLISECOND = 1_000_000L;
    /**
     * Random frames carry random source MACs. A short ageing time lets the pods' own MACs be learned again
     * between floods, so the paths that need a learned destination (hairpin LOOP drops) are exercised too.
     */
    private static final long AGEING = 100 * MILLISECOND;

    /** Valid frames to damage: every path through the gateway, and pod-to-pod traffic. */
    private static List<byte[]> seeds() {
        return List.of(
                Frames.arpRequest(POD_A_MAC, POD_A_IP, GATEWAY_IP),
                Frames.arpRequest(POD_B_MAC, POD_B_IP, POD_C_IP),
                Frames.arp(ArpPacket.OP_REPLY, GATEWAY_MAC, POD_C_MAC, POD_C_MAC, POD_C_IP, GATEWAY_MAC, GATEWAY_IP),
                Frames.arp(ArpPacket.OP_REQUEST, BROADCAST, POD_B_MAC, POD_B_MAC, POD_B_IP, 0, POD_B_IP),
                Frames.echoRequest(GATEWAY_MAC, POD_A_MAC, POD_A_IP, GATEWAY_IP, 0x1234, 1, pattern(56)),
                Arrays.copyOf(Frames.echoRequest(GATEWAY_MAC, POD_B_MAC, POD_B_IP, GATEWAY_IP, 7, 3, pattern(0)), 60),
                Frames.echoRequest(GATEWAY_MAC, POD_C_MAC, POD_C_IP, GATEWAY_IP, 0xffff, 0xffff, pattern(1400)),
                withIpOptions(Frames.echoRequest(GATEWAY_MAC, POD_A_MAC, POD_A_IP, GATEWAY_IP, 5, 5, pattern(9))),
                Frames.ipv4(GATEWAY_MAC, POD_A_MAC, POD_A_IP, REMOTE_IP, Ipv4Packet.PROTO_UDP, pattern(40)),
                Frames.echoRequest(GATEWAY_MAC, POD_B_MAC, POD_B_IP, REMOTE_IP, 9, 9, pattern(32)),
                Frames.echoRequest(POD_B_MAC, POD_A_MAC, POD_A_IP, POD_B_IP, 1, 1, pattern(56)));
    }

    private static byte[] pattern(int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) i;
        }
        return data;
    }

    /** The same IPv4 packet with a 4-byte option block (three NOPs and an end of options): IHL 6. */
    private static byte[] withIpOptions(byte[] frame) {
        int ipStart = EthernetFrame.HEADER_LEN;
        byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, ipStart + Ipv4Packet.HEADER_LEN);
        out[ipStart + 20] = 1;
        out[ipStart + 21] = 1;
        out[ipStart + 22] = 1;
        out[ipStart + 23] = 0;
        System.arraycopy(frame, ipStart + 20, out, ipStart + 24, frame.length - ipStart - 20);
        Ipv4Packet ip = Ipv4Packet.of(ByteBuffer.wrap(out), ipStart, out.length - ipStart);
        ip.setVersionAndHeaderLength(24);
        ip.setTotalLength(ip.totalLength() + 4);
        ip.fillChecksum();
        return out;
    }

    /** A damaged copy of {@code seed}: some bytes flipped, maybe cut short, maybe with junk after it. */
    private static byte[] mutate(byte[] seed, Random rnd) {
        byte[] frame = seed.clone();
        int flips = rnd.nextInt(5); // 0..4: an undamaged frame now and then keeps the happy paths busy
        for (int i = 0; i < flips; i++) {
            frame[rnd.nextInt(frame.length)] ^= (byte) (1 + rnd.nextInt(255));
        }
        if (rnd.nextBoolean()) {
            frame = Arrays.copyOf(frame, rnd.nextInt(frame.length + 1));
        } else if (rnd.nextInt(5) == 0) {
            byte[] longer = Arrays.copyOf(frame, frame.length + 1 + rnd.nextInt(64));
            for (int i = frame.length; i < longer.length; i++) {
                longer[i] = (byte) rnd.nextInt(256);
            }
            frame = longer;
        }
        return frame;
    }

    private final Bridge bridge = new Bridge("fuzz", new Fdb(AGEING));
    private final GatewayPort gateway = new GatewayPort(bridge, GATEWAY_IP, GATEWAY_MAC);
    private final MemoryPort[] pods = {
        new MemoryPort(bridge, "a"), new MemoryPort(bridge, "b"), new MemoryPort(bridge, "c"),
    };
    /** Broken promises, collected rather than thrown so that a throw can only come from the code under test. */
    private final List<String> violations = new ArrayList<>();
    private long injected;
    private long injectedBytes;
    private long now = 1_000_000 * MILLISECOND;

    /**
     * A router that only checks it is handed what it was promised: good IPv4, not for the gateway. It takes
     * packets whose last byte is even and refuses the others, so that both of the gateway's outcomes are
     * counted (the flipped payload bytes decide).
     */
    private DropReason checkRoutable(PacketContext packet, long at) {
        ByteBuffer frame = packet.buffer();
        int length = packet.frameLength();
        EthernetFrame eth = EthernetFrame.of(frame, 0, length);
        Ipv4Packet ip = Ipv4Packet.of(frame, EthernetFrame.HEADER_LEN, length - EthernetFrame.HEADER_LEN);
        if (eth.checkLength() != DropReason.NONE || eth.destination() != GATEWAY_MAC
                || eth.etherType() != EthernetFrame.TYPE_IPV4 || ip.checkLength() != DropReason.NONE
                || !ip.verifyChecksum() || ip.destination() == GATEWAY_IP) {
            violations.add("router given a frame it should not see: " + Arrays.toString(copy(frame, length)));
        }
        if (packet.origin() != PacketContext.Origin.POD || packet.ipOffset() != EthernetFrame.HEADER_LEN
                || packet.destination() != ip.destination() || packet.protocol() != ip.protocol()) {
            violations.add("the parsed context disagrees with the frame: " + Arrays.toString(copy(frame, length)));
        }
        return frame.get(length - 1) % 2 == 0 ? DropReason.NONE : DropReason.NO_ROUTE;
    }

    private static byte[] copy(ByteBuffer frame, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = frame.get(i);
        }
        return out;
    }

    private void inject(byte[] frame, Random rnd) {
        MemoryPort pod = pods[rnd.nextInt(pods.length)];
        ByteBuffer given = pod.inject(frame, now);
        if (!given.equals(ByteBuffer.wrap(frame))) {
            violations.add("the bridge wrote to a borrowed frame: " + Arrays.toString(frame));
        }
        injected++;
        injectedBytes += frame.length;
        now += MILLISECOND;
        for (MemoryPort p : pods) {
            p.clear();
        }
        if (bridge.fdb().size() > Fdb.MAX_LEARNED + 1) {
            violations.add("random source MACs grew the FDB past its bound: " + bridge.fdb().size());
        }
    }

    /**
     * What the gateway itself sends must be well formed, whatever it was sent. Watched where it enters the
     * bridge, since a pod can send frames from the gateway's MAC as well.
     */
    private void checkFromGateway(ByteBuffer frame, int offset, int length, long at) {
        byte[] out = copy(frame, length);
        EthernetFrame eth = Frames.eth(out);
        boolean ok;
        if (eth.etherType() == EthernetFrame.TYPE_ARP) {
            ok = ArpPacket.ArpRepr.parse(Frames.arpView(out)) != null;
        } else {
            Ipv4Packet ip = Frames.ipv4View(out);
            ok = ip.checkLength() == DropReason.NONE && ip.verifyChecksum() && ip.source() == GATEWAY_IP
                    && ip.protocol() == Ipv4Packet.PROTO_ICMP && Frames.icmpView(out).verifyChecksum()
                    && Frames.icmpView(out).type() == IcmpPacket.TYPE_ECHO_REPLY;
        }
        if (!ok || eth.source() != GATEWAY_MAC) {
            violations.add("malformed frame from the gateway: " + Arrays.toString(out));
        }
    }

    @Test
    void randomAndDamagedFramesAreDroppedAndCountedNeverThrown() {
        gateway.setRouter(this::checkRoutable);
        gateway.port().observe(this::checkFromGateway, null);
        Random rnd = new Random(SEED);

        for (int i = 0; i < RANDOM_FRAMES; i++) {
            byte[] frame = new byte[rnd.nextInt(MAX_RANDOM_LENGTH + 1)];
            rnd.nextBytes(frame);
            inject(frame, rnd);
        }
        List<byte[]> seeds = seeds();
        for (int i = 0; i < MUTATED_FRAMES; i++) {
            inject(mutate(seeds.get(rnd.nextInt(seeds.size())), rnd), rnd);
        }

        assertEquals(List.of(), violations.subList(0, Math.min(5, violations.size())),
                violations.size() + " violations, the first five shown");
        assertEveryFrameIsAccountedFor();
        assertTheGatewayParsersWereExercised();
    }

    private void assertEveryFrameIsAccountedFor() {
        long rxPackets = 0;
        long rxBytes = 0;
        long ingressDrops = 0;
        for (MemoryPort p : pods) {
            rxPackets += p.counters().rxPackets();
            rxBytes += p.counters().rxBytes();
            ingressDrops += p.counters().totalDrops(); // pods accept every frame, so all are ingress drops
        }
        assertEquals(injected, rxPackets, "rx packets on the pod ports");
        assertEquals(injectedBytes, rxBytes, "rx bytes on the pod ports");

        PortCounters gw = gateway.port().counters();
        assertEquals(gateway.arpReplies() + gateway.echoReplies(), gw.rxPackets(),
                "what enters through the gateway port is its replies");
        // The gateway's replies can loop (an ARP sender MAC equal to its own); no other ingress drop fits them.
        long gatewayIngressDrops = gw.drops(DropReason.LOOP);
        assertEquals(rxPackets + gw.rxPackets(),
                bridge.forwarded() + bridge.flooded() + ingressDrops + gatewayIngressDrops,
                "each frame received is forwarded, flooded or dropped at ingress, exactly once");

        long allDrops = ingressDrops + gw.totalDrops();
        assertTrue(allDrops > 0, "drops: " + allDrops);
    }

    private void assertTheGatewayParsersWereExercised() {
        PortCounters gw = gateway.port().counters();
        for (DropReason reason : List.of(DropReason.TRUNCATED, DropReason.BAD_ARP, DropReason.BAD_CHECKSUM,
                DropReason.BAD_VERSION, DropReason.UNSUPPORTED_PROTOCOL, DropReason.NO_ROUTE)) {
            assertTrue(gw.drops(reason) > 0, reason + " never counted at the gateway: " + gw.dropsByReason());
        }
        assertTrue(gateway.arpReplies() > 0, "no ARP replies");
        assertTrue(gateway.echoReplies() > 0, "no echo replies");
        assertTrue(gateway.routed() > 0, "nothing routed");
        for (MemoryPort p : pods) {
            for (DropReason reason : List.of(DropReason.TRUNCATED, DropReason.BAD_SOURCE_MAC, DropReason.LOOP)) {
                assertTrue(p.counters().drops(reason) > 0, reason + " never counted on " + p);
            }
        }
    }
}
