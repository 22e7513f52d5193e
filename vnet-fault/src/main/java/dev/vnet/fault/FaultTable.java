package dev.vnet.fault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The active faults, by id, and the points they act at. Writers ({@code vnet fault add/del/clear}, or the node's
 * sync from the store) take the table's lock, build a new snapshot and re-point every point's faults; the data
 * path reads a point's faults with one volatile read and never locks. Counters live in each {@link Impairment}
 * and survive a re-sync that leaves the fault's spec as it was.
 *
 * <p>Ids start at 1 and are never reused while the table lives; a store that numbers faults itself puts them
 * with {@link #put} or {@link #replaceAll}. Points are kept for the table's life, one per pod, peer and node
 * ever asked for (a few hundred bytes each).
 */
public final class FaultTable {

    /** More data-plane faults than this on one node is a mistake, not a lab; it also bounds a point's faults. */
    public static final int MAX_FAULTS_PER_NODE = 64;

    private record Key(FaultPoint.Kind kind, String node, String name) {}

    private final long seed;
    /* Guarded by this. */
    private final Map<Key, FaultPoint> points = new HashMap<>();
    private int nextId = 1;
    /** id → fault, lowest first: replaced whole on each change. */
    private volatile TreeMap<Integer, Impairment> faults = new TreeMap<>();
    /** node → its paused loops: replaced whole on each change. */
    private volatile Map<String, Set<FaultSpec.Pause>> pauses = Map.of();

    /** A table whose faults draw from a random seed. */
    public FaultTable() {
        this(new SplittableRandom().nextLong());
    }

    /** A table whose faults' random draws are fixed by {@code seed}: the same frames meet the same fate. */
    public FaultTable(long seed) {
        this.seed = seed;
    }

    /** Adds a fault and returns its id. */
    public synchronized int add(FaultSpec spec) {
        Objects.requireNonNull(spec, "spec");
        int id = nextId;
        TreeMap<Integer, Impairment> next = new TreeMap<>(faults);
        next.put(id, new Impairment(id, spec, seed));
        install(next);
        nextId++;
        return id;
    }

    /**
     * Sets fault {@code id} to {@code spec} (a fault numbered by the store). An unchanged spec keeps its
     * counters and random state; a changed one starts afresh.
     */
    public synchronized void put(int id, FaultSpec spec) {
        TreeMap<Integer, Impairment> next = new TreeMap<>(faults);
        add(next, id, spec);
        install(next);
    }

    /**
     * Makes the table hold exactly {@code desired} (id → spec), as a sync from the store does: faults not in it
     * are deleted, unchanged ones keep their counters. Idempotent.
     */
    public synchronized void replaceAll(Map<Integer, FaultSpec> desired) {
        TreeMap<Integer, Impairment> next = new TreeMap<>(faults);
        next.keySet().retainAll(desired.keySet());
        for (Map.Entry<Integer, FaultSpec> e : new TreeMap<>(desired).entrySet()) {
            add(next, e.getKey(), e.getValue());
        }
        install(next);
    }

    private void add(TreeMap<Integer, Impairment> next, int id, FaultSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (id <= 0) {
            throw new IllegalArgumentException("fault ids are positive, not " + id);
        }
        Impairment old = next.get(id);
        if (old == null || !old.spec().equals(spec)) {
            next.put(id, new Impairment(id, spec, seed));
        }
        nextId = Math.max(nextId, id + 1);
    }

    /** Deletes fault {@code id}; false if there is none. Frames it holds are still released on time. */
    public synchronized boolean delete(int id) {
        if (!faults.containsKey(id)) {
            return false;
        }
        TreeMap<Integer, Impairment> next = new TreeMap<>(faults);
        next.remove(id);
        install(next);
        return true;
    }

    /** Deletes every fault and returns how many there were. */
    public synchronized int clear() {
        int n = faults.size();
        install(new TreeMap<>());
        return n;
    }

    /** The active faults, lowest id first. */
    public List<Impairment> list() {
        return List.copyOf(faults.values());
    }

    /** Fault {@code id}, or null. */
    public Impairment get(int id) {
        return faults.get(id);
    }

    public int size() {
        return faults.size();
    }

    /** The point at {@code pod}'s port on {@code node}. */
    public FaultPoint pod(String node, String pod) {
        return point(FaultPoint.Kind.POD, node, Objects.requireNonNull(pod, "pod"));
    }

    /** The point on the tunnel from {@code node} to {@code peer}: the peer's faults and the node's underlay's. */
    public FaultPoint tunnel(String node, String peer) {
        return point(FaultPoint.Kind.TUNNEL, node, Objects.requireNonNull(peer, "peer"));
    }

    /** The point of {@code node}'s underlay as a whole (its underlay faults only). */
    public FaultPoint underlay(String node) {
        return point(FaultPoint.Kind.UNDERLAY, node, null);
    }

    private synchronized FaultPoint point(FaultPoint.Kind kind, String node, String name) {
        Objects.requireNonNull(node, "node");
        FaultPoint point = points.get(new Key(kind, node, name));
        if (point == null) {
            point = new FaultPoint(kind, node, name);
            point.active = carried(point, faults);
            points.put(new Key(kind, node, name), point);
        }
        return point;
    }

    /** True while a fault pauses {@code what} on {@code node}: one volatile read. */
    public boolean paused(String node, FaultSpec.Pause what) {
        Set<FaultSpec.Pause> p = pauses.get(node);
        return p != null && p.contains(what);
    }

    /** The loops paused on {@code node}. */
    public Set<FaultSpec.Pause> pauses(String node) {
        return pauses.getOrDefault(node, Set.of());
    }

    /** Checks {@code next}, then publishes it and re-points every point; nothing changes if a check fails. */
    private void install(TreeMap<Integer, Impairment> next) {
        Map<String, Integer> perNode = new HashMap<>();
        for (Impairment f : next.values()) {
            if (f.spec().touchesFrames() && perNode.merge(f.spec().node(), 1, Integer::sum) > MAX_FAULTS_PER_NODE) {
                throw new IllegalArgumentException("at most " + MAX_FAULTS_PER_NODE + " faults may act on "
                        + f.spec().node() + "'s data path: delete some with vnet fault del ID");
            }
        }
        Map<FaultPoint, Impairment[]> carried = new HashMap<>();
        for (FaultPoint point : points.values()) {
            carried.put(point, carried(point, next));
        }
        Map<String, Set<FaultSpec.Pause>> paused = new HashMap<>();
        for (Impairment f : next.values()) {
            for (FaultSpec.Pause p : f.spec().pauses()) {
                paused.computeIfAbsent(f.spec().node(), k -> EnumSet.noneOf(FaultSpec.Pause.class)).add(p);
            }
        }
        Map<String, Set<FaultSpec.Pause>> frozen = new HashMap<>();
        paused.forEach((node, set) -> frozen.put(node, Collections.unmodifiableSet(set)));
        faults = next;
        pauses = Map.copyOf(frozen);
        carried.forEach((point, active) -> point.active = active);
    }

    private static Impairment[] carried(FaultPoint point, TreeMap<Integer, Impairment> faults) {
        List<Impairment> here = new ArrayList<>();
        for (Impairment f : faults.values()) {
            if (point.carries(f.spec())) {
                here.add(f);
            }
        }
        return here.isEmpty() ? FaultPoint.NONE : here.toArray(new Impairment[0]);
    }
}
