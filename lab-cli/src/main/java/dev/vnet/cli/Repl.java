package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.cli.course.ProgressStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * The interactive {@code vnet}: every verb of the one-shot CLI, from the same command table, with history,
 * completion of verbs, options, kinds and live names, and Mininet-style lines: a line that starts with a pod's
 * name runs in that pod, with other pod and Service names on it turned into their IPs
 * ({@code pod-a ping -c 2 pod-c}). The REPL's namespace is default: a bare name is a pod or Service of default,
 * NAMESPACE/NAME one of another namespace ({@code prod/web ping -c 1 web}: the second web is default's), so a
 * name used in two namespaces is never a guess. Ctrl-C stops the running command, not the REPL; Ctrl-D leaves.
 */
final class Repl {
    private static final long NAMES_TTL_NANOS = 2_000_000_000L;

    private final VnetCommand root;
    private final List<String> rootArgs;
    private final ApiClient client;
    private Map<String, String> podIps = Map.of();
    private Map<String, String> serviceIps = Map.of();
    private List<String> nodes = List.of();
    private long namesAt;

    Repl(VnetCommand root, List<String> rootArgs) throws dev.vnet.apiserver.api.ApiException {
        this.root = root;
        this.rootArgs = rootArgs;
        this.client = root.client();
    }

    int run() throws IOException {
        Terminal terminal = TerminalBuilder.builder().name("vnet").system(true).build();
        // Ctrl-C while a command runs reaches its processes (same process group); this JVM only stops the verbs
        // that run in it until Ctrl-C (port-forward), and lives on.
        terminal.handle(Terminal.Signal.INT, signal -> Foreground.interrupt());
        Path history = historyFile(System.getenv());
        try {
            Files.createDirectories(history.getParent());
        } catch (IOException ignored) {
            // History is then kept in memory only.
        }
        LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("vnet")
                .completer(new NamesCompleter()).variable(LineReader.HISTORY_FILE, history)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true).build();
        PrintWriter out = terminal.writer();
        if (!client.labRunning()) {
            String answer = readOrEmpty(reader, "No lab is running. Start one now (vnet up -d)? [Y/n] ");
            if (answer == null) {
                return 0;
            }
            if (answer.isBlank() || answer.strip().toLowerCase().startsWith("y")) {
                execute(List.of("up", "-d"), out);
            }
        }
        out.println("vnet: type a verb (get pods, trace, capture, lab list ...), help, or a pod's name and a command;"
                + " Ctrl-D to leave");
        out.flush();
        while (true) {
            String line;
            try {
                line = reader.readLine(prompt());
            } catch (UserInterruptException e) {
                continue; // Ctrl-C at the prompt clears the line
            } catch (EndOfFileException e) {
                break;
            }
            ParsedLine parsed = reader.getParser().parse(line, 0);
            List<String> words = new ArrayList<>(parsed.words());
            words.removeIf(String::isEmpty);
            if (words.isEmpty()) {
                continue;
            }
            if (words.get(0).equals("exit") || words.get(0).equals("quit")) {
                break;
            }
            dispatch(words, out, reader);
        }
        terminal.close();
        return 0;
    }

    private static String readOrEmpty(LineReader reader, String prompt) {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            return "";
        } catch (EndOfFileException e) {
            return null;
        }
    }

    private void dispatch(List<String> words, PrintWriter out, LineReader reader) {
        String first = words.get(0);
        if (first.equals("source") && words.size() == 2) {
            source(Path.of(words.get(1)), out, reader);
            return;
        }
        refreshNames(false);
        if (podIps.containsKey(first) && !isVerb(first)) {
            // Mininet style: "pod-a ping -c 2 pod-c" runs in pod-a with pod-c's IP.
            List<String> exec = new ArrayList<>(List.of("exec", first, "--"));
            for (String w : words.subList(1, words.size())) {
                exec.add(podIps.getOrDefault(w, serviceIps.getOrDefault(w, w)));
            }
            execute(exec, out);
            return;
        }
        execute(words, out);
    }

    /** Runs each line of a file as if typed. */
    private void source(Path file, PrintWriter out, LineReader reader) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.strip().startsWith("#")) {
                    continue;
                }
                out.println(prompt() + line);
                List<String> words = new ArrayList<>(reader.getParser().parse(line, 0).words());
                words.removeIf(String::isEmpty);
                dispatch(words, out, reader);
            }
        } catch (IOException e) {
            out.println("error: cannot read " + file + ": " + e.getMessage());
        }
    }

    private void execute(List<String> words, PrintWriter out) {
        List<String> args = new ArrayList<>(rootArgs);
        args.addAll(words);
        out.flush();
        Main.run(out, out, args.toArray(String[]::new));
        out.flush();
        namesAt = 0; // what the command changed shows in the next completion
    }

    private String prompt() {
        String lab = LabPrompt.current(System.getenv());
        return lab == null ? "vnet> " : "vnet " + lab + "> ";
    }

    private boolean isVerb(String word) {
        return VnetCommand.commandLine().getSubcommands().containsKey(word);
    }

    private void refreshNames(boolean force) {
        if (!force && System.nanoTime() - namesAt < NAMES_TTL_NANOS) {
            return;
        }
        Map<String, String> pods = new HashMap<>();
        Map<String, String> services = new HashMap<>();
        List<String> nodeNames = new ArrayList<>();
        try {
            for (JsonNode p : list("pods")) {
                pods.put(shortName(p), p.path("status").path("podIP").asString(""));
            }
            for (JsonNode s : list("services")) {
                String ip = s.path("spec").path("clusterIP").asString("");
                if (!ip.isEmpty() && !ip.equals("None")) {
                    services.put(shortName(s), ip);
                }
            }
            for (JsonNode n : list("nodes")) {
                nodeNames.add(n.path("metadata").path("name").asString());
            }
        } catch (ApiException e) {
            // No lab: nothing to complete.
        }
        podIps = pods;
        serviceIps = services;
        nodes = nodeNames;
        namesAt = System.nanoTime();
    }

    /** How the REPL names an object: NAME in default, NAMESPACE/NAME elsewhere. */
    static String shortName(JsonNode item) {
        String ns = item.path("metadata").path("namespace").asString("default");
        String name = item.path("metadata").path("name").asString();
        return ns.equals("default") ? name : ns + "/" + name;
    }

    private List<JsonNode> list(String kind) throws ApiException {
        List<JsonNode> out = new ArrayList<>();
        client.list(dev.vnet.apiserver.api.Kinds.builtIn().named(kind), null, true, null).path("items")
                .forEach(out::add);
        return out;
    }

    private final Completion completion = new Completion(this::namesOf, v -> labIds());

    /** Completes verbs and pod names first; then what the verb's own definition says its next word may be. */
    private final class NamesCompleter implements Completer {
        @Override
        public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
            refreshNames(false);
            CommandLine table = VnetCommand.commandLine();
            if (line.wordIndex() == 0) {
                table.getSubcommands().keySet().forEach(v -> candidates.add(new Candidate(v)));
                podIps.keySet().forEach(p -> candidates.add(new Candidate(p, p, "pods", null, null, null, true)));
                List.of("source", "exit").forEach(v -> candidates.add(new Candidate(v)));
                return;
            }
            String verb = line.words().get(0);
            CommandLine sub = table.getSubcommands().get(verb);
            if (sub == null) {
                // A Mininet-style line: names become IPs.
                podIps.keySet().forEach(p -> candidates.add(new Candidate(p)));
                serviceIps.keySet().forEach(s -> candidates.add(new Candidate(s)));
                return;
            }
            List<String> words = new ArrayList<>(line.words());
            for (String c : completion.candidates(sub.getCommandSpec(), words, line.wordIndex())) {
                candidates.add(c.startsWith("-") ? new Candidate(c, c, "options", null, null, null, true)
                        : new Candidate(c));
            }
        }
    }

    /** The names of one kind in the cluster, for completion: pods, services and nodes as last listed, others asked. */
    private List<String> namesOf(String kindWord) {
        var kind = dev.vnet.apiserver.api.Kinds.builtIn().find(kindWord).orElse(null);
        if (kind == null) {
            return List.of();
        }
        switch (kind.kind()) {
            case "Pod": return List.copyOf(podIps.keySet());
            case "Service": return List.copyOf(serviceIps.keySet());
            case "Node": return nodes;
            default:
                try {
                    return list(kind.plural()).stream().map(o -> o.path("metadata").path("name").asString("")).toList();
                } catch (ApiException e) {
                    return List.of();
                }
        }
    }

    private static List<String> labIds() {
        try {
            return dev.vnet.cli.course.Catalog.open(dev.vnet.cli.course.Catalog.locate(null, System.getenv())).labs()
                    .stream().map(l -> l.id()).toList();
        } catch (Exception e) {
            return List.of(); // no labs folder: nothing to offer
        }
    }

    /** The history file, in vnet's state folder beside the lab progress (same XDG rule). */
    static Path historyFile(Map<String, String> env) {
        return ProgressStore.stateDir(env).resolve("history");
    }
}
