package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import tools.jackson.databind.JsonNode;

/**
 * {@code endpoints: {service, count | min}}: how many ready endpoint addresses the Service's Endpoints have
 * (exactly {@code count}, which may be 0, or at least {@code min}).
 */
final class EndpointsCheck extends AbstractCheck {
    private final String service;
    private final int count;
    private final boolean exact;

    private EndpointsCheck(String service, int count, boolean exact, String missing) {
        super(missing);
        this.service = service;
        this.count = count;
        this.exact = exact;
    }

    static EndpointsCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String service = scope.service(f, "service");
        boolean exact = f.has("count");
        if (exact == f.has("min")) {
            throw f.error("give exactly one of \"count\" (exactly) or \"min\" (at least)");
        }
        int n = f.optInt(exact ? "count" : "min", 0);
        if (n < 0 || (!exact && n < 1)) {
            throw f.error(exact ? "\"count\" cannot be negative" : "\"min\" must be at least 1: there are always at least 0");
        }
        return new EndpointsCheck(service, n, exact, scope.missing(f));
    }

    @Override
    public String type() {
        return "endpoints";
    }

    @Override
    public String what() {
        return "Service " + service + " has " + (exact ? "" : "at least ") + count + " endpoint" + (count == 1 ? "" : "s");
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            if (ctx.service(service).isEmpty()) {
                return fail(ctx, "Service " + service + " does not exist");
            }
            JsonNode ep = ctx.list("endpoints", "default", service).path("items").path(0);
            int n = 0;
            for (JsonNode subset : ep.path("subsets")) {
                n += subset.path("addresses").size();
            }
            boolean ok = exact ? n == count : n >= count;
            return ok ? Result.pass() : fail(ctx, "Service " + service + " has " + n + " ready endpoint" + (n == 1 ? "" : "s")
                    + ", " + (exact ? "" : "at least ") + count + " wanted");
        } catch (ApiException e) {
            return fail(ctx, "cannot read the endpoints of " + service + ": " + e.getMessage());
        }
    }
}
