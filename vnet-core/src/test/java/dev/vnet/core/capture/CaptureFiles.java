package dev.vnet.core.capture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Plain readers of the two capture formats, written from the specs for the tests to check the writers with. */
final class CaptureFiles {

    private CaptureFiles() {
    }

    /** One packet read back: the capture point, the two timestamp halves as stored, both lengths, the bytes. */
    record Packet(int interfaceId, long seconds, long fraction, int originalLength, byte[] data, String comment) {
    }

    /** Reads a classic pcap file in either byte order (tcpdump -w writes the host's) and either resolution. */
    static List<Packet> readPcap(byte[] file) {
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt(0);
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            buf.order(ByteOrder.BIG_ENDIAN);
        }
        List<Packet> packets = new ArrayList<>();
        int at = 24;
        while (at + 16 <= file.length) {
            int captured = buf.getInt(at + 8);
            packets.add(new Packet(0, Integer.toUnsignedLong(buf.getInt(at)), Integer.toUnsignedLong(buf.getInt(at + 4)),
                    buf.getInt(at + 12), Arrays.copyOfRange(file, at + 16, at + 16 + captured), null));
            at += 16 + captured;
        }
        if (at != file.length) {
            throw new AssertionError("pcap file has " + (file.length - at) + " trailing bytes");
        }
        return packets;
    }

    /** Reads the Enhanced Packet Blocks of a little-endian pcapng file, comments included. */
    static List<Packet> readPcapng(byte[] file) {
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Packet> packets = new ArrayList<>();
        int at = 0;
        while (at < file.length) {
            int type = buf.getInt(at);
            int total = buf.getInt(at + 4);
            if (total % 4 != 0 || buf.getInt(at + total - 4) != total) {
                throw new AssertionError("bad block at " + at);
            }
            if (type == 6) {
                int captured = buf.getInt(at + 20);
                long timestamp = (Integer.toUnsignedLong(buf.getInt(at + 12)) << 32)
                        | Integer.toUnsignedLong(buf.getInt(at + 16));
                String comment = null;
                int option = at + 28 + captured + (-captured & 3);
                while (option < at + total - 4) {
                    int code = buf.getShort(option) & 0xFFFF;
                    int length = buf.getShort(option + 2) & 0xFFFF;
                    if (code == 0) {
                        break;
                    }
                    if (code == 1) {
                        comment = new String(file, option + 4, length, java.nio.charset.StandardCharsets.UTF_8);
                    }
                    option += 4 + length + (-length & 3);
                }
                packets.add(new Packet(buf.getInt(at + 8), timestamp / 1_000_000_000L, timestamp % 1_000_000_000L,
                        buf.getInt(at + 24), Arrays.copyOfRange(file, at + 28, at + 28 + captured), comment));
            }
            at += total;
        }
        return packets;
    }

    /** The bytes as hex pairs, for readable assertion messages. */
    static String hex(byte[] bytes, int from, int to) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < to; i++) {
            out.append(String.format("%02x", bytes[i] & 0xFF));
            if (i + 1 < to) {
                out.append(' ');
            }
        }
        return out.toString();
    }

    /** Parses "4d 3c b2 a1 ..." into bytes. */
    static byte[] bytes(String hexPairs) {
        String[] parts = hexPairs.trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
