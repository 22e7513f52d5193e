package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * {@code conntrack: {service, min | endpoints}}: flows through the Service in the nodes' conntrack tables
 * (as {@code vnet conntrack}) that are new since the step began: at least {@code min} of them, or spread over
 * at least {@code endpoints} distinct endpoints. Entries of closed TCP connections stay 120 s (TIME_WAIT), so
 * a check soon after curl sees them; flows tracked before the step began (an earlier step's, or an earlier
 * try of the lab's) do not count.
 */
final class ConntrackCheck extends AbstractCheck {
    private static final Pattern REPLY_SOURCE = Pattern.compile("src=(\\S+) .*sport=(\\d+)");
    private final String service;
    private final int min;
    private final int endpoints;

    private ConntrackCheck(String service, int min, int endpoints, String missing) {
        super(missing);
        this.service = service;
        this.min = min;
        this.endpoints = endpoints;
    }

    static ConntrackCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String service = scope.service(f, "service");
        boolean byCount = f.has("min");
        if (byCount == f.has("endpoints")) {
            throw f.error("give exactly one of \"min\" (flows) or \"endpoints\" (distinct endpoints reached)");
        }
        int n = f.optInt(byCount ? "min" : "endpoints", 0);
        if (n < 1) {
            throw f.error("\"" + (byCount ? "min" : "endpoints") + "\" must be at least 1");
        }
        return new ConntrackCheck(service, byCount ? n : 0, byCount ? 0 : n, scope.missing(f));
    }

    @Override
    public String type() {
        return "conntrack";
    }

    @Override
    public String what() {
        return min > 0 ? "conntrack holds at least " + min + " flow" + (min == 1 ? "" : "s") + " through Service " + service
                : "flows through Service " + service + " reached at least " + endpoints + " endpoints";
    }

    /** The baseline key of one flow: its node and original tuple (source ports make each connection's own). */
    private static String key(JsonNode entry) {
        return "conntrack/" + entry.path("node").asString() + "/" + entry.path("protocol").asString() + " "
                + entry.path("original").asString();
    }

    private boolean ours(JsonNode entry) {
        String label = entry.path("label").asString();
        String prefix = "default/" + service;
        return label.startsWith(prefix + ":") || label.startsWith(prefix + " ");
    }

    @Override
    public void begin(CheckContext ctx) {
        try {
            for (JsonNode e : ctx.call(Operation.CONNTRACK.request().put("node", "")).path("entries")) {
                if (ours(e)) {
                    ctx.setBaseline(key(e), 1);
                }
            }
        } catch (ApiException e) {
            // No table to read: every flow the check sees later is new.
        }
    }

    @Override
    public Result run(CheckContext ctx) {
        JsonNode entries;
        try {
            entries = ctx.call(Operation.CONNTRACK.request().put("node", "")).path("entries");
        } catch (ApiException e) {
            return fail(ctx, "cannot read conntrack: " + e.getMessage());
        }
        int flows = 0;
        Set<String> reached = new TreeSet<>();
        for (JsonNode e : entries) {
            if (!ours(e) || ctx.baseline(key(e)) != null) {
                continue;
            }
            flows++;
            Matcher m = REPLY_SOURCE.matcher(e.path("reply").asString());
            if (m.find()) {
                reached.add(m.group(1) + ":" + m.group(2));
            }
        }
        if (flows == 0) {
            return fail(ctx, "no new flow through Service " + service + " is tracked since this step began (entries "
                    + "of closed TCP connections stay 120 s)");
        }
        if (flows < min) {
            return fail(ctx, "conntrack holds " + flows + " flow" + (flows == 1 ? "" : "s") + " through Service "
                    + service + ", " + min + " wanted");
        }
        if (reached.size() < endpoints) {
            return fail(ctx, "flows through Service " + service + " reached " + reached.size() + " endpoint"
                    + (reached.size() == 1 ? "" : "s") + " so far (" + String.join(", ", reached) + "), "
                    + endpoints + " wanted");
        }
        return Result.pass();
    }
}
