package dev.vnet.fault;

import static dev.vnet.fault.FaultSpecTest.args;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.IcmpRepr;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.fault.FaultVerdict.Action;
import dev.vnet.fault.FaultVerdict.Cause;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FaultEngineTest {

    static final long MS = 1_000_000L;

    /** A clock the test moves by hand. */
    static final class Clock implements LongSupplier {
        long now;

        @Override
        public long getAsLong() {
            return now;
        }
    }

    /** Collects what the engine releases: a copy of each frame and the clock when it came. */
    static final class Sink implements Released {
        final List<byte[]> frames = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        @Override
        public void released(ByteBuffer frame, int length, long nowNanos) {
            frames.add(TestFrames.bytes(frame, length));
            times.add(nowNanos);
        }

        int seq(int i) {
            return ByteBuffer.wrap(frames.get(i)).getInt(TestFrames.UDP_DATA);
        }
    }

    final Clock clock = new Clock();
    final Sink sink = new Sink();
    final FaultTable table = new FaultTable(42);
    final FaultEngine engine = new FaultEngine(clock);
    final FaultPoint web = table.pod("node-1", "web-1");
    final FaultPoint tunnel = table.tunnel("node-1", "node-2");

    int add(String line) {
        return table.add(FaultSpec.parse(args(line)));
    }

    FaultVerdict apply(FaultPoint point, ByteBuffer frame) {
        return engine.apply(point, frame, 0, frame.limit(), sink);
    }

    // --- statistics -------------------------------------------------------------------------------------

    /** Effect at web-1's port, the action it takes on a frame, the share of frames expected, the tolerance. */
    static final Object[][] SHARES = {
        {"--loss 30%", Action.DROP, 30.0, 3.0},
        {"--loss 0.5%", Action.DROP, 0.5, 0.3},
        {"--loss 100%", Action.DROP, 100.0, 0.0},
        {"--duplicate 10%", Action.DUPLICATE, 10.0, 2.0},
        {"--corrupt 5%", Action.TAKEN, 5.0, 1.5},
        {"--reorder 25%", Action.TAKEN, 25.0, 3.0},
    };

    @Test
    void eachEffectActsOnItsShareOfTenThousandFrames() {
        List<Executable> checks = new ArrayList<>();
        for (Object[] row : SHARES) {
            checks.add(() -> {
                FaultTable t = new FaultTable(7);
                FaultEngine e = new FaultEngine(clock);
                FaultPoint p = t.pod("node-1", "web-1");
                t.add(FaultSpec.parse(args("--node node-1 --pod web-1 " + row[0])));
                Map<Action, Integer> seen = new EnumMap<>(Action.class);
                for (int i = 0; i < 10_000; i++) {
                    ByteBuffer frame = TestFrames.udp(i);
                    seen.merge(e.apply(p, frame, 0, frame.limit(), sink).action(), 1, Integer::sum);
                    clock.now += MS;
                    e.releaseDue();
                }
                double share = seen.getOrDefault((Action) row[1], 0) / 100.0;
                double want = (double) row[2];
                assertTrue(Math.abs(share - want) <= (double) row[3], row[0] + ": " + share + "% " + row[1]
                        + ", want " + want + "±" + row[3] + " (" + seen + ")");
                assertEquals(10_000, p.faults().get(0).counts().seen(), row[0].toString());
            });
        }
        assertAll(checks);
    }

    @Test
    void theSameSeedGivesTheSameFatesAndAnotherSeedOthers() {
        Supplier<String> run42 = () -> fates(42);
        assertEquals(run42.get(), run42.get());
        assertNotEquals(fates(42), fates(43));
    }

    private String fates(long seed) {
        FaultTable t = new FaultTable(seed);
        FaultPoint p = t.tunnel("node-1", "node-2");
        t.add(FaultSpec.parse(args("--node node-1 --peer node-2 --loss 50%")));
        FaultEngine e = new FaultEngine(clock);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            ByteBuffer frame = TestFrames.udp(i);
            out.append(e.apply(p, frame, 0, frame.limit(), sink).dropped() ? 'x' : '.');
        }
        return out.toString();
    }

    // --- delay, jitter, reorder -------------------------------------------------------------------------

    @Test
    void aDelayedFrameIsReleasedWhenItsTimeComes() {
        add("--node node-1 --pod web-1 --delay 100ms");
        for (int i = 0; i < 10; i++) {
            FaultVerdict v = apply(web, TestFrames.udp(i));
            assertEquals(Action.TAKEN, v.action());
            assertEquals("delayed by fault 1: delay 100ms on pod web-1", v.message());
            clock.now += MS;
        }
        assertEquals(100 * MS, engine.nextReleaseNanos());
        assertEquals(10, engine.queued());
        clock.now = 100 * MS - 1;
        assertEquals(0, engine.releaseDue());
        while (clock.now < 120 * MS) {
            clock.now += MS / 10;
            engine.releaseDue();
        }
        assertEquals(10, sink.frames.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i, sink.seq(i));
            long due = 100 * MS + i * MS;
            assertTrue(sink.times.get(i) >= due && sink.times.get(i) < due + MS / 10, "frame " + i + " at "
                    + sink.times.get(i));
            assertArrayEquals(TestFrames.bytes(TestFrames.udp(i), TestFrames.udp(i).limit()), sink.frames.get(i));
        }
        assertEquals(Long.MAX_VALUE, engine.nextReleaseNanos());
        assertEquals(0, engine.queued());
    }

    @Test
    void jitterKeepsEachDelayWithinItsBounds() {
        add("--node node-1 --pod web-1 --delay 100ms --jitter 10ms");
        for (int i = 0; i < FaultEngine.DEFAULT_QUEUE_FRAMES; i++) {
            assertEquals(Action.TAKEN, apply(web, TestFrames.udp(i)).action());
        }
        assertEquals(Cause.QUEUE_FULL, apply(web, TestFrames.udp(-1)).cause());
        while (engine.queued() > 0) {
            clock.now += MS / 100;
            engine.releaseDue();
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        double sum = 0;
        for (long t : sink.times) {
            min = Math.min(min, t);
            max = Math.max(max, t);
            sum += t;
        }
        int n = sink.times.size();
        assertEquals(FaultEngine.DEFAULT_QUEUE_FRAMES, n);
        assertTrue(min >= 90 * MS && max <= 110 * MS + MS / 100, min + " .. " + max);
        assertTrue(min < 91 * MS && max > 109 * MS, "jitter spreads across its range: " + min + " .. " + max);
        assertTrue(Math.abs(sum / n - 100 * MS) < MS, "mean " + sum / n);
    }

    @Test
    void reorderLetsLaterFramesOvertake() {
        add("--node node-1 --pod web-1 --reorder 25%");
        List<Integer> order = new ArrayList<>();
        Released record = (frame, length, now) -> order.add(frame.getInt(TestFrames.UDP_DATA));
        for (int i = 0; i < 1000; i++) {
            ByteBuffer frame = TestFrames.udp(i);
            if (engine.apply(web, frame, 0, frame.limit(), record).action() == Action.PASS) {
                order.add(i);
            }
            clock.now += MS;
            engine.releaseDue();
        }
        clock.now += 20 * MS;
        engine.releaseDue();
        assertEquals(1000, order.size());
        assertEquals(1000, order.stream().distinct().count());
        int overtaken = 0;
        int highest = -1;
        for (int seq : order) {
            if (seq < highest) {
                overtaken++;
            }
            highest = Math.max(highest, seq);
        }
        // Held back 10 ms at one frame per ms: each held frame arrives after the ten that followed it.
        assertTrue(overtaken > 200 && overtaken < 300, overtaken + " of 1000 frames arrived late");
    }

    @Test
    void aDelayAloneKeepsTheOrder() {
        add("--node node-1 --pod web-1 --delay 5ms");
        for (int i = 0; i < 200; i++) {
            apply(web, TestFrames.udp(i));
            clock.now += MS / 3;
            engine.releaseDue();
        }
        clock.now += 10 * MS;
        engine.releaseDue();
        for (int i = 0; i < 200; i++) {
            assertEquals(i, sink.seq(i));
        }
    }

    // --- rate -------------------------------------------------------------------------------------------

    @Test
    void aRateLimitCarriesItsBytesPerSecond() {
        add("--node node-1 --pod web-1 --rate 10");
        ByteBuffer frame = TestFrames.udp(0, 5000, 1500);
        int length = frame.limit();
        long gap = Math.round(length * 8 / 20e6 * 1e9); // offered at 20 Mbit/s
        long[] bytesBySecond = new long[3];
        int drops = 0;
        Released count = (f, n, now) -> bytesBySecond[(int) (now / 1_000_000_000L)] += n;
        while (clock.now < 2_000_000_000L) {
            FaultVerdict v = engine.apply(web, frame, 0, length, count);
            if (v.action() == Action.PASS) {
                bytesBySecond[(int) (clock.now / 1_000_000_000L)] += length;
            } else if (v.dropped()) {
                assertEquals(Cause.RATE, v.cause());
                drops++;
            }
            clock.now += gap;
            engine.releaseDue();
        }
        // The second second is all steady state: 10 Mbit/s is 1,250,000 bytes.
        assertTrue(Math.abs(bytesBySecond[1] - 1_250_000) < 1_250_000 * 0.01, bytesBySecond[1] + " bytes in 1 s");
        assertTrue(drops > 0, "half the offer is dropped once the backlog is full");
        assertEquals(drops, web.faults().get(0).counts().dropped());
    }

    @Test
    void underItsRateAFrameGoesAtOnce() {
        add("--node node-1 --pod web-1 --rate 10");
        ByteBuffer frame = TestFrames.udp(0, 5000, 1500);
        long gap = Math.round(frame.limit() * 8 / 5e6 * 1e9); // 5 Mbit/s
        for (int i = 0; i < 1000; i++) {
            assertSame(FaultVerdict.PASS, apply(web, frame));
            clock.now += gap;
        }
    }

    // --- MTU, the PMTU black hole, drop filters --------------------------------------------------------

    /** Point (pod, tunnel, underlay), the fault's MTU, the frame's IPv4 length (0: ARP), dropped? */
    static final Object[][] MTUS = {
        {"pod", 1400, 1400, false},
        {"pod", 1400, 1401, true},
        {"pod", 1400, 0, false},
        {"pod", 68, 69, true},
        // On the underlay the frame is wrapped: outer IPv4, UDP and VXLAN add 36 bytes to the inner frame.
        {"tunnel", 1500, 1450, false},
        {"tunnel", 1500, 1451, true},
        {"underlay", 1500, 1450, false},
        {"underlay", 1500, 1451, true},
        {"tunnel", 1400, 1350, false},
        {"tunnel", 1400, 1400, true},
    };

    @Test
    void anMtuDropsLargerFramesOnly() {
        List<Executable> checks = new ArrayList<>();
        for (Object[] row : MTUS) {
            checks.add(() -> {
                FaultTable t = new FaultTable(1);
                String where = row[0].equals("pod") ? " --pod web-1" : row[0].equals("tunnel") ? " --peer node-2" : "";
                t.add(FaultSpec.parse(args("--node node-1" + where + " --mtu " + row[1])));
                FaultPoint p = row[0].equals("pod") ? t.pod("node-1", "web-1") : t.tunnel("node-1", "node-2");
                ByteBuffer frame = (int) row[2] == 0 ? TestFrames.arpRequest() : TestFrames.udp(1, 5000, (int) row[2]);
                FaultVerdict v = engine.apply(p, frame, 0, frame.limit(), sink);
                String name = row[0] + " mtu " + row[1] + " ip " + row[2];
                assertEquals(row[3], v.dropped(), name);
                if (v.dropped()) {
                    assertEquals(Cause.MTU, v.cause(), name);
                    assertEquals((int) row[1], v.mtu(), name);
                }
            });
        }
        assertAll(checks);
        add("--node node-1 --pod web-1 --mtu 1400");
        assertEquals("dropped by fault 1: mtu 1400 on pod web-1", apply(web, TestFrames.udp(1, 5000, 1401)).message());
    }

    @Test
    void noFragNeededDropsOnlyIcmpFragmentationNeeded() {
        add("--node node-1 --pod web-1 --no-frag-needed");
        ByteBuffer laterFragment = TestFrames.fragNeeded(1400);
        Ipv4Packet ip = Ipv4Packet.of(laterFragment, EthernetFrame.HEADER_LEN, laterFragment.limit() - 14);
        ip.setFragmentOffset(10);
        ip.fillChecksum();
        ByteBuffer cut = ByteBuffer.wrap(TestFrames.bytes(TestFrames.fragNeeded(1400), 35)); // 1 byte of ICMP
        Object[][] cases = {
            {"frag needed", TestFrames.fragNeeded(1400), true},
            {"port unreachable",
                TestFrames.icmpError(IcmpRepr.destinationUnreachable(IcmpPacket.CODE_PORT_UNREACHABLE)), false},
            {"time exceeded", TestFrames.icmpError(IcmpRepr.timeExceeded()), false},
            {"echo", TestFrames.echo(), false},
            {"tcp", TestFrames.tcpSyn(80), false},
            {"udp", TestFrames.udp(1), false},
            {"arp", TestFrames.arpRequest(), false},
            {"later fragment", laterFragment, false},
            {"cut short", cut, false},
        };
        List<Executable> checks = new ArrayList<>();
        for (Object[] c : cases) {
            checks.add(() -> {
                FaultVerdict v = apply(web, (ByteBuffer) c[1]);
                assertEquals(c[2], v.dropped(), (String) c[0]);
                if (v.dropped()) {
                    assertEquals("dropped by fault 1: no-frag-needed on pod web-1", v.message());
                }
            });
        }
        assertAll(checks);
    }

    @Test
    void aDropFilterDropsWhatItMatches() {
        Libpcap.assumeInstalled();
        table.add(FaultSpec.parse(List.of("--node", "node-1", "--peer", "node-2", "--drop", "tcp dst port 80")));
        Object[][] cases = {
            {"tcp 80", TestFrames.tcpSyn(80), true},
            {"tcp 443", TestFrames.tcpSyn(443), false},
            {"udp 80", TestFrames.udp(1, 80, 100), false},
            {"echo", TestFrames.echo(), false},
            {"arp", TestFrames.arpRequest(), false},
        };
        List<Executable> checks = new ArrayList<>();
        for (Object[] c : cases) {
            checks.add(() -> assertEquals(c[2], apply(tunnel, (ByteBuffer) c[1]).dropped(), (String) c[0]));
        }
        assertAll(checks);
        FaultVerdict v = apply(tunnel, TestFrames.tcpSyn(80));
        assertEquals(Cause.FILTER, v.cause());
        assertEquals("dropped by fault 1: drop 'tcp dst port 80' on node-1 → node-2", v.message());
        // Not at the tunnel to another peer.
        assertSame(FaultVerdict.PASS, apply(table.tunnel("node-1", "node-3"), TestFrames.tcpSyn(80)));
    }

    // --- corruption -------------------------------------------------------------------------------------

    @Test
    void corruptionFlipsOneBitAfterTheIpHeaderInACopy() {
        add("--node node-1 --pod web-1 --corrupt 100%");
        for (int i = 0; i < 500; i++) {
            ByteBuffer frame = TestFrames.udp(i, 5000, 20 + 8 + 1 + i % 200);
            byte[] before = TestFrames.bytes(frame, frame.limit());
            FaultVerdict v = apply(web, frame);
            assertEquals(Action.TAKEN, v.action());
            assertEquals(Cause.CORRUPT, v.cause());
            assertArrayEquals(before, TestFrames.bytes(frame, frame.limit()), "the caller's frame is not touched");
            byte[] after = sink.frames.get(i);
            int flipped = 0;
            for (int b = 0; b < before.length; b++) {
                int diff = (before[b] ^ after[b]) & 0xFF;
                if (diff != 0) {
                    assertEquals(1, Integer.bitCount(diff));
                    assertTrue(b >= EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN, "byte " + b + " flipped");
                    flipped++;
                }
            }
            assertEquals(1, flipped);
        }
        assertEquals(500, web.faults().get(0).counts().corrupted());
        assertEquals(0, engine.queued());
    }

    @Test
    void corruptionNeverThrowsOnShortOrOddFrames() {
        add("--node node-1 --pod web-1 --corrupt 100% --duplicate 50%");
        List<ByteBuffer> frames = List.of(TestFrames.udp(1), TestFrames.tcpSyn(80), TestFrames.echo(),
                TestFrames.arpRequest(), TestFrames.fragNeeded(1400), TestFrames.ip(1, 2, 99, 0));
        for (ByteBuffer whole : frames) {
            for (int n = 0; n <= whole.limit(); n++) {
                ByteBuffer cut = ByteBuffer.wrap(TestFrames.bytes(whole, n));
                FaultVerdict v = engine.apply(web, cut, 0, n, sink);
                assertTrue(v.action() != Action.DROP, "length " + n);
                // Lengths past the buffer, and nonsense ranges, are not a reason to throw either.
                engine.apply(web, cut, 0, n + 100, sink);
                engine.apply(web, cut, n, 5, sink);
                engine.apply(web, cut, -1, 5, sink);
            }
        }
        // An IPv4 header whose length field lies (IHL 15): still one bit after the Ethernet header.
        ByteBuffer liar = TestFrames.udp(1);
        liar.put(EthernetFrame.HEADER_LEN, (byte) 0x4F);
        engine.apply(web, liar, 0, liar.limit(), sink);
    }

    // --- queue, duplicates, composition, counters ----------------------------------------------------------

    @Test
    void aFullQueueDropsAndSaysSo() {
        FaultEngine small = new FaultEngine(clock, 4, 256);
        add("--node node-1 --pod web-1 --delay 10ms");
        List<FaultVerdict> verdicts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ByteBuffer frame = TestFrames.udp(i);
            verdicts.add(small.apply(web, frame, 0, frame.limit(), sink));
        }
        assertEquals(List.of(Action.TAKEN, Action.TAKEN, Action.TAKEN, Action.TAKEN, Action.DROP, Action.DROP),
                verdicts.stream().map(FaultVerdict::action).toList());
        assertEquals("dropped by fault 1: delay 10ms on pod web-1 (fault queue full)", verdicts.get(4).message());
        assertEquals(Cause.QUEUE_FULL, verdicts.get(4).cause());
        clock.now = 10 * MS;
        assertEquals(4, small.releaseDue());
        ByteBuffer frame = TestFrames.udp(9);
        assertEquals(Action.TAKEN, small.apply(web, frame, 0, frame.limit(), sink).action(), "the buffers are free");
        ByteBuffer big = TestFrames.udp(10, 5000, 300);
        FaultVerdict tooBig = small.apply(web, big, 0, big.limit(), sink);
        assertEquals(Cause.TOO_BIG, tooBig.cause());
        assertEquals(1, small.discardQueued());
        assertEquals(0, small.queued());
        FaultCounts c = web.faults().get(0).counts();
        assertEquals(new FaultCounts(8, 3, 5, 0, 0), c);
    }

    @Test
    void aDelayedDuplicateIsReleasedTwice() {
        add("--node node-1 --pod web-1 --duplicate 100% --delay 1ms");
        assertEquals(Action.TAKEN, apply(web, TestFrames.udp(5)).action());
        clock.now = MS;
        assertEquals(2, engine.releaseDue());
        assertEquals(List.of(5, 5), List.of(sink.seq(0), sink.seq(1)));
        assertEquals(new FaultCounts(1, 0, 1, 1, 0), web.faults().get(0).counts());
        table.clear();
        add("--node node-1 --pod web-1 --duplicate 100%");
        FaultVerdict v = apply(web, TestFrames.udp(6));
        assertEquals(Action.DUPLICATE, v.action());
        assertEquals("duplicated by fault 2: duplicate 100% on pod web-1", v.message());
    }

    @Test
    void underlayFaultsActOnEveryTunnelOfTheirNodeAndDelaysAddUp() {
        int underlay = add("--node node-1 --delay 5ms");
        int toNode2 = add("--node node-1 --peer node-2 --delay 10ms");
        add("--node node-1 --pod web-1 --loss 100%");
        FaultPoint toNode3 = table.tunnel("node-1", "node-3");
        FaultPoint back = table.tunnel("node-2", "node-1");
        assertEquals(List.of(underlay, toNode2), tunnel.faults().stream().map(Impairment::id).toList());
        assertEquals(List.of(underlay), toNode3.faults().stream().map(Impairment::id).toList());
        assertEquals(List.of(underlay), table.underlay("node-1").faults().stream().map(Impairment::id).toList());
        assertSame(FaultVerdict.PASS, apply(back, TestFrames.udp(0)));
        assertSame(FaultVerdict.PASS, apply(table.pod("node-1", "web-2"), TestFrames.udp(0)));
        assertEquals(Action.DROP, apply(web, TestFrames.udp(0)).action());
        FaultVerdict v = apply(tunnel, TestFrames.udp(1));
        assertEquals(underlay, v.faultId(), "the first fault that delayed names the verdict");
        apply(toNode3, TestFrames.udp(2));
        clock.now = 5 * MS;
        engine.releaseDue();
        assertEquals(List.of(2), List.of(sink.seq(0)));
        clock.now = 15 * MS - 1;
        assertEquals(0, engine.releaseDue());
        clock.now = 15 * MS;
        assertEquals(1, engine.releaseDue());
        assertEquals(1, sink.seq(1));
    }

    @Test
    void theCountersAddUpToWhatTheVerdictsSaid() {
        add("--node node-1 --pod web-1 --loss 20% --duplicate 10% --corrupt 10% --delay 5ms");
        int dropped = 0;
        int taken = 0;
        for (int i = 0; i < 5000; i++) {
            FaultVerdict v = apply(web, TestFrames.udp(i));
            if (v.dropped()) {
                dropped++;
            } else {
                assertEquals(Action.TAKEN, v.action());
                taken++;
            }
            clock.now += MS;
            engine.releaseDue();
        }
        clock.now += 10 * MS;
        engine.releaseDue();
        int corrupted = 0;
        byte[] previous = null;
        for (byte[] f : sink.frames) {
            // A duplicate's second copy follows its first; a flipped bit in the sequence number still differs.
            if (!Arrays.equals(f, previous)) {
                ByteBuffer original = TestFrames.udp(ByteBuffer.wrap(f).getInt(TestFrames.UDP_DATA));
                if (!Arrays.equals(TestFrames.bytes(original, original.limit()), f)) {
                    corrupted++;
                }
            }
            previous = f;
        }
        FaultCounts c = web.faults().get(0).counts();
        assertEquals(5000, c.seen());
        assertEquals(dropped, c.dropped());
        assertEquals(taken, c.delayed());
        assertEquals(sink.frames.size() - taken, c.duplicated());
        assertEquals(corrupted, c.corrupted());
        assertTrue(Math.abs(c.dropped() - 1000) < 150 && Math.abs(c.duplicated() - 400) < 100
                && Math.abs(c.corrupted() - 400) < 100, c.toString());
    }

    // --- cost -------------------------------------------------------------------------------------------

    @Test
    void aPointWithoutFaultsAllocatesNothing() {
        add("--node node-1 --pod web-2 --loss 100%"); // a fault elsewhere on the node changes nothing here
        ByteBuffer frame = ByteBuffer.allocateDirect(1514);
        frame.put(0, TestFrames.bytes(TestFrames.udp(1, 5000, 1500), 1514));
        Released nowhere = (f, n, now) -> { };
        long[] passed = {0};
        long bytes = AllocationMeter.bytesAllocated(20_000, 200_000, () -> {
            if (engine.apply(web, frame, 0, 1514, nowhere) == FaultVerdict.PASS) {
                passed[0]++;
            }
        });
        assertEquals(0, bytes, "bytes allocated by 200,000 frames at a point without faults");
        assertEquals(220_000, passed[0]);
    }

    @Test
    void anActiveFaultAllocatesNothingOnceItsBuffersExist() {
        add("--node node-1 --pod web-1 --loss 30% --corrupt 20% --duplicate 10% --delay 1ms --jitter 1ms");
        ByteBuffer frame = TestFrames.udp(1, 5000, 1000);
        Released nowhere = (f, n, now) -> { };
        long bytes = AllocationMeter.bytesAllocated(20_000, 100_000, () -> {
            engine.apply(web, frame, 0, frame.limit(), nowhere);
            clock.now += MS / 4;
            engine.releaseDue();
        });
        assertEquals(0, bytes, "bytes allocated by 100,000 impaired frames");
    }
}
