package dev.vnet.core.capture;

import static dev.vnet.core.capture.CaptureFiles.bytes;
import static dev.vnet.core.capture.CaptureFiles.hex;
import static dev.vnet.core.capture.CaptureFrames.GATEWAY;
import static dev.vnet.core.capture.CaptureFrames.POD_A;
import static dev.vnet.core.capture.CaptureFrames.POD_C;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapngWriterTest {

    static final long TIME = PcapWriterTest.TIME;
    static final String VERDICT = "DNAT 10.96.0.2:80 -> 10.244.2.3:8080";

    /** The Section Header Block, field by field, little-endian. */
    static final byte[] SECTION_HEADER = bytes(""
            + "0a 0d 0d 0a " // block type: Section Header Block
            + "28 00 00 00 " // block total length 40
            + "4d 3c 2b 1a " // byte-order magic 0x1a2b3c4d, little-endian
            + "01 00 00 00 " // version 1.0
            + "ff ff ff ff ff ff ff ff " // section length -1: not given
            + "04 00 04 00 76 6e 65 74 " // shb_userappl (4), length 4, "vnet"
            + "00 00 00 00 " // opt_endofopt
            + "28 00 00 00"); // block total length again

    /** The Interface Description Block of pod-a's veth. */
    static final byte[] INTERFACE_DESCRIPTION = bytes(""
            + "01 00 00 00 " // block type: Interface Description Block
            + "48 00 00 00 " // block total length 72
            + "01 00 00 00 " // link type 1 (Ethernet), reserved
            + "00 00 04 00 " // snaplen 262144
            + "02 00 11 00 " // if_name (2), length 17
            + "6e 6f 64 65 2d 31 2f 76 65 74 68 2d 70 6f 64 2d 61 00 00 00 " // "node-1/veth-pod-a", 3 padding
            + "03 00 0c 00 " // if_description (3), length 12
            + "70 6f 64 2d 61 27 73 20 76 65 74 68 " // "pod-a's veth"
            + "09 00 01 00 09 00 00 00 " // if_tsresol (9), length 1, 9: nanoseconds, 3 padding
            + "00 00 00 00 " // opt_endofopt
            + "48 00 00 00"); // block total length again

    @TempDir
    Path dir;

    private static byte[] written(ByteArrayOutputStream out, int from) {
        return Arrays.copyOfRange(out.toByteArray(), from, out.size());
    }

    @Test
    void sectionHeader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PcapngWriter(out);
        assertEquals(hex(SECTION_HEADER, 0, 40), hex(out.toByteArray(), 0, out.size()));
    }

    @Test
    void interfaceDescription() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(out);
        assertEquals(0, writer.addInterface("node-1/veth-pod-a", "pod-a's veth", PcapngWriter.LINKTYPE_ETHERNET));
        assertEquals(hex(INTERFACE_DESCRIPTION, 0, 72), hex(written(out, 40), 0, 72));
        assertEquals(1, writer.addInterface("node-1/tun0", null, PcapngWriter.LINKTYPE_RAW));
        byte[] second = written(out, 40 + 72);
        assertEquals(""
                + "01 00 00 00 30 00 00 00 " // Interface Description Block, 48 bytes
                + "65 00 00 00 00 00 04 00 " // link type 101 (raw IP), snaplen 262144
                + "02 00 0b 00 6e 6f 64 65 2d 31 2f 74 75 6e 30 00 " // if_name "node-1/tun0"; no description
                + "09 00 01 00 09 00 00 00 00 00 00 00 30 00 00 00", hex(second, 0, second.length));
        assertEquals(2, writer.interfaceCount());
    }

    @Test
    void enhancedPacketWithComment() throws IOException {
        byte[] frame = CaptureFrames.arpRequest(); // 42 bytes: 2 of padding after it
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(out);
        writer.addInterface("node-1/veth-pod-a", null, PcapngWriter.LINKTYPE_ETHERNET);
        int start = out.size();
        writer.write(0, TIME, ByteBuffer.wrap(frame), 0, frame.length, VERDICT);
        writer.flush();
        byte[] block = written(out, start);
        assertEquals(120, block.length);
        assertEquals(""
                + "06 00 00 00 " // block type: Enhanced Packet Block
                + "78 00 00 00 " // block total length 120
                + "00 00 00 00 " // interface 0
                + "fe 9c 97 17 " // timestamp high: 1700000000123456789 ns = 0x17979cfe_3d85cd15
                + "15 cd 85 3d " // timestamp low
                + "2a 00 00 00 " // captured length 42
                + "2a 00 00 00", // original length 42
                hex(block, 0, 28));
        assertArrayEquals(frame, Arrays.copyOfRange(block, 28, 70));
        assertEquals("00 00 " // padding to 32 bits
                + "01 00 24 00 " // opt_comment (1), length 36
                + hex(VERDICT.getBytes(StandardCharsets.US_ASCII), 0, 36) + " "
                + "00 00 00 00 " // opt_endofopt
                + "78 00 00 00", hex(block, 70, 120));
        assertEquals(0x17979cfe_3d85cd15L, TIME);
    }

    @Test
    void enhancedPacketWithoutComment() throws IOException {
        byte[] frame = CaptureFrames.icmpEcho(POD_A, GATEWAY); // 50 bytes
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(out);
        writer.addInterface("node-1/veth-pod-a", null, PcapngWriter.LINKTYPE_ETHERNET);
        int start = out.size();
        writer.write(0, TIME, ByteBuffer.wrap(frame), 0, frame.length, null);
        writer.write(0, TIME, ByteBuffer.wrap(frame), 0, frame.length, "");
        writer.flush();
        byte[] blocks = written(out, start);
        assertEquals(2 * 84, blocks.length); // 28 + 50 + 2 padding + 4: no options at all
        assertEquals("54 00 00 00", hex(blocks, 4, 8));
        assertEquals("00 00 54 00 00 00", hex(blocks, 78, 84));
        assertNull(CaptureFiles.readPcapng(written(out, 0)).get(0).comment());
    }

    @Test
    void writesOnlyToAddedInterfaces() throws IOException {
        PcapngWriter writer = new PcapngWriter(new ByteArrayOutputStream());
        byte[] frame = CaptureFrames.arpRequest();
        ByteBuffer buf = ByteBuffer.wrap(frame);
        assertThrows(IllegalArgumentException.class, () -> writer.write(0, TIME, buf, 0, frame.length, null));
        writer.addInterface("node-1/br0", null, PcapngWriter.LINKTYPE_ETHERNET);
        writer.write(0, TIME, buf, 0, frame.length, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.write(1, TIME, buf, 0, frame.length, null));
        assertEquals("no capture point 1: 1 were added with addInterface", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> writer.addInterface("", null, 1));
        assertThrows(IllegalArgumentException.class, () -> writer.addInterface("x", null, 70000));
    }

    @Test
    void aFailedStreamStillHandsOutInterfacesAndDropsPackets() throws IOException {
        OutputStream breaking = new OutputStream() {
            int written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written > 0) {
                    throw new IOException("No space left on device");
                }
                written += len; // the section header goes through
            }
        };
        PcapngWriter writer = new PcapngWriter(breaking);
        assertEquals(0, writer.addInterface("node-1/br0", null, PcapngWriter.LINKTYPE_ETHERNET));
        assertEquals("No space left on device", writer.failure().getMessage());
        assertEquals(1, writer.addInterface("node-1/underlay", null, PcapngWriter.LINKTYPE_ETHERNET));
        byte[] frame = CaptureFrames.arpRequest();
        writer.write(1, TIME, ByteBuffer.wrap(frame), 0, frame.length, VERDICT);
        assertEquals(0, writer.packetsWritten());
        assertEquals(1, writer.packetsDropped());
        assertThrows(java.io.UncheckedIOException.class, writer::flush);
        assertThrows(IOException.class, writer::close);
    }

    @Test
    void commentsAreUtf8AndCutToAnOptionsLength() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(out);
        writer.addInterface("node-1/br0", null, PcapngWriter.LINKTYPE_ETHERNET);
        byte[] frame = CaptureFrames.arpRequest();
        String unicode = "pod-a → pod-c, ünïcödé, 🚀, lone \ud800 surrogate";
        // 65534 ASCII bytes, then a 2-byte character that would pass 65535: the cut falls before it.
        String huge = "x".repeat(65534) + "é and more";
        writer.write(0, TIME, ByteBuffer.wrap(frame), 0, frame.length, unicode);
        writer.write(0, TIME, ByteBuffer.wrap(frame), 0, frame.length, huge);
        writer.close();
        List<CaptureFiles.Packet> packets = CaptureFiles.readPcapng(out.toByteArray());
        assertEquals(unicode.replace('\ud800', '?'), packets.get(0).comment());
        assertEquals("x".repeat(65534), packets.get(1).comment());
    }

    @Test
    void threadsWriteWholeBlocks() throws Exception {
        int threads = 4;
        int perThread = 500;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(out);
        for (int t = 0; t < threads; t++) {
            writer.addInterface("point-" + t, null, PcapngWriter.LINKTYPE_ETHERNET);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Future<?>[] done = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                done[t] = pool.submit(() -> {
                    start.await();
                    byte[] frame = new byte[60 + id * 7];
                    Arrays.fill(frame, (byte) id);
                    ByteBuffer buf = ByteBuffer.allocateDirect(frame.length).put(0, frame);
                    for (int i = 0; i < perThread; i++) {
                        writer.write(id, TIME + i, buf, 0, frame.length, "thread " + id + " packet " + i);
                    }
                    return null;
                });
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        writer.close();
        List<CaptureFiles.Packet> packets = CaptureFiles.readPcapng(out.toByteArray());
        assertEquals(threads * perThread, packets.size());
        int[] next = new int[threads];
        for (CaptureFiles.Packet p : packets) {
            int id = p.interfaceId();
            assertEquals(60 + id * 7, p.data().length);
            for (byte b : p.data()) {
                assertEquals(id, b);
            }
            // Each thread's packets in its own order, comments intact.
            assertEquals("thread " + id + " packet " + next[id], p.comment());
            assertEquals(TIME + next[id]++, p.seconds() * 1_000_000_000L + p.fraction());
        }
    }

    @Test
    void writingAllocatesNothing() throws IOException {
        PcapngWriter writer = new PcapngWriter(OutputStream.nullOutputStream());
        writer.addInterface("node-1/br0", null, PcapngWriter.LINKTYPE_ETHERNET);
        byte[] frame = CaptureFrames.icmpEcho(POD_A, GATEWAY);
        ByteBuffer heap = ByteBuffer.wrap(frame);
        ByteBuffer direct = ByteBuffer.allocateDirect(frame.length).put(0, frame);
        long bytes = AllocationMeter.bytesAllocated(100_000, () -> {
            writer.write(0, TIME, heap, 0, frame.length, VERDICT);
            writer.write(0, TIME, direct, 0, frame.length, null);
        });
        assertTrue(bytes < 64 * 1024, bytes + " bytes allocated for 200000 packets");
    }

    @Test
    void tsharkShowsInterfacesAndComments() throws Exception {
        ExternalTools.assumeInstalled("tshark");
        Path file = dir.resolve("lab.pcapng");
        try (PcapngWriter writer = new PcapngWriter(Files.newOutputStream(file))) {
            int veth = writer.addInterface("node-1/veth-pod-a", "pod-a's veth", PcapngWriter.LINKTYPE_ETHERNET);
            int underlay = writer.addInterface("node-1/underlay", "VXLAN to the other nodes",
                    PcapngWriter.LINKTYPE_ETHERNET);
            write(writer, veth, 0, CaptureFrames.arpRequest(), null);
            write(writer, veth, 1, CaptureFrames.icmpEcho(POD_A, POD_C), "forward to node-2 via VXLAN");
            write(writer, underlay, 2, CaptureFrames.vxlanIcmp(), "VXLAN vni 1 -> 192.168.56.12");
            // A capture point added after packets: its block comes where it is added, as pcapng allows.
            int tun = writer.addInterface("node-1/tun0", null, PcapngWriter.LINKTYPE_RAW);
            write(writer, tun, 3, CaptureFrames.raw(CaptureFrames.tcpSyn(POD_A, 40000, ip("10.96.0.2"), 80)),
                    VERDICT);
        }
        List<String[]> rows = ExternalTools.tsharkFields(file, "frame.interface_id", "frame.interface_name",
                "frame.interface_description", "frame.comment", "_ws.col.Protocol", "frame.protocols",
                "frame.time_epoch");
        assertEquals(4, rows.size());
        assertArrayEquals(new String[] {"0", "node-1/veth-pod-a", "pod-a's veth", "", "ARP", "eth:ethertype:arp",
            "1700000000.123456789"}, rows.get(0));
        assertArrayEquals(new String[] {"0", "node-1/veth-pod-a", "pod-a's veth", "forward to node-2 via VXLAN",
            "ICMP", "eth:ethertype:ip:icmp:data", "1700000000.123456790"}, rows.get(1));
        assertArrayEquals(new String[] {"1", "node-1/underlay", "VXLAN to the other nodes",
            "VXLAN vni 1 -> 192.168.56.12", "ICMP", "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp:data",
            "1700000000.123456791"}, rows.get(2));
        assertArrayEquals(new String[] {"2", "node-1/tun0", "", VERDICT, "TCP", "raw:ip:tcp",
            "1700000000.123456792"}, rows.get(3));
    }

    @Test
    void tcpdumpReadsItToo() throws Exception {
        ExternalTools.assumeInstalled("tcpdump");
        Path file = dir.resolve("two-ports.pcapng");
        try (PcapngWriter writer = new PcapngWriter(Files.newOutputStream(file))) {
            int veth = writer.addInterface("node-1/veth-pod-a", null, PcapngWriter.LINKTYPE_ETHERNET);
            int underlay = writer.addInterface("node-1/underlay", null, PcapngWriter.LINKTYPE_ETHERNET);
            write(writer, veth, 0, CaptureFrames.icmpEcho(POD_A, POD_C), "forward");
            write(writer, underlay, 1, CaptureFrames.vxlanIcmp(), "encapsulated");
        }
        String out = ExternalTools.run("tcpdump", "-n", "-tt", "--time-stamp-precision=nano", "-r", file.toString());
        assertTrue(out.startsWith("1700000000.123456789 IP 10.244.1.2 > 10.244.2.2: ICMP echo request"), out);
        assertTrue(out.contains("1700000000.123456790 IP 192.168.56.11.51234 > 192.168.56.12.4789: VXLAN"), out);
    }

    private static void write(PcapngWriter writer, int id, int nanos, byte[] frame, String comment) {
        writer.write(id, TIME + nanos, ByteBuffer.wrap(frame), 0, frame.length, comment);
    }

    private static int ip(String text) {
        return CaptureFrames.ip(text);
    }
}
