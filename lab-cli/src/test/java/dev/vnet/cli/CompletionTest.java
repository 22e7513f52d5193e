package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The REPL completes each word from the verb's own definition: its options, subcommands and parameter labels. */
class CompletionTest {
    private static final Map<String, List<String>> LIVE = Map.of("pods", List.of("pod-a", "pod-b"),
            "services", List.of("web"), "nodes", List.of("node-1", "node-2"),
            "endpointslices", List.of("web-abcde"));

    private final Completion completion = new Completion(k -> LIVE.getOrDefault(
            dev.vnet.apiserver.api.Kinds.builtIn().find(k).map(x -> x.plural()).orElse(k), List.of()),
            v -> List.of("01-pod-is-a-namespace"));
    private final CommandLine table = VnetCommand.commandLine();

    private List<String> complete(String... words) {
        List<String> line = new java.util.ArrayList<>(List.of(words));
        line.add("");
        return completion.candidates(table.getSubcommands().get(words[0]).getCommandSpec(), line, line.size() - 1);
    }

    @Test
    void aKindWordComesFromTheRegistry() {
        List<String> c = complete("get");
        assertTrue(c.containsAll(List.of("pods", "po", "svc", "nodes", "endpointslices", "subnetleases")), c.toString());
        assertTrue(c.contains("-o"), c.toString());
    }

    @Test
    void aNameIsOneOfThatKind() {
        assertTrue(complete("get", "svc").contains("web"));
        assertFalse(complete("get", "svc").contains("pod-a"));
        assertTrue(complete("describe", "po").containsAll(List.of("pod-a", "pod-b")));
        assertTrue(complete("delete", "pod").contains("pod-b"));
        assertTrue(complete("get", "endpointslices").contains("web-abcde"));
    }

    @Test
    void eachVerbNamesWhatItsWordsAre() {
        assertTrue(complete("exec").containsAll(List.of("pod-a", "outside", "node/node-2")));
        assertTrue(complete("logs").contains("pod-a"));
        assertTrue(complete("trace", "pod-a").containsAll(List.of("pod-b", "web")));
        assertTrue(complete("lab", "start").contains("01-pod-is-a-namespace"));
    }

    @Test
    void anOptionValueComesFromTheOption() {
        assertEquals(List.of("pod", "gateway", "nat", "overlay", "tun", "underlay", "all"),
                complete("capture", "--point"));
        assertEquals(List.of("node-1", "node-2"), complete("conntrack", "--node"));
        assertTrue(complete("capture", "--point", "nat").contains("pod-a")); // the option's value is skipped
    }

    @Test
    void everyPositionalOfEveryVerbSaysWhatItIs() {
        List<String> known = List.of("KIND", "NAME", "POD", "NODE", "SERVICE", "TARGET", "DESTINATION", "LAB");
        List<String> unlabelled = new java.util.ArrayList<>();
        check(table, known, unlabelled);
        // Free text (a command to run, a file, a word of the verb itself) is labelled too, just not completed.
        assertEquals(List.of(), unlabelled, "positional parameters without a label");
    }

    private static void check(CommandLine cl, List<String> known, List<String> unlabelled) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            for (var p : sub.getCommandSpec().positionalParameters()) {
                String label = p.paramLabel().replaceAll("[<>.]", "");
                if (label.startsWith("PARAM") || label.startsWith("param") || label.matches("[a-z]+\\d*")) {
                    unlabelled.add(sub.getCommandSpec().qualifiedName() + " " + p.paramLabel());
                }
            }
            check(sub, known, unlabelled);
        }
    }
}
