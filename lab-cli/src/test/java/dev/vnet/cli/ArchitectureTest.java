package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The folders draw the line Kubernetes draws between its components, and the imports point one way: a module
 * uses only the modules below it (core ← bridge, overlay, nat, policy, fault, ingress ← apiserver ← node ← lab
 * ← cli), and no package depends on itself through others. Read from the sources, so it holds for inline names
 * too.
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** Each module's own package, lowest first, with the modules it may use. */
    private static final Map<String, List<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("dev.vnet.core", List.of());
        MAY_USE.put("dev.vnet.bridge", List.of("dev.vnet.core"));
        MAY_USE.put("dev.vnet.overlay", List.of("dev.vnet.core"));
        MAY_USE.put("dev.vnet.nat", List.of("dev.vnet.core"));
        MAY_USE.put("dev.vnet.policy", List.of("dev.vnet.core"));
        MAY_USE.put("dev.vnet.fault", List.of("dev.vnet.core"));
        MAY_USE.put("dev.vnet.ingress", List.of("dev.vnet.core"));
        MAY_USE.put("dev.vnet.apiserver", List.of("dev.vnet.core", "dev.vnet.policy", "dev.vnet.fault", "dev.vnet.ingress"));
        MAY_USE.put("dev.vnet.node", List.of("dev.vnet.core", "dev.vnet.bridge", "dev.vnet.overlay", "dev.vnet.nat",
                "dev.vnet.policy", "dev.vnet.fault", "dev.vnet.ingress", "dev.vnet.apiserver"));
        MAY_USE.put("dev.vnet.lab", List.of("dev.vnet.core", "dev.vnet.bridge", "dev.vnet.overlay", "dev.vnet.nat",
                "dev.vnet.policy", "dev.vnet.fault", "dev.vnet.ingress", "dev.vnet.apiserver", "dev.vnet.node"));
        MAY_USE.put("dev.vnet.cli", List.of("dev.vnet.core", "dev.vnet.bridge", "dev.vnet.overlay", "dev.vnet.nat",
                "dev.vnet.policy", "dev.vnet.fault", "dev.vnet.ingress", "dev.vnet.apiserver", "dev.vnet.node",
                "dev.vnet.lab"));
    }

    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern USE = Pattern.compile("\\b(dev\\.vnet\\.[a-z0-9_.]+?)\\.[A-Z]");

    /** package → the dev.vnet packages its main sources name. */
    static Map<String, Set<String>> uses() {
        Map<String, Set<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(p -> p.toString().contains("/src/main/java/") && p.toString().endsWith(".java")
                    && !p.toString().contains("/target/")).toList()) {
                String text = Files.readString(f);
                Matcher pkg = PACKAGE.matcher(text);
                assertTrue(pkg.find(), "no package in " + f);
                String body = text.replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"").replaceAll("(?s)/\\*.*?\\*/", "")
                        .replaceAll("//.*", "");
                Set<String> used = out.computeIfAbsent(pkg.group(1), k -> new TreeSet<>());
                Matcher m = USE.matcher(body);
                while (m.find()) {
                    if (!m.group(1).equals(pkg.group(1))) {
                        used.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static String moduleOf(String pkg) {
        return MAY_USE.keySet().stream().filter(m -> pkg.equals(m) || pkg.startsWith(m + "."))
                .max((a, b) -> a.length() - b.length()).orElse("?");
    }

    @Test
    void everyModuleUsesOnlyTheModulesBelowIt() {
        List<String> wrong = new ArrayList<>();
        uses().forEach((pkg, used) -> {
            String module = moduleOf(pkg);
            for (String u : used) {
                String target = moduleOf(u);
                if (!target.equals(module) && !MAY_USE.getOrDefault(module, List.of()).contains(target)) {
                    wrong.add(pkg + " → " + u);
                }
            }
        });
        assertEquals(List.of(), wrong);
    }

    @Test
    void theComponentsHaveTheirFolders() {
        for (String folder : List.of("vnet-core", "vnet-bridge", "vnet-overlay", "vnet-nat", "vnet-policy",
                "vnet-fault", "vnet-ingress", "vnet-apiserver", "vnet-node", "vnet-lab", "lab-cli")) {
            assertTrue(Files.isDirectory(ROOT.resolve(folder).resolve("src/main/java")), folder);
        }
        Set<String> packages = uses().keySet();
        for (String pkg : List.of("dev.vnet.apiserver.api", "dev.vnet.apiserver.store", "dev.vnet.apiserver.admission",
                "dev.vnet.apiserver.controller", "dev.vnet.apiserver.server", "dev.vnet.apiserver.client",
                "dev.vnet.node.agent", "dev.vnet.node.router", "dev.vnet.node.pod", "dev.vnet.lab",
                "dev.vnet.cli.course")) {
            assertTrue(packages.contains(pkg), pkg);
        }
    }

    @Test
    void noPackageDependsOnItself() {
        Map<String, Set<String>> graph = uses();
        List<List<String>> cycles = stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(), cycles, "package cycles");
    }

    /** Tarjan's strongly connected components, iteratively. */
    static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String start : graph.keySet()) {
            if (index.containsKey(start)) {
                continue;
            }
            Deque<Object[]> work = new ArrayDeque<>(); // {node, iterator of its edges}
            index.put(start, next[0]);
            low.put(start, next[0]++);
            stack.push(start);
            onStack.add(start);
            work.push(new Object[] {start, graph.getOrDefault(start, Set.of()).iterator()});
            while (!work.isEmpty()) {
                Object[] top = work.peek();
                String v = (String) top[0];
                @SuppressWarnings("unchecked")
                java.util.Iterator<String> it = (java.util.Iterator<String>) top[1];
                if (it.hasNext()) {
                    String w = it.next();
                    if (!index.containsKey(w)) {
                        index.put(w, next[0]);
                        low.put(w, next[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[] {w, graph.getOrDefault(w, Set.of()).iterator()});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = (String) work.peek()[0];
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    List<String> comp = new ArrayList<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        comp.add(w);
                    } while (!w.equals(v));
                    out.add(comp);
                }
            }
        }
        return out;
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        List<List<String>> cycles = stronglyConnected(g).stream().filter(c -> c.size() > 1).toList();
        assertEquals(1, cycles.size());
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(cycles.get(0)));
    }
}
