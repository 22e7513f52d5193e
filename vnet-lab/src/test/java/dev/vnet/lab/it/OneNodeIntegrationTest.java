package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.core.linux.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One node, for real: pods are namespaces with a TAP eth0 on the userspace bridge; ping, curl and tcpdump
 * run inside them. Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OneNodeIntegrationTest {
    private static TestLab lab;
    private static String a;
    private static String b;
    private static String duo;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(1);
        a = lab.pod("a");
        b = lab.pod("b");
        duo = lab.pod("duo");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers:
                  - {name: shell, image: busybox, command: [sleep, infinity]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, labels: {app: web}}
                spec:
                  containers:
                  - name: web
                    image: whoami
                    ports: [{containerPort: 8080}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers:
                  - name: web
                    image: whoami
                    ports: [{containerPort: 9090}]
                  - name: client
                    image: curl
                    command: [sh, -c, "for i in 1 2 3 4 5 6 7 8 9 10; do curl -s http://127.0.0.1:9090/ && break; sleep 0.3; done; exec sleep infinity"]
                """.formatted(a, b, duo));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void podsRunWithAddressesFromTheNodeSubnet() throws Exception {
        assertEquals("Running", lab.pod(a, "status.phase").asString());
        assertEquals("node-1", lab.pod(a, "spec.nodeName").asString());
        assertTrue(lab.podIp(a).startsWith("10.244.1."), lab.podIp(a));
        assertTrue(NetNs.exists(a), "the pod is a named network namespace");
        TestLab.Result link = TestLab.inNs(a, 10, "ip", "-o", "link", "show", "eth0");
        assertTrue(link.out().contains("mtu 1450"), link.out());
        String ip = lab.podIp(a);
        String[] o = ip.split("\\.");
        String mac = String.format("0a:58:%02x:%02x:%02x:%02x", Integer.parseInt(o[0]), Integer.parseInt(o[1]),
                Integer.parseInt(o[2]), Integer.parseInt(o[3]));
        assertTrue(link.out().contains(mac), "pod MAC follows 0a:58:+IP: " + link.out());
        TestLab.Result tun = TestLab.inNs(a, 10, "cat", "/sys/class/net/eth0/tun_flags");
        assertEquals(0, tun.exit(), "eth0 is a TUN/TAP device: " + tun.out());
        String resolv = Files.readString(Path.of("/etc/netns", a, "resolv.conf"));
        assertTrue(resolv.contains("nameserver 10.96.0.10") && resolv.contains("ndots:5"), resolv);
    }

    @Test
    @Order(2)
    void twoPodsPingEachOtherAndTheGateway() throws Exception {
        TestLab.Result toB = TestLab.inNs(a, 20, "ping", "-c", "3", "-W", "2", lab.podIp(b));
        assertEquals(0, toB.exit(), toB.out());
        assertTrue(toB.out().contains("3 received"), toB.out());
        TestLab.Result toA = TestLab.inNs(b, 20, "ping", "-c", "2", "-W", "2", lab.podIp(a));
        assertEquals(0, toA.exit(), toA.out());
        TestLab.Result toGw = TestLab.inNs(a, 20, "ping", "-c", "2", "-W", "2", "10.244.1.1");
        assertEquals(0, toGw.exit(), toGw.out());
        assertTrue(lab.lab.nodes().get(0).gateway().echoReplies() >= 2);
        // b's kernel answers an echo request inside the write that delivers it, so the thread that wrote (a's
        // port reader) can take the reply off b's TAP itself instead of waking b's reader; it loses the race
        // when b's reader is woken on its CPU first, and wins most of the time when pings are far apart.
        TestLab.Result more = TestLab.inNs(a, 20, "ping", "-c", "40", "-i", "0.05", "-W", "2", "-q", lab.podIp(b));
        assertEquals(0, more.exit(), more.out());
        long pickedUp = lab.lab.nodes().get(0).bridge().ports().stream().filter(p -> p.name().equals(b))
                .mapToLong(p -> p.counters().answersPickedUp()).sum();
        assertTrue(pickedUp >= 1, "answers picked up at " + b + "'s port: " + pickedUp);
    }

    @Test
    @Order(3)
    void curlToWhoamiShowsItsNameAndTheCallersPodIp() throws Exception {
        TestLab.Result r = TestLab.inNs(a, 20, "curl", "-s", "-m", "5", "http://" + lab.podIp(b) + ":8080/");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("Hostname: " + b), r.out());
        assertTrue(r.out().contains("IP: " + lab.podIp(b)), r.out());
        assertTrue(r.out().contains("RemoteAddr: " + lab.podIp(a) + ":"), "no NAT between pods: " + r.out());
    }

    @Test
    @Order(4)
    void containersOfOnePodShareLocalhost() throws Exception {
        String log = "";
        for (int i = 0; i < 50 && !log.contains("Hostname: " + duo); i++) {
            Thread.sleep(100);
            log = lab.call("logs", "pod", duo, "container", "client").path("text").asString();
        }
        assertTrue(log.contains("Hostname: " + duo) && log.contains("RemoteAddr: 127.0.0.1:"), log);
    }

    @Test
    @Order(5)
    void tcpdumpInAPodSeesTheArpExchangeWithTheGateway() throws Exception {
        TestLab.inNs(a, 10, "ip", "neigh", "flush", "all");
        Process dump = new ProcessBuilder("ip", "netns", "exec", a, "tcpdump", "-lni", "eth0", "-c", "2", "arp")
                .redirectErrorStream(true).start();
        try {
            Thread.sleep(1000); // let tcpdump open its socket
            TestLab.inNs(a, 10, "ping", "-c", "1", "-W", "2", "10.244.1.1");
            assertTrue(dump.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "tcpdump saw two ARP frames");
            String out = new String(dump.getInputStream().readAllBytes());
            assertTrue(out.contains("Request who-has 10.244.1.1 tell " + lab.podIp(a)), out);
            assertTrue(out.contains("Reply 10.244.1.1 is-at 0a:58:0a:f4:01:01"), out);
        } finally {
            dump.destroyForcibly();
        }
    }

    @Test
    @Order(6)
    void badManifestsAreRefusedAndChangeNothing() throws Exception {
        int before = lab.call("get", "kind", "pods").path("list").path("items").size();
        ApiException unknownField = assertThrows(ApiException.class, () -> lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  containers: [{name: c, imagee: whoami}]
                """.formatted(lab.pod("x"))));
        assertTrue(unknownField.getMessage().contains("unknown field \"spec.containers[0].imagee\""),
                unknownField.getMessage());
        ApiException badName = assertThrows(ApiException.class, () -> lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: Bad_Name}
                spec: {containers: [{name: c, image: whoami}]}
                """));
        assertTrue(badName.getMessage().contains("DNS-1123"), badName.getMessage());
        // The second document is bad, so the first must not be created either.
        assertThrows(ApiException.class, () -> lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {containers: [{name: c, image: whoami}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {containers: [{name: c, image: postgres:16}]}
                """.formatted(lab.pod("ok"), lab.pod("bad"))));
        ApiException dup = assertThrows(ApiException.class, () -> lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {containers: [{name: c, image: echo}]}
                """.formatted(b)));
        assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());
        assertEquals(before, lab.call("get", "kind", "pods").path("list").path("items").size());
        assertFalse(NetNs.exists(lab.pod("ok")));
    }

    @Test
    @Order(7)
    void deletingAPodRemovesItsNamespaceAndFreesItsAddress() throws Exception {
        String ipB = lab.podIp(b);
        lab.delete(b);
        assertFalse(NetNs.exists(b), "namespace removed");
        assertFalse(Files.exists(Path.of("/etc/netns", b)), "resolv.conf removed");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {containers: [{name: c, image: echo}]}
                """.formatted(lab.pod("c")));
        assertEquals(ipB, lab.podIp(lab.pod("c")), "the lowest free address is reused");
        TestLab.Result echo = TestLab.inNs(a, 10, "sh", "-c", "echo hello | timeout 3 bash -c 'exec 3<>/dev/tcp/"
                + ipB + "/7; cat >&3; head -c 5 <&3'");
        assertEquals("hello", echo.out().strip(), "the echo image answers over TCP");
    }

    @Test
    @Order(8)
    void aCommandContainerThatFailsMakesThePodFailed() throws Exception {
        String f = lab.pod("fails");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {containers: [{name: c, image: busybox, command: [sh, -c, "echo bye; exit 3"]}]}
                """.formatted(f));
        String phase = "";
        for (int i = 0; i < 50 && !phase.equals("Failed"); i++) {
            Thread.sleep(100);
            phase = lab.pod(f, "status.phase").asString();
        }
        assertEquals("Failed", phase);
        assertEquals(3, lab.pod(f, "status.containerStatuses").get(0).path("state").path("terminated").path("exitCode").asInt());
    }

    @Test
    @Order(9)
    void teardownLeavesNothingAndTheRootNamespaceWasNeverTouched() throws Exception {
        List<Long> pids = lab.lab.nodes().get(0).pods().values().stream()
                .flatMap(p -> p.workloads().stream())
                .filter(w -> w instanceof dev.vnet.node.workload.CommandContainer)
                .map(w -> ((dev.vnet.node.workload.CommandContainer) w).pid()).toList();
        assertFalse(pids.isEmpty());
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertFalse(Files.exists(Path.of("/etc/netns", a)));
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " ended");
        }
        TestLab.RootSnapshot after = TestLab.RootSnapshot.take();
        assertEquals(lab.rootBefore, after, "links, addresses and routes of the root namespace are unchanged");
        assertFalse(Files.exists(lab.config.kubeDir().resolve("server")), "the API's URL is gone with the lab");
    }
}
