package dev.vnet.policy.bench;

import dev.vnet.core.packet.IpProtocol;
import dev.vnet.policy.Peer;
import dev.vnet.policy.PodPort;
import dev.vnet.policy.PolicySet;
import dev.vnet.policy.Verdict;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The policy part of {@code make bench} (scripts/bench.sh runs it; {@code BENCH_ONLY=policy} runs only it):
 * what a new connection's policy decision costs, {@link PolicySet#egress} at the source plus
 * {@link PolicySet#ingress} at the destination, with 0, 10, 100 and 1,000 NetworkPolicies in the pods'
 * namespace. In one JVM, no network.
 *
 * <ul>
 *   <li><b>typical</b>: policy i selects the pods labelled {@code app=app-i} and allows TCP 80 from pods
 *       labelled {@code role=client}; each pod is selected by exactly one policy, and half the sources are
 *       clients, so half the connections are allowed and half denied.</li>
 *   <li><b>worst</b>: every policy selects every pod ({@code podSelector: {}}) and only the last one's rule
 *       allows the clients: each decision walks the rules of all N policies.</li>
 *   <li><b>first decision</b>: the first decision for a pod under a new policy set, which finds the policies
 *       that select it among its namespace's (once per pod and set; the pod remembers it).</li>
 *   <li><b>compile</b>: {@link PolicySet#compile} of the N policies.</li>
 * </ul>
 * Every figure is the median of several rounds after warm-up, the configurations run side by side (one round
 * of each per pass, as ServiceBench does, so that JIT progress and other load weigh on all alike). A round
 * times a loop over pre-drawn random (source, destination) pairs with {@link System#nanoTime} and counts the
 * bytes the thread allocated (com.sun.management.ThreadMXBean). Each round checks its answers (the number allowed is the number of client
 * sources), so a broken engine fails instead of looking fast.
 *
 * <p>Options ({@code --name=value}): policies (list of counts), pods, decisions (per round), rounds, warmup,
 * seed, kv (file for the key=value results that scripts/bench.sh adds to bench/results/latest.txt).
 */
public final class PolicyBench {
    static final int TCP = IpProtocol.TCP.number();
    static final String NS = "bench";

    static final class Options {
        int[] policies = {0, 10, 100, 1_000};
        int pods = 1_000;
        int decisions = 200_000;
        int rounds = 9;
        int warmup = 5;
        long seed = 1;
        Path kv;

        static Options parse(String[] args) {
            Options o = new Options();
            for (String a : args) {
                int eq = a.indexOf('=');
                if (!a.startsWith("--") || eq < 0) {
                    throw new IllegalArgumentException("expected --name=value, got " + a);
                }
                String name = a.substring(2, eq);
                String v = a.substring(eq + 1);
                switch (name) {
                    case "policies" -> o.policies = Arrays.stream(v.split(",")).mapToInt(s -> count(name, s, 0)).toArray();
                    case "pods" -> o.pods = count(name, v, 2);
                    case "decisions" -> o.decisions = count(name, v, 1);
                    case "rounds" -> o.rounds = count(name, v, 1);
                    case "warmup" -> o.warmup = count(name, v, 0);
                    case "seed" -> o.seed = Long.parseLong(v);
                    case "kv" -> o.kv = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option --" + name
                            + " (policies, pods, decisions, rounds, warmup, seed, kv)");
                }
            }
            if (o.policies.length == 0) {
                throw new IllegalArgumentException("--policies needs at least one count");
            }
            return o;
        }

        private static int count(String name, String v, int least) {
            int n = Integer.parseInt(v.trim().replace("_", ""));
            if (n < least) {
                throw new IllegalArgumentException("--" + name + " must be at least " + least + ", got " + v);
            }
            return n;
        }
    }

    private final Options o;
    private final PrintStream out;
    private final Map<String, String> kv = new LinkedHashMap<>();
    private final com.sun.management.ThreadMXBean threads;
    private long sink;

    PolicyBench(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
        this.threads = ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled() ? t : null;
    }

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        long start = System.nanoTime();
        Map<String, String> results = new PolicyBench(o, System.out).run();
        System.out.printf(Locale.ROOT, "(policy benchmark took %.1f s)%n", (System.nanoTime() - start) / 1e9);
        if (o.kv != null) {
            Files.writeString(o.kv, results.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + "\n")
                    .collect(Collectors.joining()));
        }
    }

    Map<String, String> run() {
        out.printf(Locale.ROOT, "%nvnet policy benchmark (in process, no network): Java %s, %d CPUs%n"
                + "A new connection's decision: PolicySet.egress at the source + PolicySet.ingress at the destination,%n"
                + "%,d pods in one namespace, %,d random connections per round, median of %d rounds after %d warm-up%n"
                + "rounds, all configurations side by side (one round of each per pass).%n"
                + "typical: each pod selected by one policy; worst: every policy selects every pod and only the last%n"
                + "allows; first: the first decision for a pod under a new set; B/dec: bytes allocated per decision.%n%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), o.pods, o.decisions,
                o.rounds, o.warmup);
        kv.put("policy_date", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        kv.put("policy_java", System.getProperty("java.version"));
        String row = "%8s | %14s | %13s | %12s | %11s | %12s | %10s%n";
        out.printf(row, "policies", "typical ns/dec", "typical B/dec", "worst ns/dec", "worst B/dec", "first µs/pod",
                "compile ms");
        out.printf(row.replace(" | ", "-+-"), "-".repeat(8), "-".repeat(14), "-".repeat(13), "-".repeat(12),
                "-".repeat(11), "-".repeat(12), "-".repeat(10));
        // All configurations run side by side, one round of each per pass, so that JIT progress and other
        // processes' load weigh on all of them alike.
        Decisions[] configs = new Decisions[o.policies.length * 2];
        for (int i = 0; i < configs.length; i++) {
            configs[i] = new Decisions(o.policies[i / 2], i % 2 == 1);
        }
        double[][] ns = new double[configs.length][o.rounds];
        double[][] bytes = new double[configs.length][o.rounds];
        for (int round = -o.warmup; round < o.rounds; round++) {
            for (int i = 0; i < configs.length; i++) {
                double[] r = configs[i].round();
                if (round >= 0) {
                    ns[i][round] = r[0];
                    bytes[i][round] = r[1];
                }
            }
        }
        configs = null;
        for (int k = 0; k < o.policies.length; k++) {
            int n = o.policies[k];
            double[] typical = {median(ns[2 * k]), median(bytes[2 * k])};
            double[] worst = {median(ns[2 * k + 1]), median(bytes[2 * k + 1])};
            double first = firstDecision(n);
            double compile = compileMillis(n);
            out.printf(row, String.format(Locale.ROOT, "%,d", n), fmt(typical[0]), fmt(typical[1]), fmt(worst[0]),
                    fmt(worst[1]), fmt(first), fmt(compile));
            kv.put("policy_decision_ns_" + n, fmt(typical[0]));
            kv.put("policy_decision_bytes_" + n, fmt(typical[1]));
            kv.put("policy_decision_worst_ns_" + n, fmt(worst[0]));
            kv.put("policy_decision_worst_bytes_" + n, fmt(worst[1]));
            kv.put("policy_first_decision_us_" + n, fmt(first));
            kv.put("policy_compile_ms_" + n, fmt(compile));
            kv.put("policy_decision_spread_pct_" + n, fmt(spreadPercent(ns[2 * k])));
        }
        kv.put("policy_pods", Integer.toString(o.pods));
        kv.put("policy_decisions_per_round", Integer.toString(o.decisions));
        kv.put("policy_rounds", Integer.toString(o.rounds));
        if (sink == 42) {
            out.println();   // keeps the results alive
        }
        return kv;
    }

    /** One configuration: n policies, typical or worst, and its pre-drawn connections. */
    private final class Decisions {
        final int n;
        final boolean worst;
        final PolicySet set;
        final Peer[] src = new Peer[o.decisions];
        final Peer[] dst = new Peer[o.decisions];
        final int expected;

        Decisions(int n, boolean worst) {
            this.n = n;
            this.worst = worst;
            List<Peer> pods = pods(n);
            set = PolicySet.compile(policies(n, worst));
            SplittableRandom r = new SplittableRandom(o.seed * 31 + n * 2L + (worst ? 1 : 0));
            int clients = 0;
            for (int k = 0; k < o.decisions; k++) {
                src[k] = pods.get(r.nextInt(pods.size()));
                dst[k] = pods.get(r.nextInt(pods.size()));
                clients += "client".equals(src[k].labels().get("role")) ? 1 : 0;
            }
            expected = n == 0 ? o.decisions : clients;
        }

        /** {ns per decision, bytes allocated per decision} of one round, checked. */
        double[] round() {
            PolicySet s = set;
            long b0 = allocated();
            long t0 = System.nanoTime();
            int allowed = 0;
            for (int k = 0; k < src.length; k++) {
                Verdict e = s.egress(src[k], dst[k], TCP, 80);
                Verdict i = s.ingress(src[k], dst[k], TCP, 80);
                if (e.allowed() && i.allowed()) {
                    allowed++;
                }
            }
            long t1 = System.nanoTime();
            long b1 = allocated();
            check(allowed == expected, (worst ? "worst" : "typical") + " with " + n + " policies: " + allowed
                    + " allowed, expected " + expected);
            sink += allowed;
            return new double[] {(double) (t1 - t0) / src.length, b0 < 0 ? -1 : (double) (b1 - b0) / src.length};
        }
    }

    /** Median µs of the first decision for each pod under a freshly compiled set. */
    private double firstDecision(int n) {
        List<NetworkPolicy> policies = policies(n, false);
        double[] us = new double[o.rounds];
        for (int round = -o.warmup; round < o.rounds; round++) {
            List<Peer> pods = pods(n);   // new peers: nothing remembered
            PolicySet set = PolicySet.compile(policies);
            Peer client = pods.get(0);
            long t0 = System.nanoTime();
            for (Peer p : pods) {
                sink += set.ingress(client, p, TCP, 80).allowed() ? 1 : 0;
            }
            long t1 = System.nanoTime();
            if (round >= 0) {
                us[round] = (t1 - t0) / 1e3 / pods.size();
            }
        }
        return median(us);
    }

    private double compileMillis(int n) {
        List<NetworkPolicy> policies = policies(n, false);
        double[] ms = new double[o.rounds];
        for (int round = -o.warmup; round < o.rounds; round++) {
            long t0 = System.nanoTime();
            PolicySet set = PolicySet.compile(policies);
            long t1 = System.nanoTime();
            check(set.size() == n, "compiled " + set.size() + " policies, not " + n);
            if (round >= 0) {
                ms[round] = (t1 - t0) / 1e6;
            }
        }
        return median(ms);
    }

    /** o.pods pods in the bench namespace: pod i is app-(i mod n), a client when i is even. */
    List<Peer> pods(int n) {
        List<Peer> out = new ArrayList<>(o.pods);
        for (int i = 0; i < o.pods; i++) {
            int ip = 10 << 24 | 244 << 16 | (1 + i / 250) << 8 | (2 + i % 250);
            out.add(Peer.pod(NS, "pod-" + i, ip, Map.of("app", "app-" + (i % Math.max(1, n)),
                            "role", i % 2 == 0 ? "client" : "server"), Map.of(),
                    List.of(PodPort.tcp("http", 80))));
        }
        return out;
    }

    /** The n policies of a scenario (see the class comment). */
    static List<NetworkPolicy> policies(int n, boolean worst) {
        List<NetworkPolicy> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String allowedRole = !worst || i == n - 1 ? "client" : "nobody-" + i;
            out.add(new NetworkPolicyBuilder()
                    .withNewMetadata().withNamespace(NS).withName(String.format(Locale.ROOT, "policy-%04d", i)).endMetadata()
                    .withNewSpec()
                    .withPodSelector(worst ? new LabelSelectorBuilder().build()
                            : new LabelSelectorBuilder().withMatchLabels(Map.of("app", "app-" + i)).build())
                    .addNewIngress()
                    .addNewFrom().withPodSelector(new LabelSelectorBuilder()
                            .withMatchLabels(Map.of("role", allowedRole)).build()).endFrom()
                    .addNewPort().withProtocol("TCP").withPort(new IntOrString(80)).endPort()
                    .endIngress()
                    .endSpec().build());
        }
        return out;
    }

    private long allocated() {
        return threads == null ? -1 : threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** (max - min) / median, in percent: how much the rounds disagreed. */
    static double spreadPercent(double[] v) {
        double min = Arrays.stream(v).min().orElse(0);
        double max = Arrays.stream(v).max().orElse(0);
        double m = median(v);
        return m > 0 ? 100 * (max - min) / m : 0;
    }

    /** No decimals from 100 up, one below: "4812", "57.3". */
    static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("policy benchmark: " + what);
        }
    }
}
