package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** {@code pod: {name, phase}}: the pod exists and is in this phase (Running unless said). */
final class PodCheck extends AbstractCheck {
    private static final Set<String> PHASES = Set.of("Pending", "Running", "Succeeded", "Failed");
    private final String name;
    private final String phase;

    private PodCheck(String name, String phase, String missing) {
        super(missing);
        this.name = name;
        this.phase = phase;
    }

    static PodCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String name = scope.pod(f, "name");
        String phase = f.optText("phase", "Running");
        if (!PHASES.contains(phase)) {
            throw f.error("\"phase\" must be Pending, Running, Succeeded or Failed");
        }
        return new PodCheck(name, phase, scope.missing(f));
    }

    @Override
    public String type() {
        return "pod";
    }

    @Override
    public String what() {
        return "pod " + name + " is " + phase;
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            Optional<JsonNode> pod = ctx.pod(name);
            if (pod.isEmpty()) {
                return fail(ctx, "pod " + name + " does not exist yet");
            }
            JsonNode status = pod.get().path("status");
            String now = status.path("phase").asString("Pending");
            if (!now.equals(phase)) {
                String why = status.path("message").asString("");
                return fail(ctx, "pod " + name + " is " + now + ", not " + phase + (why.isEmpty() ? "" : " (" + why + ")"));
            }
            return Result.pass();
        } catch (ApiException e) {
            return Result.fail(e.getMessage());
        }
    }
}
