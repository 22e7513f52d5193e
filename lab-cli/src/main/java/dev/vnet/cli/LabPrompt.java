package dev.vnet.cli;

import dev.vnet.cli.course.Catalog;
import dev.vnet.cli.course.Progress;
import dev.vnet.cli.course.ProgressStore;
import java.util.Map;

/** What the REPL's prompt shows of the guided lab in progress: "03-vxlan-across-nodes 2/4", or null. */
final class LabPrompt {
    private LabPrompt() {}

    /** From the progress file and the labs this environment names (as {@code vnet lab} finds them). */
    static String current(Map<String, String> env) {
        try {
            Progress progress = new ProgressStore(ProgressStore.defaultFile(env)).load();
            if (progress.current == null) {
                return null;
            }
            Progress.LabProgress p = progress.of(progress.current);
            int steps = Catalog.open(Catalog.locate(null, env)).lab(progress.current).steps().size();
            return progress.current + (p.done ? " done" : " " + Math.min(p.step, steps) + "/" + steps);
        } catch (Exception e) {
            return null; // no lab in progress, or no labs folder here: a plain prompt
        }
    }
}
