package dev.vnet.nat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Keeps {@link ServiceBench} (run by {@code make bench}) from rotting: the whole program on tiny sizes, its
 * own correctness checks included (every SYN DNATed to an endpoint of its Service, replies translated
 * back, every lookup a hit). No timing is asserted.
 */
class ServiceBenchSmokeTest {

    static final String[] TINY = {"--services=10,40", "--endpoints=3", "--conns=300", "--rounds=2", "--warmup=1",
            "--max-warmup=1", "--warmup-seconds=0", "--flows=50,200", "--packets=500", "--entries=3000",
            "--lookups=2000", "--gc=1"};

    @Test
    void runsOnTinySizesAndWritesItsFigures(@TempDir Path dir) throws Exception {
        Path kv = dir.resolve("services.txt");
        String[] args = java.util.Arrays.copyOf(TINY, TINY.length + 1);
        args[TINY.length] = "--kv=" + kv;
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            ServiceBench.main(args);
        } finally {
            System.setOut(stdout);
        }
        String table = printed.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("iptables ns/conn"), table);

        Map<String, String> figures = new LinkedHashMap<>();
        for (String line : Files.readAllLines(kv)) {
            int eq = line.indexOf('=');
            assertTrue(eq > 0, "not key=value: " + line);
            figures.put(line.substring(0, eq), line.substring(eq + 1));
        }
        for (String key : List.of("services_new_conn_ns_iptables_10", "services_new_conn_ns_ipvs_10",
                "services_new_conn_ns_iptables_40", "services_new_conn_ns_ipvs_40", "services_match_ns_iptables_40",
                "services_match_ns_ipvs_40", "services_established_ns_per_packet_200",
                "services_established_reply_ns_per_packet_50", "conntrack_bytes_per_entry", "conntrack_lookups_per_sec",
                "conntrack_via_proxy_bytes_per_entry")) {
            String value = figures.get(key);
            assertTrue(value != null, key + " missing from " + figures.keySet());
            Double.parseDouble(value); // a number (memory figures may be anything on a tiny table)
        }
        assertTrue(Double.parseDouble(figures.get("conntrack_lookups_per_sec")) > 0);
        assertEquals("3000", figures.get("conntrack_entries"));
    }

    @Test
    void theBackgroundPopulationLeavesRoomForARound() {
        for (int m : new int[] {300, 1_000, 20_000, 50_000, 100_000}) {
            int b = ServiceBench.backgroundFor(m);
            int slots = Integer.highestOneBit(4 * m + 16) << 1;
            assertTrue(4L * b > slots / 2 && 4L * b <= slots, "a rebuild lands on " + slots + " slots, m=" + m);
            assertTrue(8L * (b + m) <= 3L * slots, "a round fits without growing, m=" + m);
            assertTrue(8L * m > slots, "an expiry rebuilds, m=" + m);
        }
    }
}
