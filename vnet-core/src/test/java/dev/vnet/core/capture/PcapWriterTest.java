package dev.vnet.core.capture;

import static dev.vnet.core.capture.CaptureFiles.bytes;
import static dev.vnet.core.capture.CaptureFiles.hex;
import static dev.vnet.core.capture.CaptureFrames.GATEWAY;
import static dev.vnet.core.capture.CaptureFrames.POD_A;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapWriterTest {

    /** 2023-11-14T22:13:20.123456789Z. */
    static final long TIME = 1_700_000_000_123_456_789L;

    /** The file header for Ethernet, field by field, little-endian. */
    static final byte[] FILE_HEADER = bytes(""
            + "4d 3c b2 a1 " // magic 0xa1b23c4d: nanosecond timestamps
            + "02 00 04 00 " // version 2.4
            + "00 00 00 00 " // reserved1 (thiszone)
            + "00 00 00 00 " // reserved2 (sigfigs)
            + "00 00 04 00 " // snaplen 262144
            + "01 00 00 00"); // link type 1, Ethernet; no FCS bits

    @TempDir
    Path dir;

    private static ByteBuffer heap(byte[] frame) {
        return ByteBuffer.wrap(frame);
    }

    @Test
    void fileHeader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PcapWriter(out, PcapWriter.LINKTYPE_ETHERNET);
        // Written and flushed by the constructor, before any packet.
        assertEquals(hex(FILE_HEADER, 0, 24), hex(out.toByteArray(), 0, out.size()));
    }

    @Test
    void fileHeaderForRawIp() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PcapWriter(out, PcapWriter.LINKTYPE_RAW).close();
        assertEquals("65 00 00 00", hex(out.toByteArray(), 20, 24));
    }

    @Test
    void packetRecord() throws IOException {
        byte[] frame = CaptureFrames.icmpEcho(POD_A, GATEWAY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out, PcapWriter.LINKTYPE_ETHERNET)) {
            writer.write(0, TIME, heap(frame), 0, frame.length, "ignored: classic pcap has no comments");
        }
        byte[] file = out.toByteArray();
        assertEquals(24 + 16 + frame.length, file.length);
        assertEquals(""
                + "00 f1 53 65 " // seconds 1700000000
                + "15 cd 5b 07 " // nanoseconds 123456789
                + "32 00 00 00 " // captured length 50
                + "32 00 00 00", // original length 50
                hex(file, 24, 40));
        assertArrayEquals(frame, Arrays.copyOfRange(file, 40, file.length));
    }

    @Test
    void copiesFromADirectBufferWithoutMovingIt() throws IOException {
        byte[] frame = CaptureFrames.arpRequest();
        ByteBuffer buf = ByteBuffer.allocateDirect(100);
        buf.put(7, frame, 0, frame.length);
        buf.position(3).limit(90);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out, PcapWriter.LINKTYPE_ETHERNET)) {
            writer.write(0, TIME, buf, 7, frame.length, null);
            writer.write(0, TIME, buf.asReadOnlyBuffer(), 7, frame.length, null);
        }
        assertEquals(3, buf.position());
        assertEquals(90, buf.limit());
        List<CaptureFiles.Packet> packets = CaptureFiles.readPcap(out.toByteArray());
        assertEquals(2, packets.size());
        assertArrayEquals(frame, packets.get(0).data());
        assertArrayEquals(frame, packets.get(1).data());
    }

    @Test
    void cutsAtTheSnapLengthAndKeepsTheOriginalLength() throws IOException {
        byte[] big = new byte[300_000];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out, PcapWriter.LINKTYPE_ETHERNET)) {
            writer.write(0, TIME, heap(big), 0, big.length, null);
        }
        CaptureFiles.Packet packet = CaptureFiles.readPcap(out.toByteArray()).get(0);
        assertEquals(PcapWriter.SNAPLEN, packet.data().length);
        assertEquals(300_000, packet.originalLength());
    }

    @Test
    void holdsOneLinkType() throws IOException {
        PcapWriter writer = new PcapWriter(new ByteArrayOutputStream(), PcapWriter.LINKTYPE_ETHERNET);
        assertEquals(0, writer.addInterface("node-1/veth-pod-a", "pod-a's veth", PcapWriter.LINKTYPE_ETHERNET));
        assertEquals(0, writer.addInterface("node-1/br0", null, PcapWriter.LINKTYPE_ETHERNET));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.addInterface("node-1/tun0", null, PcapWriter.LINKTYPE_RAW));
        assertEquals("classic pcap holds one link type; use .pcapng for several capture points", e.getMessage());
        byte[] frame = CaptureFrames.arpRequest();
        assertThrows(IllegalArgumentException.class, () -> writer.write(1, TIME, heap(frame), 0, frame.length, null));
        assertThrows(IndexOutOfBoundsException.class, () -> writer.write(0, TIME, heap(frame), 1, frame.length, null));
    }

    @Test
    void flushesEachPacketOnlyWhenAsked() throws IOException {
        AtomicInteger flushes = new AtomicInteger();
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
            }

            @Override
            public void flush() {
                flushes.incrementAndGet();
            }
        };
        PcapWriter writer = new PcapWriter(counting, PcapWriter.LINKTYPE_ETHERNET);
        int afterHeader = flushes.get();
        byte[] frame = CaptureFrames.arpRequest();
        writer.write(0, TIME, heap(frame), 0, frame.length, null);
        assertEquals(afterHeader, flushes.get());
        writer.setFlushEachPacket(true);
        writer.write(0, TIME, heap(frame), 0, frame.length, null);
        writer.write(0, TIME, heap(frame), 0, frame.length, null);
        assertEquals(afterHeader + 2, flushes.get());
    }

    @Test
    void aFailedStreamDropsInsteadOfThrowing() throws IOException {
        // Accepts the file header, then fails as a pipe does once Wireshark has quit.
        OutputStream breaking = new OutputStream() {
            int written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written > 0) {
                    throw new IOException("Broken pipe");
                }
                written += len;
            }
        };
        PcapWriter writer = new PcapWriter(breaking, PcapWriter.LINKTYPE_ETHERNET);
        writer.setFlushEachPacket(true);
        byte[] frame = CaptureFrames.arpRequest();
        writer.write(0, TIME, heap(frame), 0, frame.length, null);
        writer.write(0, TIME, heap(frame), 0, frame.length, null);
        assertEquals(0, writer.packetsWritten());
        assertEquals(2, writer.packetsDropped());
        assertNotNull(writer.failure());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, writer::flush);
        assertEquals("capture stream failed: Broken pipe", e.getMessage());
        assertThrows(IOException.class, writer::close);
        writer.write(0, TIME, heap(frame), 0, frame.length, null); // closed: dropped, not thrown
        assertEquals(3, writer.packetsDropped());
    }

    @Test
    void threadsWriteWholeRecords() throws Exception {
        int threads = 4;
        int perThread = 500;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapWriter writer = new PcapWriter(out, PcapWriter.LINKTYPE_ETHERNET);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Future<?>[] done = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                done[t] = pool.submit(() -> {
                    start.await();
                    // Each thread its own frame length and fill byte, so a torn record would show.
                    byte[] frame = new byte[60 + id * 7];
                    Arrays.fill(frame, (byte) id);
                    ByteBuffer buf = ByteBuffer.wrap(frame);
                    for (int i = 0; i < perThread; i++) {
                        writer.write(0, TIME + i, buf, 0, frame.length, null);
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
        List<CaptureFiles.Packet> packets = CaptureFiles.readPcap(out.toByteArray());
        assertEquals(threads * perThread, packets.size());
        int[] perId = new int[threads];
        for (CaptureFiles.Packet p : packets) {
            int id = p.data()[0];
            assertEquals(60 + id * 7, p.data().length);
            for (byte b : p.data()) {
                assertEquals(id, b);
            }
            perId[id]++;
        }
        for (int count : perId) {
            assertEquals(perThread, count);
        }
        assertEquals(threads * perThread, writer.packetsWritten());
    }

    @Test
    void writingAllocatesNothing() throws IOException {
        PcapWriter writer = new PcapWriter(OutputStream.nullOutputStream(), PcapWriter.LINKTYPE_ETHERNET);
        byte[] frame = CaptureFrames.icmpEcho(POD_A, GATEWAY);
        ByteBuffer heap = ByteBuffer.wrap(frame);
        ByteBuffer direct = ByteBuffer.allocateDirect(frame.length).put(0, frame);
        long bytes = AllocationMeter.bytesAllocated(100_000, () -> {
            writer.write(0, TIME, heap, 0, frame.length, null);
            writer.write(0, TIME, direct, 0, frame.length, null);
        });
        // Anything allocated per packet would come to megabytes; a few hundred bytes are the meter's own.
        assertTrue(bytes < 64 * 1024, bytes + " bytes allocated for 200000 packets");
    }

    @Test
    void tsharkAndTcpdumpDecodeTheFrames() throws Exception {
        ExternalTools.assumeInstalled("tshark");
        Path file = dir.resolve("lab.pcap");
        byte[][] frames = {
            CaptureFrames.arpRequest(),
            CaptureFrames.icmpEcho(POD_A, GATEWAY),
            CaptureFrames.vxlanIcmp(),
            CaptureFrames.dnsQuery(),
        };
        try (PcapWriter writer = new PcapWriter(Files.newOutputStream(file), PcapWriter.LINKTYPE_ETHERNET)) {
            for (int i = 0; i < frames.length; i++) {
                writer.write(0, TIME + i, heap(frames[i]), 0, frames[i].length, null);
            }
        }
        List<String[]> rows = ExternalTools.tsharkFields(file,
                "frame.time_epoch", "_ws.col.Protocol", "frame.protocols", "_ws.col.Info", "_ws.expert");
        assertEquals(4, rows.size());
        assertEquals("1700000000.123456789", rows.get(0)[0]);
        assertEquals("1700000000.123456792", rows.get(3)[0]);
        assertEquals("ARP", rows.get(0)[1]);
        assertEquals("Who has 10.244.1.1? Tell 10.244.1.2", rows.get(0)[3]);
        assertEquals("ICMP", rows.get(1)[1]);
        assertEquals("eth:ethertype:ip:icmp:data", rows.get(1)[2]);
        // VXLAN: Wireshark shows the inner protocol in the Protocol column.
        assertEquals("ICMP", rows.get(2)[1]);
        assertEquals("eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp:data", rows.get(2)[2]);
        assertEquals("DNS", rows.get(3)[1]);
        assertTrue(rows.get(3)[3].contains("Standard query 0x1234 A web"), rows.get(3)[3]);
        for (String[] row : rows) {
            assertEquals("", row[4], "expert info (a bad checksum?) in " + String.join(" | ", row));
        }

        ExternalTools.assumeInstalled("tcpdump");
        // -tt: seconds since the epoch; nano: all nine digits, which the file's magic number promises.
        String[] lines = ExternalTools.run("tcpdump", "-n", "-tt", "--time-stamp-precision=nano",
                "-r", file.toString()).split("\n");
        assertEquals(5, lines.length, String.join("\n", lines)); // tcpdump puts VXLAN's inner frame on a line of its own
        assertEquals("1700000000.123456789 ARP, Request who-has 10.244.1.1 tell 10.244.1.2, length 28", lines[0]);
        assertEquals("1700000000.123456790 IP 10.244.1.2 > 10.244.1.1: ICMP echo request, id 4660, seq 1, length 16",
                lines[1]);
        assertEquals("1700000000.123456791 IP 192.168.56.11.51234 > 192.168.56.12.4789: VXLAN, flags [I] (0x08), vni 1",
                lines[2]);
        assertEquals("IP 10.244.1.2 > 10.244.2.2: ICMP echo request, id 4660, seq 1, length 16", lines[3]);
        assertEquals("1700000000.123456792 IP 10.244.1.2.45000 > 10.96.0.10.53: 4660+ A? web. (21)", lines[4]);
    }

    @Test
    void tsharkDecodesRawIp() throws Exception {
        ExternalTools.assumeInstalled("tshark");
        Path file = dir.resolve("tun.pcap");
        byte[] packet = CaptureFrames.raw(CaptureFrames.icmpEcho(POD_A, GATEWAY));
        try (PcapWriter writer = new PcapWriter(Files.newOutputStream(file), PcapWriter.LINKTYPE_RAW)) {
            writer.write(0, TIME, heap(packet), 0, packet.length, null);
        }
        List<String[]> rows = ExternalTools.tsharkFields(file, "frame.protocols", "ip.src", "icmp.type");
        assertEquals(1, rows.size());
        assertEquals("raw:ip:icmp:data", rows.get(0)[0]);
        assertEquals("10.244.1.2", rows.get(0)[1]);
        assertEquals("8", rows.get(0)[2]);
    }
}
