package dev.vnet.node.router;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Recent flow events, Hubble-style: each new translated flow with the Service's decision, and each packet a
 * node dropped with the reason. Bounded: the oldest events go first. Events are numbered so that a follower
 * ({@code vnet flows -f}) asks only for what is new.
 */
public final class FlowLog {
    /** One event. {@code verdict} is "translated" or "dropped". */
    public record Event(long seq, Instant at, String node, String protocol, String src, String dst, String verdict,
                        String detail) {}

    public static final int CAPACITY = 1000;

    private final Deque<Event> events = new ArrayDeque<>();
    private final Clock clock;
    private long next = 1;

    public FlowLog() {
        this(Clock.systemUTC());
    }

    /** A log that stamps events with {@code clock}'s time (a fixed clock in tests). */
    public FlowLog(Clock clock) {
        this.clock = clock;
    }

    public synchronized void add(String node, String protocol, String src, String dst, String verdict, String detail) {
        if (events.size() == CAPACITY) {
            events.removeFirst();
        }
        events.addLast(new Event(next++, clock.instant(), node, protocol, src, dst, verdict, detail));
    }

    /** Events numbered above {@code after}, oldest first. */
    public synchronized List<Event> since(long after) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.seq() > after) {
                out.add(e);
            }
        }
        return out;
    }
}
