package dev.vnet.nat.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.nat.lb.Endpoint;
import dev.vnet.nat.lb.RoundRobinBalancer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The rules kube-proxy would install, diffed as whole dumps as kube-proxy's {@code assertIPTablesRulesEqual}
 * does. The chain hashes in the expected dumps were computed apart from the code under test (base32 of
 * SHA-256, as kube-proxy's {@code portProtoHash}).
 */
class ProxyRulesTest {

    static final long SECOND = 1_000_000_000L;

    static Endpoint endpoint(String ip, int port, boolean local) {
        return new Endpoint(ip(ip), port, local ? "node-1" : "node-2", local, true);
    }

    static ServicePort port(String name, int protocol, String clusterIp, int port, int nodePort, String lbIp,
                            long affinityNanos, boolean externalLocal, Endpoint... endpoints) {
        return new ServicePort(name, protocol, ip(clusterIp), port, nodePort, lbIp == null ? 0 : ip(lbIp),
                List.of(endpoints), new RoundRobinBalancer(), affinityNanos, externalLocal, false);
    }

    static final List<ServicePort> PORTS = List.of(
            port("default/web:http", 6, "10.96.0.2", 80, 0, null, 0, false,
                    endpoint("10.244.1.5", 8080, true), endpoint("10.244.2.7", 8080, false)),
            port("default/web-np:http", 6, "10.96.0.3", 80, 30080, null, 0, false,
                    endpoint("10.244.2.8", 8080, false)),
            port("default/empty:http", 6, "10.96.0.6", 80, 0, null, 0, false),
            port("default/sticky:http", 6, "10.96.0.5", 80, 0, null, 10_800 * SECOND, false,
                    endpoint("10.244.1.5", 8080, true), endpoint("10.244.2.7", 8080, false)));

    static final String FIXED_RULES = """
            -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
            -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
            -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
            -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
            """;

    static final String FIXED_CHAINS = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-NODEPORTS - [0:0]
            :KUBE-POSTROUTING - [0:0]
            :KUBE-MARK-MASQ - [0:0]
            """;

    static final String NODEPORTS_JUMP = "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; "
            + "NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n";

    @Test
    void rendersTheWholeDump() {
        String expected = """
                *filter
                :KUBE-SERVICES - [0:0]
                -A KUBE-SERVICES -m comment --comment "default/empty:http has no endpoints" -m tcp -p tcp -d 10.96.0.6/32 --dport 80 -j REJECT
                COMMIT
                *nat
                :KUBE-SERVICES - [0:0]
                :KUBE-NODEPORTS - [0:0]
                :KUBE-POSTROUTING - [0:0]
                :KUBE-MARK-MASQ - [0:0]
                :KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
                :KUBE-SEP-AFGSLHOD2HFNCBX4 - [0:0]
                :KUBE-SEP-2RIJ5GIYXEFH6G4D - [0:0]
                :KUBE-SVC-2262UYG6EQJDKK3I - [0:0]
                :KUBE-EXT-2262UYG6EQJDKK3I - [0:0]
                :KUBE-SEP-ZVZHFQAWA3Z2WMB7 - [0:0]
                :KUBE-SVC-T2ECBIYT2WDZZK45 - [0:0]
                :KUBE-SEP-5JVIOGTSXP5GUM2F - [0:0]
                :KUBE-SEP-ZVFENLIWROBMBPG3 - [0:0]
                -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
                -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
                -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
                -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
                -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.2/32 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
                -A KUBE-SERVICES -m comment --comment "default/web-np:http cluster IP" -m tcp -p tcp -d 10.96.0.3/32 --dport 80 -j KUBE-SVC-2262UYG6EQJDKK3I
                -A KUBE-SERVICES -m comment --comment "default/sticky:http cluster IP" -m tcp -p tcp -d 10.96.0.5/32 --dport 80 -j KUBE-SVC-T2ECBIYT2WDZZK45
                -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
                -A KUBE-NODEPORTS -m comment --comment "default/web-np:http" -m tcp -p tcp --dport 30080 -j KUBE-EXT-2262UYG6EQJDKK3I
                -A KUBE-EXT-2262UYG6EQJDKK3I -m comment --comment "masquerade traffic for default/web-np:http external destinations" -j KUBE-MARK-MASQ
                -A KUBE-EXT-2262UYG6EQJDKK3I -j KUBE-SVC-2262UYG6EQJDKK3I
                -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-AFGSLHOD2HFNCBX4
                -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
                -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment "default/web:http" -s 10.244.1.5/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-AFGSLHOD2HFNCBX4 -m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
                -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment "default/web:http" -s 10.244.2.7/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-2RIJ5GIYXEFH6G4D -m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080
                -A KUBE-SVC-2262UYG6EQJDKK3I -m comment --comment "default/web-np:http -> 10.244.2.8:8080" -j KUBE-SEP-ZVZHFQAWA3Z2WMB7
                -A KUBE-SEP-ZVZHFQAWA3Z2WMB7 -m comment --comment "default/web-np:http" -s 10.244.2.8/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-ZVZHFQAWA3Z2WMB7 -m comment --comment "default/web-np:http" -m tcp -p tcp -j DNAT --to-destination 10.244.2.8:8080
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.1.5:8080" -m recent --name KUBE-SEP-5JVIOGTSXP5GUM2F --rcheck --seconds 10800 --reap -j KUBE-SEP-5JVIOGTSXP5GUM2F
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.2.7:8080" -m recent --name KUBE-SEP-ZVFENLIWROBMBPG3 --rcheck --seconds 10800 --reap -j KUBE-SEP-ZVFENLIWROBMBPG3
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-5JVIOGTSXP5GUM2F
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.2.7:8080" -j KUBE-SEP-ZVFENLIWROBMBPG3
                -A KUBE-SEP-5JVIOGTSXP5GUM2F -m comment --comment "default/sticky:http" -s 10.244.1.5/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-5JVIOGTSXP5GUM2F -m comment --comment "default/sticky:http" -m recent --name KUBE-SEP-5JVIOGTSXP5GUM2F --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
                -A KUBE-SEP-ZVFENLIWROBMBPG3 -m comment --comment "default/sticky:http" -s 10.244.2.7/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-ZVFENLIWROBMBPG3 -m comment --comment "default/sticky:http" -m recent --name KUBE-SEP-ZVFENLIWROBMBPG3 --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080
                COMMIT
                """;

        assertDumpEquals(expected, ProxyRules.render(PORTS, null));
    }

    @Test
    void filteringByAServicePrintsOnlyItsRules() {
        String expected = FIXED_CHAINS + """
                :KUBE-SVC-T2ECBIYT2WDZZK45 - [0:0]
                :KUBE-SEP-5JVIOGTSXP5GUM2F - [0:0]
                :KUBE-SEP-ZVFENLIWROBMBPG3 - [0:0]
                """ + FIXED_RULES + """
                -A KUBE-SERVICES -m comment --comment "default/sticky:http cluster IP" -m tcp -p tcp -d 10.96.0.5/32 --dport 80 -j KUBE-SVC-T2ECBIYT2WDZZK45
                """ + NODEPORTS_JUMP + """
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.1.5:8080" -m recent --name KUBE-SEP-5JVIOGTSXP5GUM2F --rcheck --seconds 10800 --reap -j KUBE-SEP-5JVIOGTSXP5GUM2F
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.2.7:8080" -m recent --name KUBE-SEP-ZVFENLIWROBMBPG3 --rcheck --seconds 10800 --reap -j KUBE-SEP-ZVFENLIWROBMBPG3
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-5JVIOGTSXP5GUM2F
                -A KUBE-SVC-T2ECBIYT2WDZZK45 -m comment --comment "default/sticky:http -> 10.244.2.7:8080" -j KUBE-SEP-ZVFENLIWROBMBPG3
                -A KUBE-SEP-5JVIOGTSXP5GUM2F -m comment --comment "default/sticky:http" -s 10.244.1.5/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-5JVIOGTSXP5GUM2F -m comment --comment "default/sticky:http" -m recent --name KUBE-SEP-5JVIOGTSXP5GUM2F --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080
                -A KUBE-SEP-ZVFENLIWROBMBPG3 -m comment --comment "default/sticky:http" -s 10.244.2.7/32 -j KUBE-MARK-MASQ
                -A KUBE-SEP-ZVFENLIWROBMBPG3 -m comment --comment "default/sticky:http" -m recent --name KUBE-SEP-ZVFENLIWROBMBPG3 --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8080
                COMMIT
                """;

        assertDumpEquals(expected, ProxyRules.render(PORTS, "default/sticky"));
    }

    @Test
    void filteringByServiceNameIsNotAPrefixMatch() {
        String dump = ProxyRules.render(PORTS, "default/web");

        assertTrue(dump.contains("\"default/web:http cluster IP\""), dump);
        assertFalse(dump.contains("default/web-np"), dump);
    }

    @Test
    void filteringByOnePortOfAService() {
        assertEquals(ProxyRules.render(PORTS.subList(0, 1), null), ProxyRules.render(PORTS, "default/web:http"));
    }

    @Test
    void aServiceWithoutEndpointsIsOnlyAFilterReject() {
        String expected = """
                *filter
                :KUBE-SERVICES - [0:0]
                -A KUBE-SERVICES -m comment --comment "default/empty:http has no endpoints" -m tcp -p tcp -d 10.96.0.6/32 --dport 80 -j REJECT
                COMMIT
                """ + FIXED_CHAINS + FIXED_RULES + NODEPORTS_JUMP + "COMMIT\n";

        assertDumpEquals(expected, ProxyRules.render(PORTS, "default/empty"));
    }

    @Test
    void noServicesLeavesTheFixedChains() {
        assertDumpEquals(FIXED_CHAINS + FIXED_RULES + NODEPORTS_JUMP + "COMMIT\n", ProxyRules.render(List.of(), null));
    }

    // --- chain names ---

    static final Pattern CHAIN = Pattern.compile("^:(\\S+) - \\[0:0]$", Pattern.MULTILINE);
    static final Set<String> FIXED = Set.of("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ");

    @Test
    void chainNamesArePrefixAndSixteenBase32Characters() {
        Matcher m = CHAIN.matcher(ProxyRules.render(PORTS, null));
        int perObject = 0;
        while (m.find()) {
            String chain = m.group(1);
            if (FIXED.contains(chain)) {
                continue;
            }
            perObject++;
            assertTrue(chain.matches("KUBE-(SVC|SEP|EXT)-[A-Z2-7]{16}"), chain);
            assertTrue(chain.length() <= 28, chain + " is longer than iptables allows");
        }
        assertEquals(9, perObject);
    }

    @Test
    void hashesAreKubeProxys() {
        // From kube-proxy's proxier_test.go: ns1/svc1:p80 over TCP, and its endpoint 10.180.0.1:80.
        assertEquals("XPGD46QRK7WJZT7O", ProxyRules.hash("ns1/svc1:p80" + "tcp"));
        assertEquals("SXIVWICOYRO3J4NJ", ProxyRules.hash("ns1/svc1:p80" + "tcp" + "10.180.0.1:80"));
    }

    @Test
    void theProtocolIsPartOfTheChainName() {
        ServicePort tcp = port("kube-system/dns:dns", 6, "10.96.0.10", 53, 0, null, 0, false,
                endpoint("10.244.1.3", 53, true));
        ServicePort udp = port("kube-system/dns:dns", 17, "10.96.0.10", 53, 0, null, 0, false,
                endpoint("10.244.1.3", 53, true));

        String udpDump = ProxyRules.render(List.of(udp), null);

        assertTrue(udpDump.contains(":KUBE-SVC-" + ProxyRules.hash("kube-system/dns:dnsudp") + " "), udpDump);
        assertTrue(udpDump.contains("-m udp -p udp -d 10.96.0.10/32 --dport 53"), udpDump);
        assertFalse(ProxyRules.render(List.of(tcp), null).contains(ProxyRules.hash("kube-system/dns:dnsudp")));
    }

    // --- what the rules say ---

    @Test
    void everyServiceRuleCarriesACommentNamingItsService() {
        for (String line : ProxyRules.render(PORTS, null).split("\n")) {
            if (line.startsWith("-A KUBE-SVC-") || line.startsWith("-A KUBE-SEP-")
                    || line.startsWith("-A KUBE-NODEPORTS") || (line.startsWith("-A KUBE-SERVICES")
                    && !line.contains("kubernetes service nodeports"))) {
                assertTrue(line.matches(".* -m comment --comment \"default/[a-z-]+:http( .*)?\" .*"), line);
            }
        }
    }

    @Test
    void threeEndpointsGetProbabilitiesOfAThirdAndAHalf() {
        ServicePort three = port("default/web:http", 6, "10.96.0.2", 80, 0, null, 0, false,
                endpoint("10.244.1.5", 8080, true), endpoint("10.244.2.7", 8080, false),
                endpoint("10.244.3.4", 8080, false));

        List<String> statistic = new ArrayList<>();
        for (String line : ProxyRules.render(List.of(three), null).split("\n")) {
            if (line.startsWith("-A KUBE-SVC-")) {
                Matcher m = Pattern.compile("--probability (\\S+)").matcher(line);
                statistic.add(m.find() ? m.group(1) : "last");
            }
        }

        assertEquals(List.of("0.33333333333", "0.50000000000", "last"), statistic);
    }

    @Test
    void probabilitiesDoNotDependOnTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertTrue(ProxyRules.render(PORTS, "default/web").contains("--probability 0.50000000000 "));
        } finally {
            Locale.setDefault(saved);
        }
    }

    @Test
    void aLoadBalancerIpJumpsToTheExternalChain() {
        ServicePort lb = port("default/web-lb:http", 6, "10.96.0.4", 80, 30082, "192.168.56.200", 0, false,
                endpoint("10.244.2.7", 8080, false));
        String ext = "KUBE-EXT-" + ProxyRules.hash("default/web-lb:httptcp");

        String dump = ProxyRules.render(List.of(lb), null);

        assertTrue(dump.contains("-A KUBE-SERVICES -m comment --comment \"default/web-lb:http loadbalancer IP\" "
                + "-m tcp -p tcp -d 192.168.56.200/32 --dport 80 -j " + ext + "\n"), dump);
        assertTrue(dump.contains("-A KUBE-NODEPORTS -m comment --comment \"default/web-lb:http\" -m tcp -p tcp "
                + "--dport 30082 -j " + ext + "\n"), dump);
    }

    @Test
    void externalTrafficPolicyLocalDoesNotMasquerade() {
        ServicePort local = port("default/web-local:http", 6, "10.96.0.3", 80, 30081, null, 0, true,
                endpoint("10.244.1.6", 8080, true));

        String dump = ProxyRules.render(List.of(local), null);

        assertTrue(dump.contains(":KUBE-EXT-"), dump);
        assertFalse(dump.contains("masquerade traffic for"), dump);
    }

    @Test
    void externalTrafficPolicyLocalRulesReachOnlyLocalEndpoints() {
        ServicePort local = port("default/web-local:http", 6, "10.96.0.3", 80, 30081, null, 0, true,
                endpoint("10.244.2.8", 8080, false), endpoint("10.244.1.6", 8080, true));

        Map<String, List<String>> chains = chains(ProxyRules.render(List.of(local), null));

        assertEquals(Set.of("10.244.1.6:8080"),
                destinations(chains, "KUBE-EXT-" + ProxyRules.hash("default/web-local:httptcp")));
    }

    // --- helpers ---

    /** The rules of each chain of the nat table, in order. */
    static Map<String, List<String>> chains(String dump) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String nat = dump.substring(dump.indexOf("*nat\n"));
        for (String line : nat.split("\n")) {
            if (line.startsWith("-A ")) {
                String chain = line.split(" ")[1];
                out.computeIfAbsent(chain, k -> new ArrayList<>()).add(line);
            }
        }
        return out;
    }

    /** Every DNAT destination reachable from {@code chain} by its jumps. */
    static Set<String> destinations(Map<String, List<String>> chains, String chain) {
        Set<String> out = new TreeSet<>();
        for (String rule : chains.getOrDefault(chain, List.of())) {
            Matcher dnat = Pattern.compile("--to-destination (\\S+)").matcher(rule);
            if (dnat.find()) {
                out.add(dnat.group(1));
            }
            Matcher jump = Pattern.compile(" -j (KUBE-(SVC|SVL|SEP|EXT)-\\S+)").matcher(rule);
            if (jump.find()) {
                out.addAll(destinations(chains, jump.group(1)));
            }
        }
        return out;
    }

    /** Equal dumps, or a failure naming the first line that differs, then both dumps. */
    static void assertDumpEquals(String expected, String actual) {
        if (expected.equals(actual)) {
            return;
        }
        String[] e = expected.split("\n", -1);
        String[] a = actual.split("\n", -1);
        int i = 0;
        while (i < e.length && i < a.length && e[i].equals(a[i])) {
            i++;
        }
        fail("dumps differ at line " + (i + 1) + ":\n  expected: " + (i < e.length ? e[i] : "<end>")
                + "\n  actual:   " + (i < a.length ? a[i] : "<end>") + "\n--- expected\n" + expected
                + "--- actual\n" + actual);
    }

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }
}
