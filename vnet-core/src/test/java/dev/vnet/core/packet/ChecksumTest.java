package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.place;
import static dev.vnet.core.packet.PacketTesting.referenceChecksum;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    /** The worked example of RFC 1071 section 3: the words sum to 0xddf2. */
    static final byte[] RFC1071_EXAMPLE = {
        0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7,
    };

    @Test
    void sumsTheRfc1071Example() {
        int sum = Checksum.sum(place(RFC1071_EXAMPLE), 0, RFC1071_EXAMPLE.length, 0);
        assertEquals(0xddf2, sum);
        assertEquals(0x220d, Checksum.fold(sum));
    }

    @Test
    void padsAnOddLastByteAsTheHighByte() {
        ByteBuffer buf = place(new byte[] {0x12, 0x34, 0x56});
        assertEquals(0x1234 + 0x5600, Checksum.sum(buf, 0, 3, 0));
    }

    @Test
    void chainsSumsAcrossPieces() {
        ByteBuffer buf = place(RFC1071_EXAMPLE);
        int first = Checksum.sum(buf, 0, 4, 0);
        assertEquals(Checksum.sum(buf, 0, 8, 0), Checksum.sum(buf, 4, 4, first));
    }

    @Test
    void sumsAtAnOffset() {
        ByteBuffer buf = place(RFC1071_EXAMPLE, 5, 3);
        assertEquals(0xddf2, Checksum.sum(buf, 5, RFC1071_EXAMPLE.length, 0));
    }

    @Test
    void doesNotOverflowOnAMaximalSegment() {
        // 64 KiB of 0xFF plus a large initial sum would overflow a plain int accumulator.
        byte[] data = new byte[65536 + 60];
        Arrays.fill(data, (byte) 0xFF);
        int initial = Checksum.pseudoHeaderSum(0xFFFFFFFF, 0xFFFFFFFF, 0xFF, 0xFFFF);
        byte[] withPseudoHeader = PacketTesting.concat(PacketTesting.pseudoHeader(-1, -1, 0xFF, 0xFFFF), data);
        assertEquals(referenceChecksum(withPseudoHeader),
                Checksum.fold(Checksum.sum(place(data), 0, data.length, initial)));
        assertEquals(referenceChecksum(data), Checksum.fold(Checksum.sum(place(data), 0, data.length, 0)));
    }

    @Test
    void sumsEightBytesAtATimeTheSameInEitherByteOrderAtAnyOffset() {
        Random random = new Random(1624);
        for (int i = 0; i < 500; i++) {
            byte[] data = new byte[random.nextInt(3000)];
            random.nextBytes(data);
            int offset = random.nextInt(9);
            ByteBuffer little = place(data, offset, 5); // the helper's buffers are little-endian
            ByteBuffer big = ByteBuffer.allocateDirect(offset + data.length + 5);
            big.put(offset, data);
            int expected = referenceChecksum(data);
            assertEquals(expected, Checksum.fold(Checksum.sum(little, offset, data.length, 0)), "length " + data.length);
            assertEquals(expected, Checksum.fold(Checksum.sum(big, offset, data.length, 0)), "length " + data.length);
        }
    }

    @Test
    void foldMatchesTheReferenceOnRandomData() {
        Random random = new Random(1071);
        for (int i = 0; i < 1000; i++) {
            byte[] data = new byte[random.nextInt(100)];
            random.nextBytes(data);
            assertEquals(referenceChecksum(data), Checksum.fold(Checksum.sum(place(data), 0, data.length, 0)));
        }
    }

    @Test
    void pseudoHeaderSumMatchesTheBytes() {
        int src = 0x0af40102;
        int dst = 0x0a60000a;
        byte[] bytes = PacketTesting.pseudoHeader(src, dst, 17, 29);
        assertEquals(Checksum.sum(place(bytes), 0, bytes.length, 0),
                Checksum.sum(place(new byte[0]), 0, 0, Checksum.pseudoHeaderSum(src, dst, 17, 29)));
    }

    @Test
    void update16EqualsAFullRecompute() {
        Random random = new Random(1624);
        for (int i = 0; i < 10_000; i++) {
            byte[] data = new byte[2 * (1 + random.nextInt(30))];
            random.nextBytes(data);
            ByteBuffer buf = place(data);
            int checksum = Checksum.fold(Checksum.sum(buf, 0, data.length, 0));

            int at = 2 * random.nextInt(data.length / 2);
            int oldWord = Bytes.get16(buf, at);
            int newWord = random.nextInt(0x10000);
            Bytes.put16(buf, at, newWord);

            int expected = Checksum.fold(Checksum.sum(buf, 0, data.length, 0));
            assertEquals(expected, Checksum.update16(checksum, oldWord, newWord), "case " + i);
        }
    }

    @Test
    void update32EqualsAFullRecompute() {
        Random random = new Random(3022);
        for (int i = 0; i < 10_000; i++) {
            byte[] data = new byte[4 * (1 + random.nextInt(15))];
            random.nextBytes(data);
            ByteBuffer buf = place(data);
            int checksum = Checksum.fold(Checksum.sum(buf, 0, data.length, 0));

            int at = 4 * random.nextInt(data.length / 4);
            int oldValue = Bytes.get32(buf, at);
            int newValue = random.nextInt();
            Bytes.put32(buf, at, newValue);

            int expected = Checksum.fold(Checksum.sum(buf, 0, data.length, 0));
            assertEquals(expected, Checksum.update32(checksum, oldValue, newValue), "case " + i);
        }
    }

    @Test
    void updatesAStoredChecksumSoThatItStillVerifies() {
        // The checksum is part of the summed data here, as in a real header.
        Random random = new Random(791);
        for (int i = 0; i < 10_000; i++) {
            byte[] data = new byte[20];
            random.nextBytes(data);
            ByteBuffer buf = place(data);
            Bytes.put16(buf, 10, 0);
            Bytes.put16(buf, 10, Checksum.fold(Checksum.sum(buf, 0, 20, 0)));

            int oldValue = Bytes.get32(buf, 12);
            int newValue = random.nextInt();
            Bytes.put32(buf, 12, newValue);
            Bytes.put16(buf, 10, Checksum.update32(Bytes.get16(buf, 10), oldValue, newValue));

            assertEquals(0, Checksum.fold(Checksum.sum(buf, 0, 20, 0)), "case " + i);
        }
    }

    @Test
    void updateWithAnUnchangedWordKeepsTheChecksum() {
        assertEquals(0x220d, Checksum.update16(0x220d, 0xf203, 0xf203));
        assertEquals(0x220c, Checksum.update16(0x220d, 0x0001, 0x0002));
    }
}
