package dev.vnet.fault;

import static dev.vnet.fault.FaultSpecTest.args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FaultTableTest {

    final FaultTable table = new FaultTable(1);

    static FaultSpec spec(String line) {
        return FaultSpec.parse(args(line));
    }

    static List<String> listing(FaultTable table) {
        return table.list().stream().map(Impairment::describe).toList();
    }

    static List<Integer> ids(FaultPoint point) {
        return point.faults().stream().map(Impairment::id).toList();
    }

    @Test
    void addListDeleteClear() {
        assertEquals(1, table.add(spec("--node node-1 --peer node-2 --loss 100%")));
        assertEquals(2, table.add(spec("--node node-1 --pod web-1 --delay 100ms --jitter 10ms")));
        assertEquals(3, table.add(spec("--node node-2 --pause sync")));
        assertEquals(List.of("fault 1: loss 100% on node-1 → node-2", "fault 2: delay 100ms ±10ms on pod web-1",
                "fault 3: pause sync on node-2"), listing(table));
        assertTrue(table.delete(2));
        assertFalse(table.delete(2));
        assertNull(table.get(2));
        assertEquals(List.of(1, 3), table.list().stream().map(Impairment::id).toList());
        assertEquals(4, table.add(spec("--node node-1 --mtu 1400")), "ids are not reused");
        assertEquals(3, table.clear());
        assertEquals(List.of(), table.list());
        assertEquals(5, table.add(spec("--node node-1 --mtu 1400")));
    }

    @Test
    void pointsFollowTheFaultsAsTheyComeAndGo() {
        FaultPoint tunnel = table.tunnel("node-1", "node-2");
        FaultPoint web = table.pod("node-1", "web-1");
        assertSame(tunnel, table.tunnel("node-1", "node-2"), "one point per place");
        assertNotSame(tunnel, table.tunnel("node-2", "node-1"));
        assertFalse(tunnel.impaired());
        int underlay = table.add(spec("--node node-1 --loss 10%"));
        int peer = table.add(spec("--node node-1 --peer node-2 --delay 1ms"));
        int pod = table.add(spec("--node node-1 --pod web-1 --corrupt 1%"));
        table.add(spec("--node node-1 --pause dns"));
        assertEquals(List.of(underlay, peer), ids(tunnel));
        assertEquals(List.of(pod), ids(web));
        assertEquals(List.of(underlay), ids(table.underlay("node-1")));
        assertEquals(List.of(underlay), ids(table.tunnel("node-1", "node-9")), "a point asked for later");
        assertEquals(List.of(), ids(table.tunnel("node-2", "node-1")));
        assertEquals(List.of(), ids(table.pod("node-2", "web-1")), "the pod name on another node");
        table.delete(underlay);
        assertEquals(List.of(peer), ids(tunnel));
        table.clear();
        assertFalse(tunnel.impaired());
        assertFalse(web.impaired());
        assertEquals("node-1 → node-2", tunnel.toString());
        assertEquals("pod web-1 on node-1", web.toString());
        assertEquals("node-1's underlay", table.underlay("node-1").toString());
    }

    @Test
    void pausesAreReadPerNode() {
        assertFalse(table.paused("node-1", FaultSpec.Pause.SYNC));
        int id = table.add(spec("--node node-1 --pause sync"));
        table.add(spec("--node node-2 --pause dns --pause sync"));
        assertTrue(table.paused("node-1", FaultSpec.Pause.SYNC));
        assertFalse(table.paused("node-1", FaultSpec.Pause.DNS));
        assertEquals(Set.of(FaultSpec.Pause.SYNC, FaultSpec.Pause.DNS), table.pauses("node-2"));
        assertEquals(Set.of(), table.pauses("node-3"));
        assertFalse(table.tunnel("node-1", "node-2").impaired(), "a pause acts on no frame");
        table.delete(id);
        assertFalse(table.paused("node-1", FaultSpec.Pause.SYNC));
    }

    @Test
    void aSyncFromTheStoreKeepsUnchangedFaultsAndTheirCounters() {
        FaultPoint web = table.pod("node-1", "web-1");
        table.replaceAll(Map.of(7, spec("--node node-1 --pod web-1 --loss 100%"),
                9, spec("--node node-1 --pod web-1 --delay 1ms")));
        assertEquals(List.of(7, 9), ids(web));
        FaultEngine engine = new FaultEngine(() -> 0L);
        ByteBuffer frame = TestFrames.udp(1);
        engine.apply(web, frame, 0, frame.limit(), (f, n, now) -> { });
        Impairment seven = table.get(7);
        assertEquals(1, seven.counts().dropped());
        table.replaceAll(Map.of(7, spec("--node node-1 --pod web-1 --loss 100%"),
                8, spec("--node node-1 --pause sync")));
        assertSame(seven, table.get(7), "an unchanged fault is the same object, counters and all");
        assertNull(table.get(9));
        assertTrue(table.paused("node-1", FaultSpec.Pause.SYNC));
        table.put(7, spec("--node node-1 --pod web-1 --loss 50%"));
        assertNotSame(seven, table.get(7), "a changed fault starts afresh");
        assertEquals(0, table.get(7).counts().dropped());
        assertEquals(10, table.add(spec("--node node-1 --mtu 1400")), "new ids follow the store's");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> table.put(0, spec("--node node-1 --mtu 1400")));
        assertEquals("fault ids are positive, not 0", e.getMessage());
    }

    @Test
    void aNodeTakesAtMostSixtyFourFaults() {
        for (int i = 0; i < FaultTable.MAX_FAULTS_PER_NODE; i++) {
            table.add(spec("--node node-1 --loss 1"));
        }
        table.add(spec("--node node-2 --loss 1"));
        table.add(spec("--node node-1 --pause sync"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> table.add(spec("--node node-1 --peer node-2 --loss 1")));
        assertEquals("at most 64 faults may act on node-1's data path: delete some with vnet fault del ID",
                e.getMessage());
        assertEquals(66, table.size(), "a refused fault changes nothing");
    }

    /** Writers re-point the faults while a data-path thread applies them: no frame sees a torn table. */
    @Test
    void theDataPathReadsWhileFaultsChange() throws Exception {
        FaultPoint tunnel = table.tunnel("node-1", "node-2");
        FaultEngine engine = new FaultEngine(System::nanoTime);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] frames = {0};
        Thread dataPath = new Thread(() -> {
            ByteBuffer frame = TestFrames.udp(1);
            try {
                while (!stop.get()) {
                    FaultVerdict v = engine.apply(tunnel, frame, 0, frame.limit(), (f, n, now) -> { });
                    if (v.dropped() && v.faultId() == 0) {
                        throw new AssertionError("a drop without a fault");
                    }
                    engine.releaseDue();
                    frames[0]++;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        dataPath.start();
        for (int i = 0; i < 2000; i++) {
            int id = table.add(spec(i % 2 == 0 ? "--node node-1 --peer node-2 --loss 50%"
                    : "--node node-1 --delay 1ms"));
            if (i % 3 == 0) {
                table.delete(id);
            }
            if (i % 50 == 49) {
                table.clear();
            }
        }
        stop.set(true);
        dataPath.join(10_000);
        assertNull(failure.get());
        assertTrue(frames[0] > 0);
    }
}
