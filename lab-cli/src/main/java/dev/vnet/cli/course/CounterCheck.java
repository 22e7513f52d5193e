package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.core.packet.DropReason;
import dev.vnet.node.router.RouterCounters;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * {@code counter: {node, path, min | increase}}: a value of the node's {@code stats}, either at least
 * {@code min}, or grown by at least {@code increase} since the step began (counters are shared by every lab
 * and every earlier step, so growth is what shows that the learner's own traffic went through).
 *
 * <p>Paths are dotted, with a port named by its pod: {@code ports.lab2-a.rxPackets},
 * {@code gateway.echoReplies}, {@code router.dropsByReason.FRAG_NEEDED}, {@code vxlan.rxPackets}. They are
 * checked against what {@code stats} has when the lab file loads.
 */
final class CounterCheck extends AbstractCheck {
    private static final Set<String> PORT_FIELDS = Set.of("rxPackets", "rxBytes", "txPackets", "txBytes", "drops");
    /** Per stage, its plain counters; "dropsByReason" takes a DropReason, "routed" a router route. */
    private static final Map<String, Set<String>> STAGES = Map.of(
            "bridge", Set.of("forwarded", "flooded", "learnedNew", "learnedMoved", "learnRefused", "diverted", "fdbEntries"),
            "gateway", Set.of("arpReplies", "echoReplies", "routed", "neighbors"),
            "router", Set.of("icmpErrors", "routed", "dropsByReason"),
            "vxlan", Set.of("txPackets", "txBytes", "rxPackets", "rxBytes", "peers", "dropsByReason"),
            "services", Set.of("newFlows", "translated", "rejected", "snatted", "snatRedirects", "dropsByReason"),
            "conntrack", Set.of("entries", "inserted", "droppedFull", "clashed", "expired", "earlyDropped", "reclaimed"));
    private static final Set<String> REASONS = Arrays.stream(DropReason.values()).map(Enum::name).collect(Collectors.toSet());
    private static final Set<String> ROUTES = Arrays.stream(RouterCounters.Route.values()).map(Enum::name)
            .collect(Collectors.toSet());

    private final String node;
    private final String path;
    private final long min;
    private final long increase;

    private CounterCheck(String node, String path, long min, long increase, String missing) {
        super(missing);
        this.node = node;
        this.path = path;
        this.min = min;
        this.increase = increase;
    }

    static CounterCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String node = scope.node(f, "node");
        String path = f.text("path");
        checkPath(f, scope, path);
        boolean hasMin = f.has("min");
        boolean hasIncrease = f.has("increase");
        if (hasMin == hasIncrease) {
            throw f.error("give exactly one of \"min\" (the value is at least) or \"increase\" (it grew by at least)");
        }
        int value = f.optInt(hasMin ? "min" : "increase", 0);
        if (value < 1) {
            throw f.error("\"" + (hasMin ? "min" : "increase") + "\" must be at least 1: a counter is always at least 0");
        }
        return new CounterCheck(node, path, hasMin ? value : 0, hasIncrease ? value : 0, scope.missing(f));
    }

    private static void checkPath(Fields f, Scope scope, String path) throws ExerciseFileException {
        List<String> seg = List.of(path.split("\\.", -1));
        String problem = null;
        if (seg.get(0).equals("ports")) {
            if (seg.size() < 3 || !scope.pods().contains(seg.get(1))) {
                problem = "a port counter is ports.POD.FIELD with a pod of the lab";
            } else if (seg.size() == 3 && !PORT_FIELDS.contains(seg.get(2))) {
                problem = "a port has " + String.join(", ", new java.util.TreeSet<>(PORT_FIELDS)) + " and dropsByReason.REASON";
            } else if (seg.size() == 4 ? !seg.get(2).equals("dropsByReason") || !REASONS.contains(seg.get(3)) : seg.size() > 4) {
                problem = "a port's drops are ports.POD.dropsByReason.REASON with a reason of vnet stats";
            }
        } else if (!STAGES.containsKey(seg.get(0))) {
            problem = "it starts with ports or a stage: " + String.join(", ", new java.util.TreeSet<>(STAGES.keySet()));
        } else if (seg.size() < 2 || !STAGES.get(seg.get(0)).contains(seg.get(1))) {
            problem = seg.get(0) + " has " + String.join(", ", new java.util.TreeSet<>(STAGES.get(seg.get(0))));
        } else if (seg.get(1).equals("dropsByReason") && (seg.size() != 3 || !REASONS.contains(seg.get(2)))) {
            problem = "drops are " + seg.get(0) + ".dropsByReason.REASON, REASON one of " + String.join(", ", new java.util.TreeSet<>(REASONS));
        } else if (seg.get(0).equals("router") && seg.get(1).equals("routed")
                && (seg.size() != 3 || !ROUTES.contains(seg.get(2)))) {
            problem = "routes are router.routed." + String.join("|", new java.util.TreeSet<>(ROUTES));
        } else if (!seg.get(1).equals("dropsByReason") && !(seg.get(0).equals("router") && seg.get(1).equals("routed"))
                && seg.size() != 2) {
            problem = seg.get(0) + "." + seg.get(1) + " is a number, it has no fields";
        }
        if (problem != null) {
            throw f.error("unknown counter path \"" + path + "\": " + problem);
        }
    }

    @Override
    public String type() {
        return "counter";
    }

    private String key() {
        return node + "/" + path;
    }

    @Override
    public String what() {
        return node + "'s " + path + (increase > 0 ? " grows by " + increase : " is at least " + min);
    }

    @Override
    public void begin(CheckContext ctx) {
        if (increase > 0) {
            try {
                ctx.setBaseline(key(), value(ctx));
            } catch (ApiException | Missing e) {
                // Not there yet (the pod may come later in the step): counting starts from 0.
                ctx.setBaseline(key(), 0);
            }
        }
    }

    @Override
    public Result run(CheckContext ctx) {
        long value;
        try {
            value = value(ctx);
        } catch (ApiException | Missing e) {
            return fail(ctx, e.getMessage());
        }
        if (increase == 0) {
            return value >= min ? Result.pass() : fail(ctx, node + "'s " + path + " is " + value + ", at least " + min + " wanted");
        }
        Long base = ctx.baseline(key());
        if (base == null) {
            ctx.setBaseline(key(), value);
            return fail(ctx, "counting " + node + "'s " + path + " starts now: do this step's traffic again");
        }
        long grown = value >= base ? value - base : value; // smaller than the baseline: the lab restarted
        return grown >= increase ? Result.pass()
                : fail(ctx, node + "'s " + path + " grew by " + grown + " since this step began, " + increase + " wanted");
    }

    /** A counter that is not there: a pod without a port on that node. */
    private static final class Missing extends Exception {
        Missing(String message) {
            super(message);
        }
    }

    private long value(CheckContext ctx) throws ApiException, Missing {
        JsonNode at = ctx.stats(node);
        if (at.isMissingNode()) {
            throw new Missing("the lab has no " + node);
        }
        String[] seg = path.split("\\.");
        for (int i = 0; i < seg.length; i++) {
            if (at.isArray()) {
                JsonNode found = null;
                for (JsonNode e : at) {
                    if (e.path("name").asString().equals(seg[i])) {
                        found = e;
                    }
                }
                if (found == null) {
                    throw new Missing(node + " has no bridge port for " + seg[i] + " (it is not running on " + node + ")");
                }
                at = found;
            } else {
                at = at.path(seg[i]);
            }
        }
        return at.asLong(0); // a reason that never happened is absent from dropsByReason: 0
    }
}
