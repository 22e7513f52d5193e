package dev.vnet.policy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@link PolicyBench} (run by {@code make bench}) from rotting: the whole program on tiny sizes, its own
 * correctness checks included (each round's allowed count). No timing is asserted.
 */
class PolicyBenchSmokeTest {
    static final String[] TINY = {"--policies=0,3,20", "--pods=40", "--decisions=500", "--rounds=2", "--warmup=1"};

    @Test
    void runsOnTinySizesAndWritesItsFigures(@TempDir Path dir) throws Exception {
        Path kv = dir.resolve("policy.txt");
        String[] args = java.util.Arrays.copyOf(TINY, TINY.length + 1);
        args[TINY.length] = "--kv=" + kv;
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            PolicyBench.main(args);
        } finally {
            System.setOut(stdout);
        }
        String table = printed.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("typical ns/dec"), table);

        Map<String, String> figures = new LinkedHashMap<>();
        for (String line : Files.readAllLines(kv)) {
            int eq = line.indexOf('=');
            assertTrue(eq > 0, "not key=value: " + line);
            figures.put(line.substring(0, eq), line.substring(eq + 1));
        }
        for (int n : new int[] {0, 3, 20}) {
            for (String key : List.of("policy_decision_ns_", "policy_decision_bytes_", "policy_decision_worst_ns_",
                    "policy_decision_worst_bytes_", "policy_first_decision_us_", "policy_compile_ms_")) {
                String value = figures.get(key + n);
                assertTrue(value != null, key + n + " missing from " + figures.keySet());
                Double.parseDouble(value);
            }
        }
        assertEquals("40", figures.get("policy_pods"));
        assertTrue(figures.keySet().stream().allMatch(k -> k.startsWith("policy_")), figures.keySet().toString());
    }

    @Test
    void badOptionsSayWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PolicyBench.Options.parse(new String[] {"--pollicies=1"}));
        assertEquals("unknown option --pollicies (policies, pods, decisions, rounds, warmup, seed, kv)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyBench.Options.parse(new String[] {"--pods=1"}));
    }

    @Test
    void theScenariosAreWhatTheTableSays() {
        PolicyBench.Options o = PolicyBench.Options.parse(new String[] {"--pods=10"});
        PolicyBench b = new PolicyBench(o, System.out);
        var pods = b.pods(5);
        var typical = dev.vnet.policy.PolicySet.compile(PolicyBench.policies(5, false));
        var worst = dev.vnet.policy.PolicySet.compile(PolicyBench.policies(5, true));
        var client = pods.get(2);
        var server = pods.get(1);
        var target = pods.get(7);   // app-2
        assertEquals("allowed by bench/policy-0002 ingress rule 1 (from podSelector role=client, port 80/TCP)",
                typical.ingress(client, target, PolicyBench.TCP, 80).reason());
        assertEquals("denied: selected by bench/policy-0002, no ingress rule allows bench/pod-1 (10.244.1.3) → 80/TCP",
                typical.ingress(server, target, PolicyBench.TCP, 80).reason());
        var w = worst.ingress(client, target, PolicyBench.TCP, 80);
        assertEquals("bench/policy-0004", w.policy());
        assertEquals(5, w.selectedBy().size());
    }
}
