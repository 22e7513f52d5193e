package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import tools.jackson.databind.JsonNode;

/**
 * {@code diff: {node, state}}: whether what the store asks of the node matches what the node has programmed
 * (`vnet diff --node NODE` is empty: {@code state: converged}, the default), or that it does not ({@code state:
 * stale}, a node left behind). A
 * node that has just been let go again gets a few seconds to catch up before a converged check fails.
 */
final class DiffCheck extends AbstractCheck {
    private static final long CATCH_UP_NANOS = 5_000_000_000L;
    private final String node;
    private final boolean converged;

    private DiffCheck(String node, boolean converged, String missing) {
        super(missing);
        this.node = node;
        this.converged = converged;
    }

    static DiffCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String node = scope.node(f, "node");
        String c = f.optText("state", "converged");
        if (!c.equals("converged") && !c.equals("stale")) {
            throw f.error("\"state\" is converged (the node is in step with the store) or stale (it is not)");
        }
        return new DiffCheck(node, c.equals("converged"), scope.missing(f));
    }

    @Override
    public String type() {
        return "diff";
    }

    @Override
    public String what() {
        return node + (converged ? " has programmed what the store says" : " is out of step with the store");
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            long deadline = System.nanoTime() + (converged ? CATCH_UP_NANOS : 0);
            while (true) {
                JsonNode diffs = ctx.call(Operation.DIFF.request().put("node", node)).path("nodes").path(0)
                        .path("differences");
                if (diffs.isEmpty() == converged) {
                    return Result.pass();
                }
                if (System.nanoTime() > deadline) {
                    return fail(ctx, converged ? node + " has " + diffs.size() + " difference(s) from the store "
                            + "(`vnet diff --node " + node + "`)" : node + " is in step with the store");
                }
                Thread.sleep(200);
            }
        } catch (ApiException e) {
            return fail(ctx, "cannot compare " + node + " with the store: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(ctx, "interrupted");
        }
    }
}
