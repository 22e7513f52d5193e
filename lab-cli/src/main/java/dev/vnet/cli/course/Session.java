package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * The lab verbs behind {@code vnet lab}: list, start, check, hint, next, status, reset. Each reads the progress,
 * talks to the running vnet lab where it must, prints what the learner sees, and saves the progress again.
 */
public final class Session {
    private final Catalog catalog;
    private final ProgressStore store;
    private final CheckContext.Api api;
    private final CheckContext.Shell shell;
    private final PrintWriter out;

    public Session(Catalog catalog, ProgressStore store, CheckContext.Api api, CheckContext.Shell shell,
                      PrintWriter out) {
        this.catalog = catalog;
        this.store = store;
        this.api = api;
        this.shell = shell;
        this.out = out;
    }

    /** A context for checks of {@code lab}, counting from {@code p}'s baselines (a fresh map if p is null). */
    public CheckContext context(Exercise lab, Progress.LabProgress p) {
        return new CheckContext(lab, api, shell, store.workdir(lab.id()), p == null ? new HashMap<>() : p.baselines);
    }

    /** One line per lab: its id, where the learner is in it, and what it teaches. */
    public void list() throws ApiException {
        Progress progress = store.load();
        int width = catalog.labs().stream().mapToInt(l -> l.id().length()).max().orElse(0);
        for (Exercise lab : catalog.labs()) {
            Progress.LabProgress p = progress.of(lab.id());
            String state = p == null ? "new" : p.done ? "done" : "step " + p.step + "/" + lab.steps().size();
            out.printf("%-" + width + "s  %-9s %s%n", lab.id(), state, lab.teaches());
        }
        out.flush();
    }

    /**
     * Shows the current step of a lab in progress in this vnet lab; otherwise starts the lab afresh: deletes
     * what an earlier try left (so no step passes on old state), applies the starting manifests, shows step 1.
     */
    public void start(String id) throws ApiException {
        Exercise lab = catalog.lab(id);
        CheckContext ctx = context(lab, null);
        JsonNode status = requireLab(ctx, lab);
        Progress progress = store.load();
        Progress.LabProgress p = progress.of(lab.id());
        String runStarted = status.path("startedAt").asString();
        String other = progress.current != null && !progress.current.equals(lab.id())
                && progress.of(progress.current) != null && !progress.of(progress.current).done ? progress.current : null;
        if (p != null && !p.done && Objects.equals(p.labStartedAt, runStarted)) {
            progress.current = lab.id();
            store.save(progress);
            out.println("resuming lab " + lab.id() + " at step " + p.step + " of " + lab.steps().size()
                    + " (`vnet lab reset` starts it over)");
            out.println();
            showStep(ctx, lab, p.step);
            return;
        }
        if (p != null && !p.done) {
            out.println("the vnet lab was restarted since " + lab.id() + " began: starting it over");
        }
        clearWorkdir(ctx.workdir());
        out.println("lab " + lab.id() + ": " + lab.title());
        out.println("teaches: " + lab.teaches());
        List<String> leftovers = deleteResources(lab);
        if (!leftovers.isEmpty()) {
            out.println("removed what an earlier try left: " + String.join(", ", leftovers));
        }
        for (String m : lab.manifests()) {
            Path file = lab.dir().resolve(m);
            JsonNode reply = api.call(Operation.APPLY.request().put("source", Catalog.display(file))
                    .put("text", read(file)));
            reply.path("messages").forEach(line -> out.println(line.asString()));
        }
        p = new Progress.LabProgress();
        p.startedAt = Instant.now().toString();
        p.labStartedAt = runStarted;
        progress.labs.put(lab.id(), p);
        progress.current = lab.id();
        begin(context(lab, p), lab, p);
        store.save(progress);
        if (other != null) {
            out.println("(lab " + other + " keeps its progress: `vnet lab start " + other + "` returns to it)");
        }
        out.println();
        showStep(ctx, lab, 1);
    }

    /** Runs the current step's checks against the network; true if all pass. */
    public boolean check(String id) throws ApiException {
        Progress progress = store.load();
        Exercise lab = chosen(progress, id);
        Progress.LabProgress p = started(progress, lab);
        if (p.done) {
            out.println("lab " + lab.id() + " is done: `vnet lab list` shows the others");
            out.flush();
            return true;
        }
        CheckContext ctx = context(lab, p);
        sameRun(ctx, lab, p);
        Step step = lab.step(p.step);
        out.println("step " + p.step + " of " + lab.steps().size() + ": " + step.title());
        int passed = 0;
        for (Check c : step.checks()) {
            Check.Result r = c.run(ctx);
            if (r.passed()) {
                passed++;
                out.println("  ✓ " + ctx.show(c.what()));
            } else {
                out.println("  ✗ " + r.missing());
            }
        }
        p.passed = passed == step.checks().size();
        store.save(progress);
        if (p.passed) {
            out.println(p.step == lab.steps().size() ? "step " + p.step + " done, the last one: `vnet lab next` finishes the lab"
                    : "step " + p.step + " done: `vnet lab next` goes on to step " + (p.step + 1));
        } else {
            out.println("not yet: " + passed + " of " + step.checks().size() + " checks pass (stuck? `vnet lab hint`)");
        }
        out.flush();
        return p.passed;
    }

