package dev.vnet.node.dns;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * An immutable authoritative zone table: the RRsets at each name, and every name that exists, including the
 * empty non-terminals between a record's owner and its zone apex ({@code default.svc.cluster.local} exists
 * because {@code web.default.svc.cluster.local} does). Knowing the empty non-terminals is what lets a lookup tell
 * NODATA (the name exists, not with that type) from NXDOMAIN (no such name), as RFC 8020 asks.
 *
 * <p>Names compare case-insensitively (dnsjava's {@link Name} does). RRsets are sorted in DNSSEC canonical
 * order, so two indexes built from the same cluster state are equal, which is how {@link ClusterDns} decides
 * whether a change needs a new SOA serial.
 */
final class ZoneIndex {
    /** The RRsets at one name, by type; empty for an empty non-terminal. */
    private final Map<Name, Map<Integer, List<Record>>> nodes;

    private ZoneIndex(Map<Name, Map<Integer, List<Record>>> nodes) {
        this.nodes = nodes;
    }

    /** True if {@code name} owns records or is an empty non-terminal (or an apex) of this index. */
    boolean exists(Name name) {
        return nodes.containsKey(name);
    }

    /** The RRset of {@code type} at {@code name}, empty when there is none. */
    List<Record> rrset(Name name, int type) {
        Map<Integer, List<Record>> node = nodes.get(name);
        if (node == null) {
            return List.of();
        }
        return node.getOrDefault(type, List.of());
    }

    /** The records at and below {@code apex}, in canonical DNS order, one master-file line each. */
    List<String> dump(Name apex) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Name, Map<Integer, List<Record>>> node : new TreeMap<>(nodes).entrySet()) {
            if (node.getKey().subdomain(apex)) {
                new TreeMap<>(node.getValue()).values().forEach(rrset -> rrset.forEach(r -> out.add(line(r))));
            }
        }
        return out;
    }

    /** One record as a master-file line with single spaces: "web.default.svc.cluster.local. 5 IN A 10.96.0.20". */
    static String line(Record r) {
        return r.getName() + " " + r.getTTL() + " " + DClass.string(r.getDClass()) + " " + Type.string(r.getType())
                + " " + r.rdataToString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZoneIndex other && nodes.equals(other.nodes);
    }

    @Override
    public int hashCode() {
        return nodes.hashCode();
    }

    /** Collects records and names, then freezes them; not thread-safe, used by one {@code update()}. */
    static final class Builder {
        private final List<Name> apexes;
        private final Map<Name, Map<Integer, TreeSet<Record>>> records = new LinkedHashMap<>();
        private final List<Name> names = new ArrayList<>();

        /** {@code apexes} are the zones the records live in; empty non-terminals are filled in down to them. */
        Builder(List<Name> apexes) {
            this.apexes = List.copyOf(apexes);
            names.addAll(apexes);
        }

        /** Adds one record; a second identical record is ignored, as in any RRset. */
        Builder add(Record r) {
            records.computeIfAbsent(r.getName(), k -> new HashMap<>())
                    .computeIfAbsent(r.getType(), k -> new TreeSet<>())
                    .add(r);
            return this;
        }

        /** Makes {@code name} exist (answering NODATA) even if it owns no records. */
        Builder addName(Name name) {
            names.add(name);
            return this;
        }

        ZoneIndex build() {
            Map<Name, Map<Integer, List<Record>>> nodes = new HashMap<>();
            records.forEach((name, byType) -> {
                Map<Integer, List<Record>> node = new HashMap<>();
                byType.forEach((type, rrset) -> node.put(type, List.copyOf(rrset)));
                nodes.put(name, Collections.unmodifiableMap(node));
            });
            List<Name> all = new ArrayList<>(names);
            all.addAll(records.keySet());
            for (Name name : all) {
                Name apex = apexOf(name);
                if (apex == null) {
                    continue; // outside every zone: kept as is, but with no empty non-terminals above it
                }
                for (Name n = name; n.labels() > apex.labels(); n = parent(n)) {
                    nodes.putIfAbsent(n, Map.of());
                }
                nodes.putIfAbsent(apex, Map.of());
            }
            return new ZoneIndex(Collections.unmodifiableMap(nodes));
        }

        private Name apexOf(Name name) {
            Name best = null;
            for (Name apex : apexes) {
                if (name.subdomain(apex) && (best == null || apex.labels() > best.labels())) {
                    best = apex;
                }
            }
            return best;
        }

        private static Name parent(Name n) {
            return new Name(n, 1);
        }
    }
}
