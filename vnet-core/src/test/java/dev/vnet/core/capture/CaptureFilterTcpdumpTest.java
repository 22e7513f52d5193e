package dev.vnet.core.capture;

import static dev.vnet.core.capture.CaptureSink.LINKTYPE_ETHERNET;
import static dev.vnet.core.capture.CaptureSink.LINKTYPE_RAW;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * -w out EXPR} keeps the ones its BPF program matches. CaptureFilter compiles with the same libpcap, so the
 * two must pick the same frames, truncated and corrupted ones included: this checks how vnet hands libpcap the
 * expression, the link type and each frame.
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

    /** tcpdump's grouping of and, or and not, on a frame for every truth value of the three primitives. */
    @Test
    void groupingMatchesAsInTcpdump() throws Exception {
        Path in = writePcap(CaptureFilterTest.ABC, LINKTYPE_ETHERNET);
        List<Executable> checks = new ArrayList<>();
        CaptureFilterTest.GROUPING.forEach((template, truth) -> {
            String expression = CaptureFilterTest.abcExpression(template);
            Set<String> ours = CaptureFilterTest.matching(CaptureFilter.parse(expression), CaptureFilterTest.ABC,
                    LINKTYPE_ETHERNET);
            checks.add(() -> assertEquals(tcpdump(in, expression, CaptureFilterTest.ABC), ours, expression));
            checks.add(() -> assertEquals(CaptureFilterTest.abcExpected(truth), ours, expression));
        });
        assertAll(checks);
    }

    /** A filter libpcap refuses gets the message tcpdump prints for it. */
    @Test
    void errorsAreTcpdumps() throws Exception {
        Path in = writePcap(CaptureFilterTest.LAB, LINKTYPE_ETHERNET);
        List<Executable> checks = new ArrayList<>();
        for (String[] c : CaptureFilterTest.ERRORS) {
            String theirs = tcpdumpError(in, c[0]).replace("can't parse filter expression: ", "");
            checks.add(() -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> CaptureFilter.parse(c[0]));
                assertEquals("bad capture filter \"" + c[0] + "\": " + theirs, e.getMessage());
            });
        }
        assertAll(checks);
    }

    private void checkAgainstTcpdump(String[][] cases, Map<String, byte[]> frames, int linkType) throws Exception {
        Path in = writePcap(frames, linkType);
        List<Executable> checks = new ArrayList<>();
        int compared = 0;
        for (String[] c : cases) {
            CaptureFilter filter = CaptureFilter.parse(c[0]);
            Set<String> ours = CaptureFilterTest.matching(filter, frames, linkType);
            if (linkType == LINKTYPE_RAW && c[0].contains("ether")) {
                // tcpdump refuses MAC addresses on a link without them; here they match nothing
                checks.add(() -> assertEquals(Set.of(), ours, c[0]));
                continue;
            }
            Set<String> theirs = tcpdump(in, c[0], frames);
            checks.add(() -> assertEquals(theirs, ours, "\"" + c[0] + "\": tcpdump matched " + theirs.size()
                    + ", CaptureFilter " + ours.size()));
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

    /** What tcpdump says about an expression it refuses, without its "tcpdump: " prefix. */
    private String tcpdumpError(Path in, String expression) throws Exception {
        Path err = Files.createTempFile(dir, "tcpdump", ".err");
        Process process = new ProcessBuilder("tcpdump", "-n", "-r", in.toString(), "-w", "/dev/null", expression)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "tcpdump timed out on " + expression);
        assertNotEquals(0, process.exitValue(), "tcpdump accepts '" + expression + "'");
        String last = Files.readAllLines(err).stream().filter(l -> l.startsWith("tcpdump: ")).reduce((x, y) -> y)
                .orElseThrow(() -> new AssertionError("tcpdump gave no reason for '" + expression + "'"));
        return last.substring("tcpdump: ".length());
    }
}
