package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The capture check's reading of a pcap stream; its loading is tested with the other checks in ExerciseLoaderTest. */
class CaptureCheckTest {
    /** A classic pcap stream with {@code frames} records of {@code size} bytes each. */
    private static byte[] pcap(int frames, int size) {
        ByteBuffer b = ByteBuffer.allocate(24 + frames * (16 + size)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int i = 0; i < frames; i++) {
            b.putInt(i).putInt(0).putInt(size).putInt(size).put(new byte[size]);
        }
        return b.array();
    }

    @Test
    void countsTheRecordsOfAPcapStream() {
        assertEquals(0, CaptureCheck.count(new byte[0]));
        assertEquals(0, CaptureCheck.count(pcap(0, 0)));
        assertEquals(3, CaptureCheck.count(pcap(3, 60)));
    }

    @Test
    void aCutLastRecordDoesNotCount() {
        byte[] full = pcap(2, 60);
        assertEquals(1, CaptureCheck.count(java.util.Arrays.copyOf(full, full.length - 10)));
    }
}