    /** Shows the next hint of the current step; after the last one, the commands that solve it. */
    public void hint(String id) throws ApiException {
        Progress progress = store.load();
        Exercise lab = chosen(progress, id);
        Progress.LabProgress p = started(progress, lab);
        if (p.done) {
            out.println("lab " + lab.id() + " is done: no hints left to give");
            out.flush();
            return;
        }
        CheckContext ctx = context(lab, p);
        Step step = lab.step(p.step);
        int n = step.hints().size();
        p.hintsShown = Math.min(p.hintsShown + 1, n + 1);
        if (p.hintsShown <= n) {
            out.println("hint " + p.hintsShown + " of " + n + " for step " + p.step + ": " + ctx.show(step.hints().get(p.hintsShown - 1)));
        } else {
            out.println("no more hints: these commands solve step " + p.step + ":");
            step.solution().forEach(c -> out.println("  $ " + ctx.show(c)));
        }
        store.save(progress);
        out.flush();
    }

    /** Goes on to the next step once the current one passed (checking it if needed); after the last, the recap. */
    public boolean next(String id) throws ApiException {
        Progress progress = store.load();
        Exercise lab = chosen(progress, id);
        Progress.LabProgress p = started(progress, lab);
        if (p.done) {
            out.println("lab " + lab.id() + " is done" + following(lab));
            out.flush();
            return true;
        }
        if (!p.passed && !check(lab.id())) {
            return false;
        }
        progress = store.load();
        p = progress.of(lab.id());
        CheckContext ctx = context(lab, p);
        if (p.step < lab.steps().size()) {
            p.step++;
            p.hintsShown = 0;
            p.passed = false;
            p.baselines.clear();
            begin(ctx, lab, p);
            store.save(progress);
            out.println();
            showStep(ctx, lab, p.step);
            return true;
        }
        p.done = true;
        p.passed = false;
        p.finishedAt = Instant.now().toString();
        p.baselines.clear();
        store.save(progress);
        out.println();
        out.println("lab " + lab.id() + " done. Recap:");
        out.println();
        ctx.show(lab.recap()).strip().lines().forEach(l -> out.println("  " + l));
        out.println();
        out.println("`vnet lab reset " + lab.id() + "` removes its pods and Services" + following(lab));
        out.flush();
        return true;
    }

    /** Where the learner is: the current (or given) lab, its step, checks and hints. */
    public void status(String id) throws ApiException {
        Progress progress = store.load();
        if (id == null && progress.current == null) {
            out.println("no lab started: `vnet lab list` shows the labs, `vnet lab start ID` starts one");
            out.flush();
            return;
        }
        Exercise lab = chosen(progress, id);
        Progress.LabProgress p = progress.of(lab.id());
        out.println("lab " + lab.id() + ": " + lab.title());
        if (p == null) {
            out.println("not started: `vnet lab start " + lab.id() + "`");
        } else if (p.done) {
            out.println("done (finished " + p.finishedAt + ")");
        } else {
            Step step = lab.step(p.step);
            out.println("step " + p.step + " of " + lab.steps().size() + ": " + step.title());
            out.println(p.passed ? "its checks passed: `vnet lab next`" : "its checks have not passed yet: `vnet lab check`");
            out.println("hints shown: " + Math.min(p.hintsShown, step.hints().size()) + " of " + step.hints().size());
        }
        out.flush();
    }

    /** Deletes the lab's pods and Services (of every manifest it has), its scratch folder and its progress. */
    public void reset(String id) throws ApiException {
        Progress progress = store.load();
        Exercise lab = chosen(progress, id);
        boolean running;
        try {
            api.call(Operation.STATUS.request());
            running = true;
        } catch (ApiException e) {
            running = false;
        }
        if (running) {
            deleteResources(lab).forEach(out::println);
        } else {
            out.println("no vnet lab is running, so there is nothing to delete");
        }
        deleteTree(store.workdir(lab.id()));
        progress.labs.remove(lab.id());
        if (lab.id().equals(progress.current)) {
            progress.current = null;
        }
        store.save(progress);
        out.println("lab " + lab.id() + " reset: `vnet lab start " + lab.id() + "` begins it again");
        out.flush();
    }

