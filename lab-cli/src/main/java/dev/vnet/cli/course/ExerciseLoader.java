package dev.vnet.cli.course;

import dev.vnet.apiserver.api.Manifests;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Loads {@code labs/NN-slug/lab.yaml} and refuses, with one line naming the file and the place, anything that
 * would make the lab misbehave later: unknown fields and check types, missing fields, steps without checks or
 * hints, a solution per step missing, manifests that do not parse, checks or variables naming pods and
 * Services the lab never creates, YAML files in the folder that no list mentions (reset would miss them).
 */
public final class ExerciseLoader {
    /** The file of a lab in its folder. */
    public static final String FILE = "lab.yaml";
    static final Pattern ID = Pattern.compile("\\d\\d-[a-z0-9]+(-[a-z0-9]+)*");
    private static final ObjectMapper YAML = dev.vnet.apiserver.api.Json.YAML;
    private static final int MAX_NODES = dev.vnet.lab.LabConfig.MAX_NODES;

    private ExerciseLoader() {}

    public static Exercise load(Path dir) throws ExerciseFileException {
        Path file = dir.resolve(FILE);
        String where = Catalog.display(file);
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ExerciseFileException(Catalog.display(dir) + ": no " + FILE + " in the lab's folder");
        } catch (tools.jackson.core.JacksonException e) {
            String at = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ExerciseFileException(where + ": not valid YAML" + at + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ExerciseFileException(where + ": cannot read it: " + e.getMessage());
        }
        Fields f = new Fields(root, where);
        String id = f.text("id");
        if (!ID.matcher(id).matches()) {
            throw f.error("\"id\" must look like NN-slug (two digits, then lower-case words joined by -)");
        }
        if (!id.equals(dir.getFileName().toString())) {
            throw f.error("\"id\" is " + id + " but the folder is " + dir.getFileName() + ": they must match");
        }
        String title = f.text("title");
        String teaches = f.text("teaches");
        int nodes = f.intValue("nodes");
        if (nodes < 1 || nodes > MAX_NODES) {
            throw f.error("\"nodes\" must be between 1 and " + MAX_NODES);
        }
        String store = f.optText("store", "memory");
        if (!Exercise.STORES.contains(store)) {
            throw f.error("\"store\" must be memory or etcd");
        }
        List<String> manifests = f.texts("manifests", 1);
        List<String> extras = f.texts("extras", 0);
        Set<String> pods = new HashSet<>();
        Set<String> services = new HashSet<>();
        readManifests(f, dir, concat(manifests, extras), pods, services);
        Scope scope = new Scope(pods, services, nodes);

        JsonNode stepNodes = f.list("steps");
        JsonNode solutionNodes = f.list("solution");
        if (solutionNodes.size() != stepNodes.size()) {
            throw f.error("\"solution\" has " + solutionNodes.size() + " entries for " + stepNodes.size()
                    + " steps: give one list of commands per step");
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < stepNodes.size(); i++) {
            Fields solution = Fields.place(where + ": solution of step " + (i + 1));
            List<String> commands = solution.texts(solutionNodes.get(i), "the solution", 1);
            for (String c : commands) {
                scope.checkVars(solution, c);
            }
            steps.add(step(stepNodes.get(i), where + ": step " + (i + 1), scope, commands));
        }
        String recap = f.text("recap");
        scope.checkVars(f, recap);
        f.done();
        return new Exercise(id, title, teaches, nodes, store, manifests, extras, steps, recap, dir, pods, services);
    }

    private static Step step(JsonNode node, String where, Scope scope, List<String> solution) throws ExerciseFileException {
        Fields f = new Fields(node, where);
        String title = f.text("title");
        String text = scope.text(f, "text");
        List<String> commands = f.texts("commands", 0);
        List<String> hints = f.texts("hints", 1);
        for (String s : concat(commands, hints)) {
            scope.checkVars(f, s);
        }
        if (!f.has("checks")) {
            throw f.error("a step needs \"checks\": without them it could not tell when it is done");
        }
        JsonNode checkNodes = f.list("checks");
        List<Check> checks = new ArrayList<>();
        for (int i = 0; i < checkNodes.size(); i++) {
            checks.add(Checks.parse(checkNodes.get(i), where + ", check " + (i + 1), scope));
        }
        f.done();
        return new Step(title, text, commands, hints, checks, solution);
    }

    /** Parses every manifest as {@code vnet apply} would, collecting the pods and Services they create. */
    private static void readManifests(Fields f, Path dir, List<String> files, Set<String> pods, Set<String> services)
            throws ExerciseFileException {
        Set<String> listed = new HashSet<>();
        for (String name : files) {
            if (name.contains("/") || name.startsWith(".") || name.equals(FILE)) {
                throw f.error("manifest \"" + name + "\" must be a file name in the lab's folder");
            }
            if (!listed.add(name)) {
                throw f.error("manifest " + name + " is listed twice");
            }
            Path file = dir.resolve(name);
            List<Manifests.Document> resources;
            try {
                resources = Manifests.parse(Files.readString(file), Catalog.display(file));
            } catch (NoSuchFileException e) {
                throw f.error("manifest " + name + " is not in " + Catalog.display(dir));
            } catch (IOException e) {
                throw f.error("cannot read manifest " + name + ": " + e.getMessage());
            } catch (dev.vnet.apiserver.api.InvalidManifestException e) {
                throw new ExerciseFileException(e.getMessage());
            }
            for (Manifests.Document d : resources) {
                String n = d.object().getMetadata().getName();
                boolean pod = d.object() instanceof Pod;
                boolean fresh = pod ? pods.add(n) : d.object() instanceof Service ? services.add(n) : true;
                if (!fresh) {
                    throw f.error("manifest " + name + " defines " + (pod ? "pod " : "Service ") + n
                            + " that another manifest of the lab defines too");
                }
            }
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String n = p.getFileName().toString();
                if ((n.endsWith(".yaml") || n.endsWith(".yml")) && !n.equals(FILE) && !listed.contains(n)) {
                    throw f.error(n + " is in the lab's folder but in neither \"manifests\" nor \"extras\": "
                            + "`lab reset` would not delete what it creates");
                }
            }
        } catch (IOException e) {
            throw f.error("cannot list " + Catalog.display(dir) + ": " + e.getMessage());
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
