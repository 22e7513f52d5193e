package dev.vnet.cli;

import dev.vnet.cli.course.Catalog;
import dev.vnet.cli.course.CheckContext;
import dev.vnet.cli.course.ExerciseFileException;
import dev.vnet.cli.course.ProgressStore;
import dev.vnet.cli.course.Session;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

@Command(name = "lab", mixinStandardHelpOptions = true, description = {
        "Guided labs, one idea of Kubernetes networking each, built on the running lab.",
        "Each step is checked against the real network, not against what you typed.",
        "Progress is saved, so you can stop and come back.",
        "Example: vnet lab list; vnet lab start 01; vnet lab check; vnet lab next"},
        subcommands = {LabCommand.ListLabs.class, LabCommand.Start.class, LabCommand.Check.class, LabCommand.Hint.class,
                LabCommand.Next.class, LabCommand.Status.class, LabCommand.Reset.class})
public final class LabCommand implements Runnable {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = "--labs-dir", hidden = true, scope = CommandLine.ScopeType.INHERIT,
            description = "The folder of the labs (default: $VNET_LABS, else labs/ here or next to vnet).")
    Path labsDir;

    @Option(names = "--lab-state", hidden = true, scope = CommandLine.ScopeType.INHERIT,
            description = "The progress file (default: $VNET_LAB_STATE, else $XDG_STATE_HOME/vnet/labs.json).")
    Path labState;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs one {@code vnet} command line as {@link Main#run(PrintWriter, PrintWriter, String...)} does, with
     * {@code lab} in the command table even where it is not registered yet (tests of the labs).
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = VnetCommand.commandLine();
        if (!cl.getSubcommands().containsKey("lab")) {
            cl.addSubcommand(new LabCommand());
        }
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    Session session(CommandSpec sub) throws Exception {
        Catalog catalog;
        try {
            catalog = Catalog.open(Catalog.locate(labsDir, System.getenv()));
        } catch (ExerciseFileException e) {
            throw new VnetCommand.CliException("bad lab file: " + e.getMessage());
        }
        ProgressStore store = new ProgressStore(labState != null ? labState : ProgressStore.defaultFile(System.getenv()));
        return new Session(catalog, store, CheckContext.Api.of(root.client()), CheckContext.PROCESSES, sub.commandLine().getOut());
    }

    /** What every verb shares: its parent and its own spec (for its output). */
    abstract static class Verb implements Callable<Integer> {
        @ParentCommand
        LabCommand lab;

        @Spec
        CommandSpec spec;

        Session session() throws Exception {
            return lab.session(spec);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List the labs: id, progress (new, step N/M, done), what each teaches.",
            "Example: vnet lab list"})
    static final class ListLabs extends Verb {
        @Override
        public Integer call() throws Exception {
            session().list();
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = {"Start a lab: apply its starting pods and Services and show step 1.",
            "A lab in progress resumes where you left it.",
            "Example: vnet lab start 01-pod-is-a-namespace   (or just: vnet lab start 01)"})
    static final class Start extends Verb {
        @Parameters(index = "0", paramLabel = "LAB", description = "The lab's id (or its number).")
        String id;

        @Override
        public Integer call() throws Exception {
            session().start(id);
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = {"Check the current step against the network; say what is missing.",
            "Exits 1 while something is. Example: vnet lab check"})
    static final class Check extends Verb {
        @Parameters(index = "0", arity = "0..1", paramLabel = "LAB", description = "A lab id (default: the current lab).")
        String id;

        @Override
        public Integer call() throws Exception {
            return session().check(id) ? 0 : 1;
        }
    }

    @Command(name = "hint", mixinStandardHelpOptions = true, description = {"Show the next hint for the current step (at the end, its solution).",
            "Example: vnet lab hint"})
    static final class Hint extends Verb {
        @Parameters(index = "0", arity = "0..1", paramLabel = "LAB", description = "A lab id (default: the current lab).")
        String id;

        @Override
        public Integer call() throws Exception {
            session().hint(id);
            return 0;
        }
    }

    @Command(name = "next", mixinStandardHelpOptions = true, description = {"Go on to the next step once this one passed (after the last: recap).",
            "Example: vnet lab next"})
    static final class Next extends Verb {
        @Parameters(index = "0", arity = "0..1", paramLabel = "LAB", description = "A lab id (default: the current lab).")
        String id;

        @Override
        public Integer call() throws Exception {
            return session().next(id) ? 0 : 1;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = {"Where you are: the current lab, its step, its checks and hints.",
            "Example: vnet lab status"})
    static final class Status extends Verb {
        @Parameters(index = "0", arity = "0..1", paramLabel = "LAB", description = "A lab id (default: the current lab).")
        String id;

        @Override
        public Integer call() throws Exception {
            session().status(id);
            return 0;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true, description = {"Delete a lab's pods and Services and forget its progress.",
            "Example: vnet lab reset 02-pods-on-one-node"})
    static final class Reset extends Verb {
        @Parameters(index = "0", arity = "0..1", paramLabel = "LAB", description = "A lab id (default: the current lab).")
        String id;

        @Override
        public Integer call() throws Exception {
            session().reset(id);
            return 0;
        }
    }
}
