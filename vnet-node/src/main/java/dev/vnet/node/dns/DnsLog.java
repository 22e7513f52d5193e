package dev.vnet.node.dns;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The recent questions a node's DNS answered, and counters by query type and response code. This is where
 * a learner sees {@code ndots:5} at work: one {@code curl http://web} asks for web.default.svc.cluster.local
 * first, and a name like example.com is tried with every search suffix before it is tried as it is.
 */
public final class DnsLog {
    /** One question and its answer. */
    public record Entry(Instant at, String node, String client, String transport, String name, String type,
                        String rcode, List<String> answers) {}

    public static final int CAPACITY = 200;

    private final Deque<Entry> recent = new ArrayDeque<>();
    private final Map<String, LongAdder> byType = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> byRcode = new ConcurrentHashMap<>();
    private final LongAdder malformed = new LongAdder();
    /** Queries not answered because a fault paused the server. */
    private final LongAdder pausedDrops = new LongAdder();

    public void record(Entry e) {
        byType.computeIfAbsent(e.type(), k -> new LongAdder()).increment();
        byRcode.computeIfAbsent(e.rcode(), k -> new LongAdder()).increment();
        synchronized (recent) {
            if (recent.size() == CAPACITY) {
                recent.removeFirst();
            }
            recent.addLast(e);
        }
    }

    public void malformed() {
        malformed.increment();
    }

    public List<Entry> recent() {
        synchronized (recent) {
            return new ArrayList<>(recent);
        }
    }

    public Map<String, Long> queriesByType() {
        Map<String, Long> out = new TreeMap<>();
        byType.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public Map<String, Long> responsesByRcode() {
        Map<String, Long> out = new TreeMap<>();
        byRcode.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public void pausedDrop() {
        pausedDrops.increment();
    }

    public long pausedDropCount() {
        return pausedDrops.sum();
    }

    public long malformedCount() {
        return malformed.sum();
    }
}
