package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * {@code shell: {in, run, missing}}: a bash command run inside a pod's namespace, {@code node/NAME},
 * {@code outside} or {@code host}; exit status 0 passes. The lab author must say in {@code missing} what a
 * failure means for the learner, since only the author knows; a command that cannot fail is refused.
 */
final class ShellCheck extends AbstractCheck {
    private static final Pattern DOES_NOTHING = Pattern.compile("(true|:|exit 0|/bin/true|/usr/bin/true|exit)?;?");
    private static final Pattern ALWAYS_ZERO = Pattern.compile("(?s).*(\\|\\||;)\\s*(true|:|exit 0)\\s*;?");
    private static final int DEFAULT_TIMEOUT_SECONDS = 10;

    private final String in;
    private final String run;
    private final Duration timeout;

    private ShellCheck(String in, String run, Duration timeout, String missing) {
        super(missing);
        this.in = in;
        this.run = run;
        this.timeout = timeout;
    }

    static ShellCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String in = scope.place(f, "in");
        String run = scope.text(f, "run");
        String body = run.replaceAll("(?m)^\\s*#.*$", "").strip();
        if (DOES_NOTHING.matcher(body).matches()) {
            throw f.error("\"run\" does nothing, so the check could never fail");
        }
        if (ALWAYS_ZERO.matcher(body).matches()) {
            throw f.error("\"run\" ends in a command that always succeeds, so the check could never fail");
        }
        String missing = scope.missing(f);
        if (missing == null) {
            throw f.error("a shell check needs \"missing\": the line that tells the learner what is not there yet");
        }
        int seconds = f.optInt("timeout", DEFAULT_TIMEOUT_SECONDS);
        if (seconds < 1 || seconds > 60) {
            throw f.error("\"timeout\" is in seconds, 1 to 60");
        }
        return new ShellCheck(in, run, Duration.ofSeconds(seconds), missing);
    }

    @Override
    public String type() {
        return "shell";
    }

    @Override
    public String what() {
        return "in " + in + ": " + run.strip();
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            CheckContext.Shell.Outcome o = ctx.sh(in, ctx.expand(run), timeout);
            return o.exit() == 0 ? Result.pass() : fail(ctx, "");
        } catch (ApiException e) {
            return Result.fail("cannot run the check in " + in + ": " + e.getMessage());
        } catch (Vars.Unresolved e) {
            return Result.fail(e.getMessage());
        }
    }
}