    // ---- helpers ----

    /** Deletes the pods and Services of every manifest of the lab that exist; returns what it deleted. */
    private List<String> deleteResources(Exercise lab) throws ApiException {
        List<String> files = new java.util.ArrayList<>(lab.extras());
        files.addAll(lab.manifests());
        List<String> deleted = new java.util.ArrayList<>();
        for (String m : files) {
            Path file = lab.dir().resolve(m);
            JsonNode reply = api.delete(read(file), Catalog.display(file));
            reply.path("messages").forEach(line -> deleted.add(line.asString()));
        }
        return deleted;
    }

    private Exercise chosen(Progress progress, String id) throws ApiException {
        if (id != null) {
            return catalog.lab(id);
        }
        if (progress.current == null) {
            throw new ApiException("no lab started: `vnet lab list` shows the labs, `vnet lab start ID` starts one");
        }
        return catalog.lab(progress.current);
    }

    private static Progress.LabProgress started(Progress progress, Exercise lab) throws ApiException {
        Progress.LabProgress p = progress.of(lab.id());
        if (p == null) {
            throw new ApiException("lab " + lab.id() + " is not started: `vnet lab start " + lab.id() + "`");
        }
        return p;
    }

    private static JsonNode requireLab(CheckContext ctx, Exercise lab) throws ApiException {
        JsonNode status;
        try {
            status = ctx.status();
        } catch (ApiException e) {
            if (e.getMessage().startsWith("no lab is running")) {
                throw new ApiException("no vnet lab is running: start one with `vnet up -d"
                        + (lab.nodes() > 2 ? " --nodes " + lab.nodes() : "") + "`, then `vnet lab start " + lab.id() + "`");
            }
            throw e;
        }
        boolean processes = status.path("store").asString("").startsWith("etcd://");
        if (lab.store().equals("etcd") && !processes) {
            throw new ApiException("lab " + lab.id() + " runs on node processes over etcd: `vnet down`, then `vnet up -d "
                    + "--store etcd" + (lab.nodes() > 2 ? " --nodes " + lab.nodes() : "") + "`");
        }
        int have = status.path("nodes").size();
        if (have < lab.nodes()) {
            throw new ApiException("lab " + lab.id() + " needs " + lab.nodes() + " nodes and the running vnet lab has "
                    + have + ": `vnet down`, then `vnet up -d --nodes " + lab.nodes() + "`");
        }
        return status;
    }

    /** Refuses to check a lab whose pods went with a vnet lab that has since been restarted. */
    private static void sameRun(CheckContext ctx, Exercise lab, Progress.LabProgress p) throws ApiException {
        String now = ctx.status().path("startedAt").asString();
        if (p.labStartedAt != null && !p.labStartedAt.equals(now)) {
            throw new ApiException("the vnet lab was restarted since lab " + lab.id() + " began, and its pods went "
                    + "with it: `vnet lab start " + lab.id() + "` sets it up again");
        }
    }

    /** Lets the step's checks note where their counting starts. */
    private static void begin(CheckContext ctx, Exercise lab, Progress.LabProgress p) {
        for (Check c : lab.step(p.step).checks()) {
            c.begin(ctx);
        }
    }

    private void showStep(CheckContext ctx, Exercise lab, int n) {
        Step step = lab.step(n);
        out.println("step " + n + " of " + lab.steps().size() + ": " + step.title());
        out.println();
        ctx.show(step.text()).strip().lines().forEach(l -> out.println(l.isEmpty() ? "" : "  " + l));
        if (!step.commands().isEmpty()) {
            out.println();
            out.println("try:");
            step.commands().forEach(c -> out.println("  $ " + ctx.show(c)));
        }
        out.println();
        out.println("then `vnet lab check` (stuck? `vnet lab hint`)");
        out.flush();
    }

    private String following(Exercise lab) {
        List<Exercise> labs = catalog.labs();
        int i = labs.indexOf(lab);
        return i >= 0 && i + 1 < labs.size() ? "; next: `vnet lab start " + labs.get(i + 1).id() + "`" : "";
    }

    private static String read(Path file) throws ApiException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ApiException("cannot read " + Catalog.display(file) + ": " + e.getMessage());
        }
    }

    private static void clearWorkdir(Path dir) throws ApiException {
        deleteTree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ApiException("cannot create the lab's folder " + dir + ": " + e.getMessage());
        }
    }

    private static void deleteTree(Path dir) throws ApiException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new ApiException("cannot empty the lab's folder " + dir + ": " + e.getMessage());
        }
    }
}
