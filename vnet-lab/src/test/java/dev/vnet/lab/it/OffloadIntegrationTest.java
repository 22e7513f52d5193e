package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.bridge.PortCounters;
import dev.vnet.node.RunningPod;
import dev.vnet.node.VnetNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * TAP offloads end to end: 20 MB each way between two pods of one node (64 KiB super-frames across the
 * bridge), between pods of two nodes (cut to the overlay MTU for VXLAN, joined again on arrival), from outside
 * through a NodePort, and from a pod through the LoadBalancer IP of a Service whose endpoint is on the other
 * node (DNAT and SNAT, both directions, over the overlay), checked by sha256, with tshark verifying every TCP
 * checksum that arrives at the receiving pod, the endpoint's and the client's. Needs root (skipped with the
 * reason otherwise).
 *
 * <p>Captures look only at what arrives: a sender's own super-frames carry partial checksums, as they do on
 * any host with offloads; so do frames that a node's kernel forwards over its veth (the outside client's side).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OffloadIntegrationTest {
    private static final int SIZE = 20 << 20;
    private static final int PORT = 8000;
    private static final int NODE_PORT = 30880;
    /** Serves the file named on its command line to GET, and answers a POST with its body's sha256. */
    private static final String SERVER = """
            import hashlib, http.server, sys
            path = sys.argv[2]
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == '/addr':
                        body = self.client_address[0].encode()
                        self.send_response(200)
                        self.send_header('Content-Length', str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
                    with open(path, 'rb') as f:
                        data = f.read()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                def do_POST(self):
                    n = int(self.headers['Content-Length'])
                    h = hashlib.sha256()
                    while n > 0:
                        b = self.rfile.read(min(n, 1 << 16))
                        if not b:
                            break
                        h.update(b)
                        n -= len(b)
                    body = h.hexdigest().encode()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer(('0.0.0.0', int(sys.argv[1])), H).serve_forever()
            """;

    private static TestLab lab;
    private static String a1;
    private static String a2;
    private static String b1;
    private static Path dir;
    private static Path blob;
    private static Path script;
    private static String sha;
    private static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void startLab() throws Exception {
        removeLeftoversOfEarlierRuns();
        lab = TestLab.start(2);
        a1 = lab.pod("a1");
        a2 = lab.pod("a2");
        b1 = lab.pod("b1");
        dir = Files.createTempDirectory("vnet-offload-it-");
        blob = dir.resolve("blob");
        byte[] data = new byte[SIZE];
        new Random(17).nextBytes(data);
        Files.write(blob, data);
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        script = dir.resolve("server.py");
        Files.writeString(script, SERVER);
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s}
                spec:
                  nodeName: node-1
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %2$s}
                spec:
                  nodeName: node-1
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %3$s, labels: {app: %3$s}}
                spec:
                  nodeName: node-2
                  containers: [{name: shell, image: busybox, command: [sleep, infinity]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: %3$s}
                spec:
                  type: LoadBalancer
                  selector: {app: %3$s}
                  ports: [{port: 80, targetPort: %4$d, nodePort: %5$d}]
                """.formatted(a1, a2, b1, PORT, NODE_PORT));
        for (String pod : List.of(a2, b1)) {
            servers.add(new ProcessBuilder("ip", "netns", "exec", pod, "python3", script.toString(),
                    Integer.toString(PORT), blob.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(pod + ".log").toFile()).start());
        }
        waitFor(a1, "http://" + lab.podIp(a2) + ":" + PORT + "/");
        waitFor(a1, "http://" + lab.podIp(b1) + ":" + PORT + "/");
    }

    /**
     * The blob directories of earlier runs that died before their cleanup (their labs had prefixes of their own);
     * only those an hour old, so that a run going on at the same time keeps its own.
     */
    private static void removeLeftoversOfEarlierRuns() throws Exception {
        long hourAgo = System.currentTimeMillis() - 3_600_000;
        try (var dirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "vnet-offload-it-*")) {
            for (Path d : dirs) {
                if (Files.getLastModifiedTime(d).toMillis() > hourAgo) {
                    continue;
                }
                try (var walk = Files.walk(d)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @AfterAll
    static void stopLab() throws Exception {
        try {
            for (Process p : servers) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
            if (dir != null) {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Waits until a HEAD-less GET of a few bytes succeeds from {@code netns} (the server and the route are up). */
    private static void waitFor(String netns, String url) throws Exception {
        TestLab.Result r = null;
        for (int i = 0; i < 100; i++) {
            r = TestLab.inNs(netns, 10, "curl", "-s", "-o", "/dev/null", "-r", "0-9", "-m", "2", "-w", "%{http_code}", url);
            if (r.exit() == 0 && r.out().contains("200")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no answer from " + url + " in " + netns + ": " + r);
    }

    /** The sha256 of a download from {@code url} into {@code netns}. */
    private static String download(String netns, String url) throws Exception {
        TestLab.Result r = TestLab.inNs(netns, 120, "bash", "-c", "curl -sf -m 100 " + url + " | sha256sum");
        assertEquals(0, r.exit(), r.out());
        return r.out().split(" ")[0].strip();
    }

    /** What the server says is the sha256 of the blob uploaded to it from {@code netns}. */
    private static String upload(String netns, String url) throws Exception {
        TestLab.Result r = TestLab.inNs(netns, 120, "curl", "-sf", "-m", "100", "--data-binary", "@" + blob, url);
        assertEquals(0, r.exit(), r.out());
        return r.out().strip();
    }

    private static PortCounters portOf(int node, String pod) {
        VnetNode n = lab.lab.nodes().get(node - 1);
        RunningPod p = n.pods().values().stream().filter(rp -> rp.name().equals(pod)).findFirst().orElseThrow();
        return p.sandbox().port().port().counters();
    }

    @Test
    @Order(1)
    void twentyMegabytesEachWayBetweenPodsOfOneNodeArriveIntactInSuperFrames() throws Exception {
        PortCounters server = portOf(1, a2);
        long packets = server.rxPackets();
        long segments = server.rxSegments();
        String url = "http://" + lab.podIp(a2) + ":" + PORT + "/";
        assertEquals(sha, download(a1, url));
        assertEquals(sha, upload(a1, url));
        long superFrames = server.rxSegments() - segments - (server.rxPackets() - packets);
        assertTrue(superFrames > 0, "the pod's kernel handed over super-frames: " + (server.rxPackets() - packets)
                + " frames stood for " + (server.rxSegments() - segments) + " segments");
        assertTrue(server.rxPackets() - packets < (SIZE / 1398) / 2,
                "far fewer reads than wire-sized segments: " + (server.rxPackets() - packets));
    }

    @Test
    @Order(2)
    void twentyMegabytesEachWayBetweenPodsOfTwoNodesArriveIntact() throws Exception {
        VnetNode node1 = lab.lab.nodes().get(0);
        VnetNode node2 = lab.lab.nodes().get(1);
        long joinedBefore = node2.vtep().coalescedSegments();
        String url = "http://" + lab.podIp(b1) + ":" + PORT + "/";
        assertEquals(sha, download(a1, url));
        assertEquals(sha, upload(a1, url));
        assertTrue(node1.transport().sendsSegmented(), "this kernel has UDP GSO: super-frames leave in one sendmsg");
        assertTrue(node2.vtep().coalescedSegments() - joinedBefore > SIZE / 1398 / 2,
                "node-2 joined most arriving segments back into super-frames: "
                        + (node2.vtep().coalescedSegments() - joinedBefore));
    }

    /** Captures the TCP segments that arrive in {@code netns} on {@code device} matching {@code filter}. */
    private static Process capture(String netns, String device, Path pcap, String... filter) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns, "tcpdump", "-ni", device, "-s", "0",
                "-c", "3000", "-U", "-w", pcap.toString()));
        argv.addAll(List.of(filter));
        return new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(dir.resolve(pcap.getFileName() + ".log").toFile()).start();
    }

    private static void stop(Process dump) throws InterruptedException {
        dump.destroy();
        dump.waitFor(5, TimeUnit.SECONDS);
    }

    /** No TCP segment in the capture has a bad checksum, and many full-sized ones were verified good. */
    private static void everyChecksumIsRight(Path pcap) throws Exception {
        TestLab.Result bad = TestLab.run(120, "tshark", "-r", pcap.toString(), "-o", "tcp.check_checksum:TRUE",
                "-Y", "tcp.checksum.status == 0", "-T", "fields", "-e", "frame.number");
        assertEquals(0, bad.exit(), bad.out());
        assertEquals(List.of(), bad.out().lines().filter(l -> l.matches("\\d+")).limit(20).toList(),
                "frames with a bad TCP checksum in " + pcap.getFileName());
        TestLab.Result good = TestLab.run(120, "tshark", "-r", pcap.toString(), "-o", "tcp.check_checksum:TRUE",
                "-Y", "tcp.checksum.status == 1 && tcp.len > 1000", "-T", "fields", "-e", "frame.number");
        long verified = good.out().lines().filter(l -> l.matches("\\d+")).count();
        assertTrue(verified > 100, "full-sized segments with a verified checksum in " + pcap.getFileName()
                + ": " + verified);
    }

    @Test
    @Order(3)
    void fromOutsideThroughANodePortToTheOtherNodeArrivesIntactAndEveryChecksumAtTheEndpointIsRight()
            throws Exception {
        String url = "http://" + lab.config.underlay().host(11) + ":" + NODE_PORT + "/";
        String outside = lab.config.outsideNs();
        waitFor(outside, url);
        Path atEndpoint = dir.resolve("nodeport-endpoint.pcap");
        Process dump = capture(b1, "eth0", atEndpoint, "tcp", "dst", "port", Integer.toString(PORT));
        try {
            Thread.sleep(1000);
            assertEquals(sha, upload(outside, url), "uploaded through DNAT and SNAT");
            assertEquals(sha, download(outside, url), "downloaded back through them");
        } finally {
            stop(dump);
        }
        everyChecksumIsRight(atEndpoint);
    }

    @Test
    @Order(4)
    void fromAPodThroughALoadBalancerIpToTheOtherNodeEveryChecksumArrivesRightBothWays() throws Exception {
        String lbIp = "";
        for (int i = 0; i < 100 && lbIp.isEmpty(); i++) {
            lbIp = lab.call("get", "kind", "svc", "name", b1).path("list").path("items").get(0).path("status")
                    .path("loadBalancer").path("ingress").path(0).path("ip").asString("");
            if (lbIp.isEmpty()) {
                Thread.sleep(100);
            }
        }
        assertTrue(!lbIp.isEmpty(), "the Service got a LoadBalancer IP");
        String url = "http://" + lbIp + "/";
        waitFor(a1, url);
        TestLab.Result addr = TestLab.inNs(a1, 20, "curl", "-sf", "-m", "5", url + "addr");
        assertEquals(lab.config.podCidr().host(256).toString(), addr.out().strip(),
                "the endpoint sees node-1's address: SNAT, as for any external traffic with policy Cluster");
        Path atEndpoint = dir.resolve("lb-endpoint.pcap");
        Path atClient = dir.resolve("lb-client.pcap");
        Process endpointDump = capture(b1, "eth0", atEndpoint, "tcp", "dst", "port", Integer.toString(PORT));
        Process clientDump = capture(a1, "eth0", atClient, "tcp", "src", "port", "80");
        try {
            Thread.sleep(1000);
            assertEquals(sha, upload(a1, url), "uploaded through DNAT and SNAT");
            assertEquals(sha, download(a1, url), "downloaded back through them");
        } finally {
            stop(endpointDump);
            stop(clientDump);
        }
        everyChecksumIsRight(atEndpoint);
        everyChecksumIsRight(atClient);
    }

    @Test
    @Order(5)
    void teardownLeavesNothingAndTheRootNamespaceWasNeverTouched() throws Exception {
        for (Process p : servers) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        lab.lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take());
    }
}
