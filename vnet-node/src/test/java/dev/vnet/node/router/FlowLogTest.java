package dev.vnet.node.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded, numbered log of flow events that `vnet flows` reads and follows. */
class FlowLogTest {
    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    private final FlowLog log = new FlowLog(Clock.fixed(T0, ZoneOffset.UTC));

    private static List<Long> seqs(List<FlowLog.Event> events) {
        return events.stream().map(FlowLog.Event::seq).toList();
    }

    @Test
    void anEventKeepsWhatItWasGivenStampedWithTheClock() {
        log.add("node-1", "tcp", "10.244.1.2:40000", "10.96.0.2:80", "translated", "default/web:http → 10.244.2.7:8080");

        assertEquals(List.of(new FlowLog.Event(1, T0, "node-1", "tcp", "10.244.1.2:40000", "10.96.0.2:80",
                "translated", "default/web:http → 10.244.2.7:8080")), log.since(0));
    }

    @Test
    void eventsAreNumberedFromOneInTheOrderTheyCame() {
        log.add("node-1", "udp", "a", "b", "dropped", "x");
        log.add("node-2", "tcp", "c", "d", "dropped", "y");
        log.add("node-1", "icmp", "e", "f", "dropped", "z");

        List<FlowLog.Event> all = log.since(0);
        assertEquals(List.of(1L, 2L, 3L), seqs(all));
        assertEquals(List.of("udp", "tcp", "icmp"), all.stream().map(FlowLog.Event::protocol).toList());
    }

    @Test
    void sinceGivesOnlyWhatIsNewerThanTheLastSeen() {
        for (int i = 0; i < 5; i++) {
            log.add("node-1", "udp", "a", "b", "dropped", "x" + i);
        }

        assertEquals(List.of(4L, 5L), seqs(log.since(3)));
        assertEquals(List.of(), log.since(5), "a follower that saw everything gets nothing");
        assertEquals(List.of(), log.since(99));
    }

    @Test
    void aFullLogForgetsTheOldestFirstAndKeepsNumbering() {
        for (int i = 0; i < FlowLog.CAPACITY + 3; i++) {
            log.add("node-1", "udp", "a", "b", "dropped", "x" + i);
        }

        List<FlowLog.Event> all = log.since(0);
        assertEquals(FlowLog.CAPACITY, all.size());
        assertEquals(4L, all.get(0).seq(), "the three oldest went");
        assertEquals((long) FlowLog.CAPACITY + 3, all.get(all.size() - 1).seq());
        assertEquals("x3", all.get(0).detail());
    }
}
