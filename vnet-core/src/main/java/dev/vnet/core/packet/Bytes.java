package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * Network-order reads and writes at absolute indexes. They assemble single bytes, so the result does not
 * depend on the buffer's {@link java.nio.ByteOrder} and never touches its position or limit.
 */
final class Bytes {

    private Bytes() {
    }

    static int get8(ByteBuffer buf, int index) {
        return buf.get(index) & 0xFF;
    }

    static void put8(ByteBuffer buf, int index, int value) {
        buf.put(index, (byte) value);
    }

    static int get16(ByteBuffer buf, int index) {
        return (buf.get(index) & 0xFF) << 8 | (buf.get(index + 1) & 0xFF);
    }

    static void put16(ByteBuffer buf, int index, int value) {
        buf.put(index, (byte) (value >>> 8));
        buf.put(index + 1, (byte) value);
    }

    static int get32(ByteBuffer buf, int index) {
        return get16(buf, index) << 16 | get16(buf, index + 2);
    }

    static void put32(ByteBuffer buf, int index, int value) {
        put16(buf, index, value >>> 16);
        put16(buf, index + 2, value);
    }

    static long get48(ByteBuffer buf, int index) {
        return (long) get16(buf, index) << 32 | (get32(buf, index + 2) & 0xFFFF_FFFFL);
    }

    static void put48(ByteBuffer buf, int index, long value) {
        put16(buf, index, (int) (value >>> 32));
        put32(buf, index + 2, (int) value);
    }
}
