package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * {@code trace: {from, to, proto, stages, avoid, outcome}}: a {@code vnet trace} probe whose hops include every
 * stage of {@code stages}, none of {@code avoid}, and whose outcome contains the text {@code outcome}.
 */
final class TraceCheck extends AbstractCheck {
    /** The stages that report hops of a trace. */
    static final Set<String> STAGES = Set.of("pod", "bridge", "gateway", "dns", "service", "policy", "router", "vxlan");

    private final String from;
    private final String to;
    private final String proto;
    private final List<String> stages;
    private final List<String> avoid;
    private final String outcome;

    private TraceCheck(String from, String to, String proto, List<String> stages, List<String> avoid, String outcome,
                       String missing) {
        super(missing);
        this.from = from;
        this.to = to;
        this.proto = proto;
        this.stages = stages;
        this.avoid = avoid;
        this.outcome = outcome;
    }

    static TraceCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String from = scope.pod(f, "from");
        String to = scope.destination(f, "to", true);
        String proto = f.optText("proto", "");
        if (!proto.isEmpty() && !proto.equals("tcp") && !proto.equals("udp") && !proto.equals("icmp")) {
            throw f.error("\"proto\" must be tcp, udp or icmp");
        }
        List<String> stages = f.texts("stages", 0);
        List<String> avoid = f.texts("avoid", 0);
        for (String s : concat(stages, avoid)) {
            if (!STAGES.contains(s)) {
                throw f.error("unknown stage \"" + s + "\" (stages: " + String.join(", ", new java.util.TreeSet<>(STAGES)) + ")");
            }
        }
        String outcome = f.optText("outcome", null);
        if (stages.isEmpty() && outcome == null) {
            throw f.error("a trace check needs \"stages\" or \"outcome\": otherwise it cannot fail");
        }
        return new TraceCheck(from, to, proto, stages, avoid, outcome, scope.missing(f));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Override
    public String type() {
        return "trace";
    }

    @Override
    public String what() {
        List<String> parts = new ArrayList<>();
        if (!stages.isEmpty()) {
            parts.add("crosses " + String.join(", ", stages));
        }
        if (!avoid.isEmpty()) {
            parts.add("never " + String.join(" or ", avoid));
        }
        if (outcome != null) {
            parts.add("ends \"" + outcome + "\"");
        }
        return "a trace from " + from + " to " + to + " " + String.join(", ", parts);
    }

    @Override
    public Result run(CheckContext ctx) {
        String target;
        try {
            target = ctx.expand(to);
        } catch (Vars.Unresolved e) {
            return fail(ctx, e.getMessage());
        }
        JsonNode t;
        try {
            t = ctx.call(Operation.TRACE.request().put("source", ctx.ref(from)).put("target", target).put("protocol", proto));
        } catch (ApiException e) {
            return fail(ctx, "the trace from " + from + " to " + target + " could not run: " + e.getMessage());
        }
        Set<String> seen = new LinkedHashSet<>();
        t.path("hops").forEach(h -> seen.add(h.path("stage").asString()));
        String ended = t.path("outcome").asString();
        String route = "it went through " + (seen.isEmpty() ? "nothing" : String.join(", ", seen)) + " and ended: " + ended;
        for (String s : stages) {
            if (!seen.contains(s)) {
                return fail(ctx, "the trace from " + from + " to " + target + " never reached the " + s + " stage (" + route + ")");
            }
        }
        for (String s : avoid) {
            if (seen.contains(s)) {
                return fail(ctx, "the trace from " + from + " to " + target + " crossed the " + s + " stage (" + route + ")");
            }
        }
        if (outcome != null && !ended.toLowerCase(Locale.ROOT).contains(outcome.toLowerCase(Locale.ROOT))) {
            return fail(ctx, "the trace from " + from + " to " + target + " ended \"" + ended + "\", not \"" + outcome + "\"");
        }
        return Result.pass();
    }
}
