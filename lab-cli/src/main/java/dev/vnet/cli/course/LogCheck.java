package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;

/** {@code log: {pod, container, contains}}: a container's output (as {@code vnet logs}) contains the text. */
final class LogCheck extends AbstractCheck {
    private final String pod;
    private final String container;
    private final String contains;

    private LogCheck(String pod, String container, String contains, String missing) {
        super(missing);
        this.pod = pod;
        this.container = container;
        this.contains = contains;
    }

    static LogCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        return new LogCheck(scope.pod(f, "pod"), f.optText("container", ""), scope.text(f, "contains"),
                scope.missing(f));
    }

    @Override
    public String type() {
        return "log";
    }

    private String who() {
        return pod + (container.isEmpty() ? "" : "/" + container);
    }

    @Override
    public String what() {
        return who() + "'s log shows \"" + contains + "\"";
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            String want = ctx.expand(contains);
            String text = ctx.call(Operation.LOGS.request().put("pod", pod).put("namespace", "default")
                    .put("container", container)).path("text").asString();
            return text.contains(want) ? Result.pass() : fail(ctx, who() + "'s log does not show \"" + want + "\" yet");
        } catch (ApiException e) {
            return fail(ctx, "cannot read " + who() + "'s log: " + e.getMessage());
        } catch (Vars.Unresolved e) {
            return Result.fail(e.getMessage());
        }
    }
}
