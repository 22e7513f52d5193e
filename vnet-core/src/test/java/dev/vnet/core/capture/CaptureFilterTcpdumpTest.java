package dev.vnet.core.capture;

import static dev.vnet.core.capture.CaptureSink.LINKTYPE_ETHERNET;
import static dev.vnet.core.capture.CaptureSink.LINKTYPE_RAW;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every expression of {@link CaptureFilterTest}'s tables through real tcpdump as well: the frames go to a
 * pcap file written by {@link PcapWriter}, each stamped with its index in seconds, and {@code tcpdump -r in
 * -w out EXPR} keeps the ones libpcap's BPF matches. The two must pick the same frames, truncated ones
 * included.
 */
class CaptureFilterTcpdumpTest {

    private static final long FIRST_SECOND = 1000;

    @TempDir
    Path dir;

    @BeforeEach
    void needsTcpdump() {
        ExternalTools.assumeInstalled("tcpdump");
    }

    @Test
    void ethernetFramesMatchAsInTcpdump() throws Exception {
        checkAgainstTcpdump(CaptureFilterTest.ETHERNET_CASES, CaptureFilterTest.LAB, LINKTYPE_ETHERNET);
    }

    @Test
    void rawIpPacketsMatchAsInTcpdump() throws Exception {
        checkAgainstTcpdump(CaptureFilterTest.RAW_CASES, CaptureFilterTest.TUN, LINKTYPE_RAW);
    }

    /**
     * Every frame cut at every length: where a filter reads past the end matters only for such frames, and
     * BPF's rule (a load out of bounds rejects the packet, under "not" too) must hold here as well.
     */
    @Test
    void everyTruncationMatchesAsInTcpdump() throws Exception {
        Map<String, byte[]> cuts = new java.util.LinkedHashMap<>();
        CaptureFilterTest.LAB.forEach((name, frame) -> {
            for (int length = 0; length <= Math.min(frame.length, 80); length++) {
                cuts.put(name + "@" + length, java.util.Arrays.copyOf(frame, length));
            }
        });
        checkAgainstTcpdump(CaptureFilterTest.ETHERNET_CASES, cuts, LINKTYPE_ETHERNET);
    }

    /**
     * Frames with random bytes changed (a fixed seed): odd IHLs, fragment offsets, EtherTypes and protocols
     * the lab never sends, still matched as BPF matches them.
     */
    @Test
    void corruptedFramesMatchAsInTcpdump() throws Exception {
        java.util.Random random = new java.util.Random(7);
        Map<String, byte[]> corrupted = new java.util.LinkedHashMap<>();
        CaptureFilterTest.LAB.forEach((name, frame) -> {
            for (int copy = 0; copy < 40; copy++) {
                byte[] bytes = frame.clone();
                for (int i = 0; i < bytes.length; i++) {
                    if (random.nextInt(12) == 0) {
                        bytes[i] = (byte) random.nextInt(256);
                    }
                }
                corrupted.put(name + "#" + copy, bytes);
            }
        });
        checkAgainstTcpdump(CaptureFilterTest.ETHERNET_CASES, corrupted, LINKTYPE_ETHERNET);
    }

    /**
     * The one difference on purpose: tcpdump gives and and or equal precedence, left to right. The normal form
     * puts parentheses in, so it means the same to both.
     */
    @Test
    void andBindsTighterThanOrUnlikeTcpdump() throws Exception {
        Map<String, byte[]> frames = CaptureFilterTest.LAB;
        Path in = writePcap(frames, LINKTYPE_ETHERNET);
        String text = "arp or icmp and dst host 10.244.2.2";
        CaptureFilter filter = CaptureFilter.parse(text);
        Set<String> ours = CaptureFilterTest.matching(filter, frames, LINKTYPE_ETHERNET);
        assertEquals(CaptureFilterTest.names("arp-request arp-reply icmp-c"), ours);
        assertEquals(CaptureFilterTest.names("icmp-c"), tcpdump(in, text, frames));
        assertEquals("arp or (icmp and dst host 10.244.2.2)", filter.toString());
        assertEquals(ours, tcpdump(in, filter.toString(), frames));
        assertNotEquals(ours, tcpdump(in, text, frames));
    }

    private void checkAgainstTcpdump(String[][] cases, Map<String, byte[]> frames, int linkType) throws Exception {
        Path in = writePcap(frames, linkType);
        List<Executable> checks = new ArrayList<>();
        int compared = 0;
        for (String[] c : cases) {
            CaptureFilter filter = CaptureFilter.parse(c[0]);
            if (linkType == LINKTYPE_RAW && filter.toString().contains("ether")) {
                continue; // tcpdump refuses MAC addresses on a link without them; here they match nothing
            }
            // libpcap 1.10 has no "vxlan"; the normal form of everything else is tcpdump's language.
            String expression = filter.toString().replace("vxlan", "(udp dst port 4789)");
            Set<String> ours = CaptureFilterTest.matching(filter, frames, linkType);
            Set<String> theirs = tcpdump(in, expression, frames);
            checks.add(() -> assertEquals(theirs, ours, "\"" + c[0] + "\" (tcpdump '" + expression + "'): tcpdump matched "
                    + theirs.size() + ", CaptureFilter " + ours.size()));
            compared++;
        }
        assertAll(checks);
        assertTrue(compared >= cases.length - 2, compared + " expressions compared");
    }

    private Path writePcap(Map<String, byte[]> frames, int linkType) throws IOException {
        Path file = dir.resolve(linkType == LINKTYPE_RAW ? "tun.pcap" : "lab.pcap");
        try (PcapWriter writer = new PcapWriter(Files.newOutputStream(file), linkType)) {
            int i = 0;
            for (byte[] frame : frames.values()) {
                writer.write(0, (FIRST_SECOND + i++) * 1_000_000_000L, ByteBuffer.wrap(frame), 0, frame.length, null);
            }
        }
        return file;
    }

    /** The names of the frames tcpdump keeps with {@code expression}, told apart by their timestamps. */
    private Set<String> tcpdump(Path in, String expression, Map<String, byte[]> frames) throws Exception {
        Path out = Files.createTempFile(dir, "matched", ".pcap");
        Path err = Files.createTempFile(dir, "tcpdump", ".err");
        Process process = new ProcessBuilder("tcpdump", "-n", "-r", in.toString(), "-w", out.toString(), expression)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tcpdump timed out on " + expression);
        String stderr = Files.readString(err);
        if (process.exitValue() != 0 && stderr.contains("expression rejects all packets")) {
            return new TreeSet<>(); // libpcap found at compile time that nothing can match ("arp" on raw IP)
        }
        assertEquals(0, process.exitValue(), "tcpdump '" + expression + "': " + stderr);
        List<String> names = new ArrayList<>(frames.keySet());
        Set<String> matched = new TreeSet<>();
        for (CaptureFiles.Packet packet : CaptureFiles.readPcap(Files.readAllBytes(out))) {
            matched.add(names.get((int) (packet.seconds() - FIRST_SECOND)));
        }
        return matched;
    }
}
