package dev.vnet.node.fault;

import dev.vnet.apiserver.api.Fault;
import dev.vnet.apiserver.api.FaultKind;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.controller.Reconciler;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.fault.FaultCounts;
import dev.vnet.fault.FaultEngine;
import dev.vnet.fault.FaultSpec;
import dev.vnet.fault.FaultTable;
import dev.vnet.fault.Impairment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;
import tools.jackson.databind.node.ArrayNode;

/**
 * The faults of this process's nodes, kept in step with the store's Faults: wherever `vnet fault add` ran, the
 * node it names applies it, and drops it when it is deleted. It owns the process's {@link FaultTable} (which
 * faults sit at which point of the data path) and {@link FaultEngine} (the frames they hold back), and the thread
 * that releases delayed frames on time.
 *
 * <p>Its own loop is never paused: `--pause sync` stops the node's other loops, and `vnet fault clear` must still
 * reach it.
 */
public final class FaultAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FaultAgent.class.getName());
    /** How often the release thread looks when frames are held (their times are finer than that anyway). */
    private static final long BUSY_PARK_NANOS = 500_000;
    private static final long IDLE_PARK_NANOS = 50_000_000;

    private final Set<String> nodes;
    private final ClusterStore store;
    private final FaultTable table = new FaultTable();
    private final FaultEngine engine = new FaultEngine(System::nanoTime);
    private final Thread releaser;
    private final Reconciler reconciler;
    private volatile boolean running = true;

    private FaultAgent(ClusterStore store, Set<String> nodes) {
        this.store = store;
        this.nodes = Set.copyOf(nodes);
        this.releaser = new Thread(this::releaseLoop, "fault-release");
        releaser.setDaemon(true);
        releaser.start();
        this.reconciler = Reconciler.start("faults", store, List.of(FaultKind.KIND), this::sync);
    }

    /** Applies the store's faults of {@code nodes} (the nodes this process runs) from now on. */
    public static FaultAgent start(ClusterStore store, Set<String> nodes) {
        return new FaultAgent(store, nodes);
    }

    public FaultTable table() {
        return table;
    }

    public FaultEngine engine() {
        return engine;
    }

    /** Whether node {@code node}'s loop {@code what} is paused by a fault now (one volatile read). */
    public boolean paused(String node, FaultSpec.Pause what) {
        return table.paused(node, what);
    }

    private void sync() {
        Map<Integer, FaultSpec> want = new HashMap<>();
        for (Fault f : store.list(FaultKind.KIND)) {
            if (f.spec() == null || !nodes.contains(f.spec().node()) || f.id() < 1) {
                continue;
            }
            try {
                want.put(f.id(), FaultKind.spec(f));
            } catch (IllegalArgumentException e) {
                LOG.warning("fault " + f.id() + " is not applied: " + e.getMessage());
            }
        }
        table.replaceAll(want);
    }

    private void releaseLoop() {
        while (running) {
            long next = engine.nextReleaseNanos();
            if (next == Long.MAX_VALUE) {
                LockSupport.parkNanos(table.size() == 0 ? IDLE_PARK_NANOS : BUSY_PARK_NANOS);
                continue;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, BUSY_PARK_NANOS));
            }
            try {
                engine.releaseDue();
            } catch (RuntimeException e) {
                LOG.warning("releasing delayed frames failed: " + e);
            }
        }
    }

    /** Each fault this process applies, with its counters: what `vnet fault list` shows beside the store's. */
    public ArrayNode counts() {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (Impairment i : table.list()) {
            FaultCounts c = i.counts();
            out.addObject().put("id", i.id()).put("node", i.spec().node()).put("description", i.spec().describe())
                    .put("seen", c.seen()).put("dropped", c.dropped()).put("delayed", c.delayed())
                    .put("duplicated", c.duplicated()).put("corrupted", c.corrupted());
        }
        return out;
    }

    @Override
    public void close() {
        reconciler.close();
        running = false;
        LockSupport.unpark(releaser);
        try {
            releaser.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.discardQueued();
        table.clear();
    }
}
