package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.core.capture.CaptureFilter;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code capture: {pod, filter, in, run, min, missing}}: captures at the pod's port (as `vnet capture POD`) while
 * a command runs in {@code in} (a pod, node/NAME, outside or host), and passes when at least {@code min} frames
 * matching the filter were seen. It checks what crossed the port, so the command must depend on what the step
 * changed (the learner's configuration), not produce the frames by itself regardless.
 */
final class CaptureCheck extends AbstractCheck {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final String pod;
    private final String filter;
    private final String in;
    private final String run;
    private final int min;

    private CaptureCheck(String pod, String filter, String in, String run, int min, String missing) {
        super(missing);
        this.pod = pod;
        this.filter = filter;
        this.in = in;
        this.run = run;
        this.min = min;
    }

    static CaptureCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String pod = scope.pod(f, "pod");
        String filter = scope.text(f, "filter");
        try {
            CaptureFilter.parse(filter);
        } catch (IllegalArgumentException e) {
            throw f.error(e.getMessage());
        }
        int min = f.optInt("min", 1);
        if (min < 1) {
            throw f.error("\"min\" must be at least 1, or the check could never fail");
        }
        return new CaptureCheck(pod, filter, scope.place(f, "in"), scope.text(f, "run"), min, scope.missing(f));
    }

    @Override
    public String type() {
        return "capture";
    }

    @Override
    public String what() {
        return min + "+ frame(s) matching \"" + filter + "\" at " + pod + "'s port while " + in + " runs: " + run.strip();
    }

    @Override
    public Result run(CheckContext ctx) {
        ByteArrayOutputStream pcap = new ByteArrayOutputStream();
        AtomicReference<ApiException> failed = new AtomicReference<>();
        Thread capture = new Thread(() -> {
            try {
                ctx.capture(Operation.CAPTURE.request().put("pod", pod).put("filter", filter).put("count", min)
                        .put("format", "pcap"), pcap);
            } catch (ApiException e) {
                failed.set(e);
            }
        }, "lab-capture");
        try {
            capture.start();
            Thread.sleep(500); // the capture is attached before the command runs
            if (failed.get() != null) {
                return fail(ctx, "cannot capture at " + pod + ": " + failed.get().getMessage());
            }
            ctx.sh(in, ctx.expand(run), WAIT);
            capture.join(WAIT.toMillis());
            if (capture.isAlive()) {
                capture.interrupt(); // closes the stream: the capture ends with what it saw
                capture.join(1000);
            }
        } catch (ApiException e) {
            return fail(ctx, "cannot run the check's command in " + in + ": " + e.getMessage());
        } catch (Vars.Unresolved e) {
            return Result.fail(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.fail("interrupted");
        }
        int seen = count(pcap.toByteArray());
        return seen >= min ? Result.pass()
                : fail(ctx, "only " + seen + " frame(s) matching \"" + filter + "\" crossed " + pod + "'s port");
    }

    /** Records in a classic pcap stream: a 24-byte file header, then a 16-byte header and the bytes per frame. */
    static int count(byte[] pcap) {
        if (pcap.length < 24) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0;
        for (int at = 24; at + 16 <= pcap.length; n++) {
            int captured = b.getInt(at + 8);
            if (captured < 0 || at + 16 + captured > pcap.length) {
                break;
            }
            at += 16 + captured;
        }
        return n;
    }
}
