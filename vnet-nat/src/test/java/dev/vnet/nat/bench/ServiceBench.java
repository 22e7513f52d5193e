package dev.vnet.nat.bench;

import dev.vnet.core.addr.Cidr;
import dev.vnet.nat.conntrack.ConnEntry;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.conntrack.Direction;
import dev.vnet.nat.conntrack.TcpState;
import dev.vnet.nat.conntrack.Timeouts;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import dev.vnet.nat.service.IptablesChainBalancer;
import dev.vnet.nat.service.IptablesTable;
import dev.vnet.nat.service.IpvsTable;
import dev.vnet.nat.service.ServicePort;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.nat.service.ServiceProxy.Verdict;
import dev.vnet.nat.service.ServiceTable;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The Services part of {@code make bench} (scripts/bench.sh runs it; {@code BENCH_ONLY=services} runs only
 * it): what kube-proxy's job costs in vnet's NAT, timed in one JVM on synthetic packets, with no network.
 *
 * <ol>
 *   <li>A new connection to a Service: {@link ServiceProxy#process} on the SYN of a fresh flow (conntrack
 *       miss, Service lookup, endpoint pick, DNAT, conntrack entry), for 10, 1,000 and 10,000 Services in
 *       kube-proxy's two modes, iptables ({@link IptablesTable}, an ordered rule list, with
 *       {@link IptablesChainBalancer}) and ipvs ({@link IpvsTable}, a hash table, with
 *       {@link RoundRobinBalancer}). Also {@link ServiceTable#match} alone, to separate the lookup from the
 *       rest.</li>
 *   <li>A packet of an established flow, both ways: conntrack hit, incremental rewrite, conntrack update.</li>
 *   <li>Conntrack: the heap that 1,000,000 entries hold (entries made with {@link Conntrack#create} and one
 *       shared label, as ConntrackMemoryTest does; and entries made by {@link ServiceProxy#process}, which
 *       labels each connection with its own string), and {@link Conntrack#find} lookups per second on one
 *       core.</li>
 * </ol>
 *
 * <h2>Method</h2>
 * Time is a parameter: the benchmark keeps its own {@code now}, advances it by 1 µs per packet and by 121 s
 * between rounds to expire what a round made, and never sleeps. Every figure is the median of several timed
 * rounds; a round's time is taken with {@link System#nanoTime} around the whole loop and divided by its
 * packets. It includes writing the packet's addresses and ports into the buffer (a few ns); the inputs
 * (random Services, random flows) are drawn before the clock starts. Every round checks what it did (each SYN
 * DNATed and tracked, each packet translated, each lookup a hit), so a broken path fails instead of looking
 * fast.
 *
 * <p>Three things made the first version of this benchmark give different answers from run to run, and are
 * handled so:
 * <ul>
 *   <li>The JIT: iptables mode's balancer formats a reason with String.format for every new connection,
 *       which pulls hundreds of JDK methods through C2; on a busy 2-core machine that took seconds, and a
 *       fixed count of warm-up rounds left the first configuration measured at twice its later cost. Warm-up
 *       now lasts at least {@code --warmup-seconds} and until a pass leaves the JIT quiet
 *       (CompilationMXBean), see {@link Warmup}.</li>
 *   <li>Drift (JIT, other processes): the new-connection configurations run side by side, one round of each
 *       per pass, so that whatever changes during the run weighs on all of them alike.</li>
 *   <li>GC: a new connection allocates its entry and its label strings, young collections copying the live
 *       ones take tens of ms, and they land on whichever round is running. Rounds are timed without the
 *       pauses ({@link Lap}); the pauses are reported on their own, per new connection.</li>
 * </ul>
 * Each section also reports how busy other processes kept the CPUs meanwhile ({@link CpuShare}).
 *
 * <p>Packets are 40-byte IPv4+TCP headers at offset 0 of a direct buffer, as the data path holds them. Each
 * iteration writes the flow's addresses and ports into the same buffer and leaves the checksums as the last
 * rewrite left them: an incremental rewrite costs the same whatever the old checksum was.
 *
 * <p>The conntrack of a new-connection configuration holds a population of established connections (about
 * 23,000 for 20,000 new connections per round) sized, after Conntrack's resize policy, so that no timed
 * round grows or rebuilds the slot array ({@link #backgroundFor}): a round measures steady-state inserts.
 *
 * <p>Addresses: Services 10.96.0.0/12 (distinct random ClusterIPs), clients 10.244.1.0/24 (pods of this
 * node, ports 1024–65023), endpoints 10.244.2.0 upward (pods elsewhere), so nothing hairpins or SNATs.
 *
 * <p>Options ({@code --name=value}): services (list of counts), endpoints (per Service), conns (new
 * connections per round), rounds, warmup (least warm-up rounds), warmup-seconds, flows (list of established
 * flow counts), packets (per established round), entries and lookups (conntrack size, lookups per round),
 * gc (System.gc passes around a heap reading), seed, verbose (print every round), kv (file for the
 * key=value results that scripts/bench.sh adds to bench/results/latest.txt).
 */
public final class ServiceBench {

    /** What to run; {@link #parse} reads it from {@code --name=value} arguments. */
    public static final class Options {
        int[] services = {10, 1_000, 10_000};
        int endpoints = 10;
        int conns = 20_000;
        int rounds = 11;
        int warmup = 2;
        int[] flows = {1_000, 100_000};
        int packets = 200_000;
        int entries = 1_000_000;
        int lookups = 500_000;
        int gc = 4;
        double warmupSeconds = 4;
        int maxWarmup = 12;
        long seed = 1;
        boolean verbose;
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
                    case "services" -> o.services = Arrays.stream(v.split(",")).mapToInt(s -> positive(name, s)).toArray();
                    case "endpoints" -> o.endpoints = positive(name, v);
                    case "conns" -> o.conns = positive(name, v);
                    case "rounds" -> o.rounds = positive(name, v);
                    case "warmup" -> o.warmup = positive(name, v);
                    case "flows" -> o.flows = Arrays.stream(v.split(",")).mapToInt(s -> positive(name, s)).toArray();
                    case "packets" -> o.packets = positive(name, v);
                    case "entries" -> o.entries = positive(name, v);
                    case "lookups" -> o.lookups = positive(name, v);
                    case "gc" -> o.gc = positive(name, v);
                    case "warmup-seconds" -> o.warmupSeconds = Double.parseDouble(v);
                    case "max-warmup" -> o.maxWarmup = positive(name, v);
                    case "seed" -> o.seed = Long.parseLong(v);
                    case "kv" -> o.kv = Path.of(v);
                    case "verbose" -> o.verbose = Boolean.parseBoolean(v);
                    default -> throw new IllegalArgumentException("unknown option --" + name);
                }
            }
            if (o.services.length == 0 || o.flows.length == 0) {
                throw new IllegalArgumentException("--services and --flows need at least one count");
            }
            if (o.entries > (1 << 22)) {
                throw new IllegalArgumentException("--entries at most " + (1 << 22) + " (the tuple layout)");
            }
            return o;
        }

        private static int positive(String name, String v) {
            int n = Integer.parseInt(v.trim().replace("_", ""));
            if (n < 1) {
                throw new IllegalArgumentException("--" + name + " must be at least 1, got " + v);
            }
            return n;
        }
    }

    static final long SECOND = 1_000_000_000L;
    /** The benchmark's clock starts here (any value: the code measured only compares times). */
    static final long T0 = 1_000 * SECOND;
    static final long PACKET_GAP_NANOS = 1_000;

    static final int SERVICE_NET = 0x0A60_0000;      // 10.96.0.0/12
    static final int SERVICE_NET_SIZE = 1 << 20;
    static final int CLIENT_NET = 0x0AF4_0100;       // 10.244.1.0/24: pods of this node
    static final int ENDPOINT_BASE = 0x0AF4_0200;    // 10.244.2.0 upward: pods on other nodes
    static final int ENDPOINT_PORT = 8080;
    static final int SNAT_IP = 0x0AF4_0100;          // 10.244.1.0, the node's TUN address
    static final int NODE_IP = 0xAC12_0002;          // 172.18.0.2, the node's underlay address
    static final Cidr SERVICE_CIDR = Cidr.parse("10.96.0.0/12");
    static final int[] SERVICE_PORTS = {80, 443, 8080, 9090};
    static final String[] NODES = {"node-1", "node-2", "node-3"};
    static final int PORTS_PER_CLIENT = 64_000;

    static final int TCP = 6;
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int PSH = 0x08;

    // Offsets in the 40-byte IPv4 + TCP packet.
    static final int IP_SRC = 12;
    static final int IP_DST = 16;
    static final int TCP_SPORT = 20;
    static final int TCP_DPORT = 22;
    static final int TCP_FLAGS = 33;
    static final int PACKET_LENGTH = 40;

    private final Options o;
    private final PrintStream out;
    private final Map<String, String> kv = new LinkedHashMap<>();
    /** Folded into the output so that no measured result is dead code. */
    private long sink;

    ServiceBench(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        long start = System.nanoTime();
        Map<String, String> results = new ServiceBench(o, System.out).run();
        System.out.printf(Locale.ROOT, "(Services benchmark took %.1f s)%n", (System.nanoTime() - start) / 1e9);
        if (o.kv != null) {
            Files.writeString(o.kv, results.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + "\n")
                    .collect(Collectors.joining()));
        }
    }

    /** Runs everything, prints the tables, and returns the key=value results. */
    Map<String, String> run() {
        Runtime rt = Runtime.getRuntime();
        String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", "));
        out.printf(Locale.ROOT, "%nvnet Services benchmark (in process, no network): Java %s, %d CPUs, heap %d MB (%s)%n",
                System.getProperty("java.version"), rt.availableProcessors(), rt.maxMemory() >> 20, gcs);
        kv.put("services_date", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        kv.put("services_java", System.getProperty("java.version"));
        kv.put("services_heap_mb", Long.toString(rt.maxMemory() >> 20));

        CpuShare all = new CpuShare();
        section(this::newConnections);
        section(this::established);
        section(this::conntrack);
        double others = all.othersPercent();
        if (others >= 0) {
            kv.put("services_cpu_busy_other_percent", String.format(Locale.ROOT, "%.0f", others));
        }
        if (sink == 42) {
            out.println();   // never, in practice; keeps the sink alive
        }
        return kv;
    }

    /** Runs one part, then says how long it took and how busy other processes kept the machine meanwhile. */
    private void section(Runnable part) {
        CpuShare cpu = new CpuShare();
        long start = System.nanoTime();
        part.run();
        double others = cpu.othersPercent();
        out.printf(Locale.ROOT, "  (%.1f s%s)%n", (System.nanoTime() - start) / 1e9, others < 0 ? ""
                : String.format(Locale.ROOT, "; other processes kept the CPUs %.0f%% busy meanwhile%s", others,
                        others >= 15 ? ": figures may be high and noisy" : ""));
    }

    // ------------------------------------------------------------------------------------------------
    // 1. New connections

    private void newConnections() {
        out.printf(Locale.ROOT, "%nNew connection to a Service (ServiceProxy.process on the SYN of a new flow: conntrack miss,%n"
                + "Service lookup, endpoint pick, DNAT, conntrack entry); %d endpoints and 1 TCP port per Service,%n"
                + "%,d new connections per round to random Services, median of %d rounds. All configurations run%n"
                + "side by side, one round of each per pass, after warm-up passes (at least %d and %.0f s, and until%n"
                + "the JIT is quiet), so that JIT progress and other load weigh on all of them alike.%n"
                + "ns/conn leaves out GC pauses (given below the table); \"match\": ServiceTable.match alone, the%n"
                + "Service lookup part of ns/conn.%n%n",
                o.endpoints, o.conns, o.rounds, o.warmup, o.warmupSeconds);
        int configs = o.services.length * 2;
        NewConnections[] bench = new NewConnections[configs];
        for (int i = 0; i < configs; i++) {
            bench[i] = new NewConnections(o.services[i / 2], i % 2 == 0);
        }
        long warmStart = System.nanoTime();
        Warmup jit = new Warmup();
        boolean more;
        do {
            for (NewConnections b : bench) {
                b.round();
                b.matchRound();
            }
            more = jit.more();
        } while (more || (System.nanoTime() - warmStart < o.warmupSeconds * 1e9 && jit.rounds() < 100));
        if (o.verbose) {
            out.printf(Locale.ROOT, "  (warm-up: %d passes, %.1f s)%n", jit.rounds(), (System.nanoTime() - warmStart) / 1e9);
        }
        System.gc();   // outside any timed loop
        double[][] conn = new double[configs][o.rounds];
        double[][] match = new double[configs][o.rounds];
        long[] gcNanos = new long[configs];
        for (int r = 0; r < o.rounds; r++) {
            for (int i = 0; i < configs; i++) {
                Lap lap = bench[i].round();
                conn[i][r] = lap.netPer(o.conns);
                gcNanos[i] += lap.gcNanos;
                match[i][r] = bench[i].matchRound();
            }
        }
        bench = null;

        String row = "%8s | %16s | %12s | %17s | %13s%n";
        out.printf(row, "services", "iptables ns/conn", "ipvs ns/conn", "iptables match ns", "ipvs match ns");
        out.printf(row.replace(" | ", "-+-"), "-".repeat(8), "-".repeat(16), "-".repeat(12), "-".repeat(17),
                "-".repeat(13));
        for (int s = 0; s < o.services.length; s++) {
            int n = o.services[s];
            String[] cells = new String[4];
            for (int mode = 0; mode < 2; mode++) {
                int i = s * 2 + mode;
                String name = mode == 0 ? "iptables" : "ipvs";
                double c = median(conn[i]);
                double m = median(match[i]);
                if (o.verbose) {
                    out.printf(Locale.ROOT, "  (%s, %d Services: rounds %s ns/conn, match %s ns)%n", name, n,
                            Arrays.toString(rounded(conn[i])), Arrays.toString(rounded(match[i])));
                }
                cells[mode] = fmt(c);
                cells[2 + mode] = fmt(m);
                kv.put("services_new_conn_ns_" + name + "_" + n, fmt(c));
                kv.put("services_match_ns_" + name + "_" + n, fmt(m));
                kv.put("services_new_conn_spread_pct_" + name + "_" + n, fmt(spreadPercent(conn[i])));
            }
            out.printf(row, String.format(Locale.ROOT, "%,d", n), cells[0], cells[1], cells[2], cells[3]);
        }
        // Pauses are caused by all configurations' garbage together and land on whichever round is running.
        double gc = (double) Arrays.stream(gcNanos).sum() / ((long) o.rounds * o.conns * configs);
        out.printf(Locale.ROOT, "GC pauses during the timed rounds: %s ns per new connection on average (young collections%n"
                + "copying the entries and per-connection label strings that new connections allocate)%n", fmt(gc));
        kv.put("services_new_conn_gc_ns", fmt(gc));
        kv.put("services_endpoints_per_service", Integer.toString(o.endpoints));
        kv.put("services_new_conns_per_round", Integer.toString(o.conns));
        kv.put("services_rounds", Integer.toString(o.rounds));
    }

    /** Rounded for the verbose listing. */
    private static long[] rounded(double[] v) {
        return Arrays.stream(v).mapToLong(Math::round).toArray();
    }

    /** One mode with {@code n} Services, a proxy over a conntrack with a steady population, and its clock. */
    private final class NewConnections {
        final List<ServicePort> ports;
        final ServiceTable table;
        final Conntrack ct;
        final ServiceProxy proxy;
        final SplittableRandom random;
        final ByteBuffer buf = synPacket();
        final int[] srcIp = new int[o.conns];
        final int[] srcPort = new int[o.conns];
        final int[] dstIp = new int[o.conns];
        final int[] dstPort = new int[o.conns];
        int seq;
        long now = T0;

        NewConnections(int n, boolean iptables) {
            random = new SplittableRandom(o.seed * 1_000_003 + n * 2L + (iptables ? 1 : 0));
            ports = services(n, o.endpoints, iptables, o.seed + n);
            table = iptables ? new IptablesTable(ports, NODE_IP) : new IpvsTable(ports, NODE_IP);
            int background = backgroundFor(o.conns);
            ct = new Conntrack(Math.max(1024, 2 * (background + o.conns)), Timeouts.defaults());
            proxy = new ServiceProxy(ct, SNAT_IP, SERVICE_CIDR, table);
            // Established connections that stay for the whole run (5-day timeout), made directly.
            String label = "bench/background";
            for (int i = 0; i < background; i++, seq++) {
                ServicePort p = ports.get(random.nextInt(ports.size()));
                Endpoint ep = p.endpoints().get(random.nextInt(p.endpoints().size()));
                int c = clientIp(seq);
                int cp = clientPort(seq);
                ConnEntry e = ct.create(TCP, c, cp, p.clusterIp(), p.port(), ep.ip(), ep.port(), c, cp, label, now);
                check(e != null, "background entry refused");
                ct.update(e, Direction.ORIGINAL, SYN, PACKET_LENGTH, now);
                ct.update(e, Direction.REPLY, SYN | ACK, PACKET_LENGTH, now);
                ct.update(e, Direction.ORIGINAL, ACK, PACKET_LENGTH, now);
                check(e.tcpState() == TcpState.ESTABLISHED, "background entry not established");
            }
        }

        /** One round of {@code o.conns} new connections, timed. */
        Lap round() {
            // Forget the last round's connections (SYN_SENT: 120 s), keep the background.
            now += 121 * SECOND;
            ct.expire(now);
            int m = o.conns;
            check(seq + m < 254 * PORTS_PER_CLIENT, "out of client tuples in 10.244.1.0/24");
            for (int k = 0; k < m; k++) {
                ServicePort p = ports.get(random.nextInt(ports.size()));
                srcIp[k] = clientIp(seq + k);
                srcPort[k] = clientPort(seq + k);
                dstIp[k] = p.clusterIp();
                dstPort[k] = p.port();
            }
            seq += m;
            long before = proxy.newFlows();
            int sizeBefore = ct.size();
            ByteBuffer b = buf;
            int bad = 0;
            long t = now;
            Lap lap = new Lap();
            lap.start();
            for (int k = 0; k < m; k++) {
                b.putInt(IP_SRC, srcIp[k]);
                b.putInt(IP_DST, dstIp[k]);
                b.putShort(TCP_SPORT, (short) srcPort[k]);
                b.putShort(TCP_DPORT, (short) dstPort[k]);
                if (proxy.process(b, 0, PACKET_LENGTH, t) != Verdict.TRANSLATED) {
                    bad++;
                }
                t += PACKET_GAP_NANOS;
            }
            lap.stop();
            now = t;
            check(bad == 0, bad + " of " + m + " SYNs were not translated");
            check(proxy.newFlows() - before == m, "not every SYN made a new flow");
            check(ct.size() - sizeBefore == m, "conntrack did not grow by " + m);
            return lap;
        }

        /** ServiceTable.match alone on the last round's destinations; ns per lookup. */
        double matchRound() {
            int m = o.conns;
            ServiceTable t = table;
            long found = 0;
            Lap lap = new Lap();
            lap.start();
            for (int k = 0; k < m; k++) {
                ServiceTable.Match hit = t.match(TCP, dstIp[k], dstPort[k]);
                if (hit != null) {
                    found += hit.rulesEvaluated();
                }
            }
            lap.stop();
            sink += found;
            check(found >= m, "a Service lookup missed");
            return lap.netPer(m);
        }
    }

    /**
     * How many established connections to keep in the table so that a round of {@code m} new ones neither
     * grows nor rebuilds the slot array (Conntrack's policy: a rebuild sizes the array at the smallest power of
     * two ≥ twice the keys; a key insert that would pass 3/4 full rebuilds; an expiry that leaves more than a
     * quarter tombstones rebuilds). Each connection is two keys. With C slots and B background connections:
     * C/2 < 4B ≤ C (the rebuild after an expiry lands on C), 8(B + m) ≤ 3C (a round fits), 8m > C (an expiry
     * does rebuild, clearing the tombstones). The last cannot hold when m is within 4 of a power of two; then
     * the occasional round pays for a rebuild of the same size.
     */
    static int backgroundFor(int m) {
        int c = Integer.highestOneBit(4 * m + 16) << 1;
        int low = c / 8;
        int high = Math.min(c / 4, 3 * c / 8 - m - 1);
        return (low + high) / 2;
    }

    // ------------------------------------------------------------------------------------------------
    // 2. Established flows

    private void established() {
        int n = Math.min(1_000, o.services[o.services.length - 1]);
        out.printf(Locale.ROOT, "%nEstablished flow (ServiceProxy.process on a packet of a tracked flow: conntrack hit, rewrite,%n"
                + "conntrack update), flows to %,d Services (ipvs; the table is not consulted), %,d packets per round%n"
                + "to random flows, median of %d rounds after at least %d warm-up rounds%n%n", n, o.packets, o.rounds, o.warmup);
        out.printf("%8s | %26s | %26s%n", "flows", "client -> Service ns/pkt", "endpoint -> client ns/pkt");
        out.printf("%8s-+-%26s-+-%26s%n", "-".repeat(8), "-".repeat(26), "-".repeat(26));
        for (int f : o.flows) {
            System.gc();
            double[] ns = established(n, f);
            out.printf("%8s | %26s | %26s%n", String.format(Locale.ROOT, "%,d", f), fmt(ns[0]), fmt(ns[1]));
            kv.put("services_established_ns_per_packet_" + f, fmt(ns[0]));
            kv.put("services_established_reply_ns_per_packet_" + f, fmt(ns[1]));
        }
    }

    /** {@code f} established flows to {@code n} Services; ns per packet client to Service, and back. */
    private double[] established(int n, int f) {
        List<ServicePort> ports = services(n, o.endpoints, false, o.seed + 7);
        ServiceTable table = new IpvsTable(ports, NODE_IP);
        Conntrack ct = new Conntrack(Math.max(1024, 2 * f), Timeouts.defaults());
        ServiceProxy proxy = new ServiceProxy(ct, SNAT_IP, SERVICE_CIDR, table);
        SplittableRandom random = new SplittableRandom(o.seed * 31 + 5);
        int[] cIp = new int[f];
        int[] cPort = new int[f];
        int[] sIp = new int[f];
        int[] sPort = new int[f];
        int[] eIp = new int[f];
        int[] ePort = new int[f];
        ByteBuffer b = synPacket();
        long now = T0;
        // The handshake of every flow through the proxy: SYN, SYN+ACK back from the endpoint, ACK.
        for (int i = 0; i < f; i++) {
            ServicePort p = ports.get(random.nextInt(ports.size()));
            cIp[i] = clientIp(i);
            cPort[i] = clientPort(i);
            sIp[i] = p.clusterIp();
            sPort[i] = p.port();
            check(send(proxy, b, cIp[i], cPort[i], sIp[i], sPort[i], SYN, now) == Verdict.TRANSLATED, "SYN not translated");
            int epIp = b.getInt(IP_DST);
            int epPort = b.getShort(TCP_DPORT) & 0xffff;
            check(p.endpoints().stream().anyMatch(e -> e.ip() == epIp && e.port() == epPort),
                    "the SYN was not DNATed to an endpoint of its Service");
            eIp[i] = epIp;
            ePort[i] = epPort;
            check(b.getInt(IP_SRC) == cIp[i], "a ClusterIP connection from a pod was SNATed");
            now += PACKET_GAP_NANOS;
            check(send(proxy, b, eIp[i], ePort[i], cIp[i], cPort[i], SYN | ACK, now) == Verdict.TRANSLATED,
                    "SYN+ACK not translated");
            check(b.getInt(IP_SRC) == sIp[i] && (b.getShort(TCP_SPORT) & 0xffff) == sPort[i],
                    "the reply was not translated back to the ClusterIP");
            now += PACKET_GAP_NANOS;
            check(send(proxy, b, cIp[i], cPort[i], sIp[i], sPort[i], ACK, now) == Verdict.TRANSLATED, "ACK not translated");
            now += PACKET_GAP_NANOS;
        }
        ConnEntry sample = ct.find(TCP, cIp[0], cPort[0], sIp[0], sPort[0], now);
        check(sample != null && sample.tcpState() == TcpState.ESTABLISHED, "flow 0 is not ESTABLISHED");
        check(ct.size() == f, "conntrack holds " + ct.size() + " flows, not " + f);

        b.put(TCP_FLAGS, (byte) (PSH | ACK));
        int[] which = new int[o.packets];
        double[][] perDirection = new double[2][o.rounds];
        Warmup warm = new Warmup();
        boolean warming = true;
        for (int r = 0; r < o.rounds; ) {
            for (int k = 0; k < which.length; k++) {
                which[k] = random.nextInt(f);
            }
            for (int dir = 0; dir < 2; dir++) {
                int[] fromIp = dir == 0 ? cIp : eIp;
                int[] fromPort = dir == 0 ? cPort : ePort;
                int[] toIp = dir == 0 ? sIp : cIp;
                int[] toPort = dir == 0 ? sPort : cPort;
                long translatedBefore = proxy.translated();
                int bad = 0;
                long t = now;
                Lap lap = new Lap();
                lap.start();
                for (int k = 0; k < which.length; k++) {
                    int i = which[k];
                    b.putInt(IP_SRC, fromIp[i]);
                    b.putInt(IP_DST, toIp[i]);
                    b.putShort(TCP_SPORT, (short) fromPort[i]);
                    b.putShort(TCP_DPORT, (short) toPort[i]);
                    if (proxy.process(b, 0, PACKET_LENGTH, t) != Verdict.TRANSLATED) {
                        bad++;
                    }
                    t += PACKET_GAP_NANOS;
                }
                lap.stop();
                now = t;
                check(bad == 0 && proxy.translated() - translatedBefore == which.length,
                        bad + " established packets were not translated");
                if (!warming) {
                    perDirection[dir][r] = lap.netPer(which.length);
                }
            }
            if (warming) {
                warming = warm.more();
            } else {
                r++;
            }
        }
        check(ct.size() == f, "an established flow left conntrack");
        if (o.verbose) {
            out.printf("  (%d flows, %d warm-up rounds; rounds: client -> Service %s, endpoint -> client %s ns/packet)%n",
                    f, warm.rounds(), Arrays.toString(perDirection[0]), Arrays.toString(perDirection[1]));
        }
        return new double[] {median(perDirection[0]), median(perDirection[1])};
    }

    // ------------------------------------------------------------------------------------------------
    // 3. Conntrack: memory and lookups

    private void conntrack() {
        int n = o.entries;
        out.printf(Locale.ROOT, "%nConntrack, %,d entries (used heap after System.gc() x%d, before and after):%n", n, o.gc);
        long before = usedHeapAfterGc();
        Conntrack ct = new Conntrack(n, Timeouts.defaults());
        String label = "bench/svc:http → 10.244.2.3:8080"; // one shared label, as ConntrackMemoryTest
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int c = tupleClient(i);
            int cp = tuplePort(i);
            ConnEntry e = ct.create(TCP, c, cp, tupleService(i), 80, tupleEndpoint(i), ENDPOINT_PORT, c, cp, label, T0);
            if (e == null) {
                throw new IllegalStateException("conntrack refused entry " + i);
            }
        }
        long buildNanos = System.nanoTime() - start;
        long after = usedHeapAfterGc();
        check(ct.size() == n, "conntrack holds " + ct.size() + " entries, not " + n);
        long used = after - before;
        double perEntry = (double) used / n;
        boolean within = used <= 256L << 20;   // the goal, for 1,000,000 entries
        out.printf(Locale.ROOT, "  made with Conntrack.create, one shared label:  %s MB, %s bytes/entry%s (built in %d ms)%n",
                fmt(used / 1048576.0), fmt(perEntry),
                n >= 1_000_000 ? (within ? ", within the 256 MB goal" : ", OVER the 256 MB goal") : "",
                buildNanos / 1_000_000);
        kv.put("conntrack_entries", Integer.toString(n));
        kv.put("conntrack_heap_mb", fmt(used / 1048576.0));
        kv.put("conntrack_bytes_per_entry", fmt(perEntry));
        if (n >= 1_000_000) {
            kv.put("conntrack_within_256mb_goal", within ? "yes" : "no");
        }

        // Lookups: find() on existing tuples in random order, one thread.
        int[] which = new int[o.lookups];
        SplittableRandom random = new SplittableRandom(o.seed * 17 + 3);
        long now = T0 + SECOND;
        double[] rates = new double[o.rounds];
        Warmup warm = new Warmup();
        boolean warming = true;
        for (int r = 0; r < o.rounds; ) {
            for (int k = 0; k < which.length; k++) {
                which[k] = random.nextInt(n);
            }
            long hits = 0;
            Lap lap = new Lap();
            lap.start();
            for (int k = 0; k < which.length; k++) {
                int i = which[k];
                ConnEntry e = ct.find(TCP, tupleClient(i), tuplePort(i), tupleService(i), 80, now);
                if (e != null) {
                    hits++;
                }
            }
            lap.stop();
            check(hits == which.length, (which.length - hits) + " lookups of existing tuples missed");
            if (warming) {
                warming = warm.more();
            } else {
                rates[r++] = 1e9 / lap.netPer(which.length);
            }
        }
        double rate = median(rates);
        out.printf(Locale.ROOT, "  find() on existing tuples, random order, 1 thread:  %s M lookups/s per core (%s ns each)%n",
                fmt(rate / 1e6), fmt(1e9 / rate));
        kv.put("conntrack_lookups_per_sec", String.format(Locale.ROOT, "%.0f", rate));
        sink += ct.size();
        ct = null;   // let it go before the next measurement
        which = null;

        // The same number made by the Service stage itself, which labels each connection with its own string.
        List<ServicePort> ports = services(Math.min(1_000, o.services[o.services.length - 1]), o.endpoints, false, o.seed + 11);
        ServiceProxy proxy = new ServiceProxy(new Conntrack(n, Timeouts.defaults()), SNAT_IP, SERVICE_CIDR,
                new IpvsTable(ports, NODE_IP));
        ByteBuffer b = synPacket();
        long beforeProxy = usedHeapAfterGc();
        long t = T0;
        for (int i = 0; i < n; i++) {
            ServicePort p = ports.get(random.nextInt(ports.size()));
            check(send(proxy, b, tupleClient(i), tuplePort(i), p.clusterIp(), p.port(), SYN, t) == Verdict.TRANSLATED,
                    "SYN " + i + " not translated");
            t += PACKET_GAP_NANOS;
        }
        long afterProxy = usedHeapAfterGc();
        check(proxy.conntrack().size() == n, "the proxy's conntrack holds " + proxy.conntrack().size());
        long usedProxy = afterProxy - beforeProxy;
        String example = proxy.conntrack().snapshot().get(0).label();
        out.printf(Locale.ROOT, "  made by ServiceProxy.process (a label per connection):  %s MB, %s bytes/entry%n"
                + "    e.g. label \"%s\"%n", fmt(usedProxy / 1048576.0), fmt((double) usedProxy / n), example);
        kv.put("conntrack_via_proxy_heap_mb", fmt(usedProxy / 1048576.0));
        kv.put("conntrack_via_proxy_bytes_per_entry", fmt((double) usedProxy / n));
        sink += proxy.conntrack().size();
    }

    // Tuples of the conntrack-only table: 32,768 ports per client, clients 10.244.1.1 onwards.
    private static int tupleClient(int i) {
        return CLIENT_NET + 1 + (i >>> 15);
    }

    private static int tuplePort(int i) {
        return 32768 + (i & 0x7FFF);
    }

    private static int tupleService(int i) {
        return SERVICE_NET + 1 + (i & 1023);
    }

    private static int tupleEndpoint(int i) {
        return ENDPOINT_BASE + (i % 10_000);
    }

    private long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < o.gc; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    // ------------------------------------------------------------------------------------------------
    // Building blocks

    private static final List<GarbageCollectorMXBean> GCS = ManagementFactory.getGarbageCollectorMXBeans();

    /**
     * How busy other processes kept the machine since this was made: the CPUs' busy share from
     * /proc/stat (steal included) less this JVM's own CPU time. -1 where either cannot be read.
     */
    static final class CpuShare {
        private final long[] stat = procStat();
        private final long own = ownCpuNanos();
        private final long wall = System.nanoTime();

        /** Percent of all CPUs' time used by others between construction and now, or -1. */
        double othersPercent() {
            long[] now = procStat();
            long ownNow = ownCpuNanos();
            long wallNow = System.nanoTime();
            if (stat == null || now == null || own < 0 || ownNow < 0) {
                return -1;
            }
            long total = now[1] - stat[1];
            if (total <= 0 || wallNow <= wall) {
                return -1;
            }
            double busy = 100.0 * (now[0] - stat[0]) / total;
            double mine = 100.0 * (ownNow - own) / ((double) (wallNow - wall) * Runtime.getRuntime().availableProcessors());
            return Math.max(0, busy - mine);
        }

        /** {busy, total} jiffies of all CPUs, or null. */
        private static long[] procStat() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                long total = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {   // user nice system idle iowait irq softirq steal
                    long v = Long.parseLong(f[i]);
                    total += v;
                    if (i != 4 && i != 5) {
                        busy += v;
                    }
                }
                return new long[] {busy, total};
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static long ownCpuNanos() {
            return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getProcessCpuTime() : -1;
        }
    }
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    /** A warm-up round during which the JIT compiled for less than this ends the warm-up. */
    static final long JIT_QUIET_MILLIS = 5;

    /**
     * When to stop warming up: after at least {@code --warmup} rounds, at the first round during which the
     * JIT compiled for less than {@link #JIT_QUIET_MILLIS} (CompilationMXBean), or after {@code --max-warmup}. A fixed count is not enough: iptables mode's balancer formats its reason
     * with String.format, which pulls hundreds of JDK methods through C2, and on a busy 2-core machine
     * that took seconds, so the first "timed" rounds were twice as slow as the later ones.
     */
    final class Warmup {
        private int rounds;
        private long compiled = jitMillis();

        /** Call after each warm-up round: true if another one is needed. */
        boolean more() {
            long now = jitMillis();
            long spent = now - compiled;
            compiled = now;
            rounds++;
            return rounds < o.warmup
                    || (spent >= JIT_QUIET_MILLIS && rounds < Math.max(o.warmup, o.maxWarmup));
        }

        int rounds() {
            return rounds;
        }

        private static long jitMillis() {
            return JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : 0;
        }
    }

    /**
     * The wall time of a timed loop, and how much of it the JVM spent in garbage-collection pauses (as the
     * collectors' MXBeans count them, to the millisecond). A new connection allocates its conntrack entry and
     * strings, so young collections land in some rounds and not others, each costing tens of milliseconds
     * (copying the round's live entries): figures are given without them, and the pauses separately.
     */
    static final class Lap {
        private long gc0;
        private long t0;
        long nanos;
        long gcNanos;

        void start() {
            gc0 = gcMillis();
            t0 = System.nanoTime();
        }

        void stop() {
            nanos = System.nanoTime() - t0;
            gcNanos = (gcMillis() - gc0) * 1_000_000;
        }

        /** Nanoseconds per item, GC pauses left out. */
        double netPer(long items) {
            return Math.max(0, nanos - gcNanos) / (double) items;
        }

        private static long gcMillis() {
            long ms = 0;
            for (GarbageCollectorMXBean b : GCS) {
                ms += Math.max(0, b.getCollectionTime());
            }
            return ms;
        }
    }

    /**
     * {@code n} Service ports, each with a distinct random ClusterIP in 10.96.0.0/12, one TCP port and
     * {@code endpointsEach} endpoints; balanced as kube-proxy's iptables mode (random, by statistic rules) or
     * its ipvs mode (round-robin).
     */
    static List<ServicePort> services(int n, int endpointsEach, boolean iptables, long seed) {
        if (n > SERVICE_NET_SIZE / 2) {
            throw new IllegalArgumentException("too many Services for 10.96.0.0/12: " + n);
        }
        SplittableRandom r = new SplittableRandom(seed);
        Set<Integer> used = new HashSet<>();
        List<ServicePort> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int ip;
            do {
                ip = SERVICE_NET + 1 + r.nextInt(SERVICE_NET_SIZE - 2); // not the network or broadcast address
            } while (!used.add(ip));
            List<Endpoint> eps = new ArrayList<>(endpointsEach);
            for (int j = 0; j < endpointsEach; j++) {
                int k = i * endpointsEach + j;
                eps.add(new Endpoint(ENDPOINT_BASE + k, ENDPOINT_PORT, NODES[j % NODES.length], j % NODES.length == 0, true));
            }
            out.add(new ServicePort("bench/svc-" + i + ":http", TCP, ip, SERVICE_PORTS[i % SERVICE_PORTS.length], 0, 0,
                    List.copyOf(eps), iptables ? new IptablesChainBalancer(seed * 1_000_003 + i) : new RoundRobinBalancer(),
                    0, false, false));
        }
        return out;
    }

    /** A pod of this node: 10.244.1.1 onwards, 64,000 source ports each (1024–65023). */
    static int clientIp(int seq) {
        return CLIENT_NET + 1 + seq / PORTS_PER_CLIENT;
    }

    static int clientPort(int seq) {
        return 1024 + seq % PORTS_PER_CLIENT;
    }

    /** A 40-byte IPv4 + TCP SYN in a direct buffer (addresses and ports to be filled in). */
    static ByteBuffer synPacket() {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        b.put(0, (byte) 0x45);                  // IPv4, 20-byte header
        b.putShort(2, (short) PACKET_LENGTH);   // total length
        b.putShort(4, (short) 0x1c46);          // identification
        b.putShort(6, (short) 0x4000);          // DF, fragment offset 0
        b.put(8, (byte) 64);                    // TTL
        b.put(9, (byte) TCP);
        b.putInt(24, 0x12345678);               // sequence number
        b.put(32, (byte) 0x50);                 // 20-byte TCP header
        b.put(TCP_FLAGS, (byte) SYN);
        b.putShort(34, (short) 64240);          // window
        return b;
    }

    private static Verdict send(ServiceProxy proxy, ByteBuffer b, int src, int sport, int dst, int dport, int flags,
                                long now) {
        b.putInt(IP_SRC, src);
        b.putInt(IP_DST, dst);
        b.putShort(TCP_SPORT, (short) sport);
        b.putShort(TCP_DPORT, (short) dport);
        b.put(TCP_FLAGS, (byte) flags);
        return proxy.process(b, 0, PACKET_LENGTH, now);
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
            throw new IllegalStateException("Services benchmark: " + what);
        }
    }
}
