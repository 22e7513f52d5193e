package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;

/** {@code absent: {pod}} or {@code absent: {service}}: the resource must no longer exist (for "delete it" steps). */
final class AbsentCheck extends AbstractCheck {
    private final String kind;
    private final String name;

    private AbsentCheck(String kind, String name, String missing) {
        super(missing);
        this.kind = kind;
        this.name = name;
    }

    static AbsentCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        boolean pod = f.has("pod");
        boolean service = f.has("service");
        if (pod == service) {
            throw f.error("give exactly one of \"pod\" or \"service\"");
        }
        return pod ? new AbsentCheck("pod", scope.pod(f, "pod"), scope.missing(f))
                : new AbsentCheck("Service", scope.service(f, "service"), scope.missing(f));
    }

    @Override
    public String type() {
        return "absent";
    }

    @Override
    public String what() {
        return kind + " " + name + " is gone";
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            boolean exists = kind.equals("pod") ? ctx.pod(name).isPresent() : ctx.service(name).isPresent();
            return exists ? fail(ctx, kind + " " + name + " still exists") : Result.pass();
        } catch (ApiException e) {
            return Result.fail(e.getMessage());
        }
    }
}
