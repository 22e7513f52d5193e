package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * What every header view shares: the bytes it looks at. A view is re-pointed at each packet with
 * {@link #wrap}, so a data-path thread keeps one instance per protocol and allocates nothing per packet.
 *
 * @param <T> the view's own type, so that {@code wrap} returns it
 */
public abstract class PacketView<T extends PacketView<T>> {
    ByteBuffer buf;
    int offset;
    int length;

    PacketView() {}

    /** Re-points this view at {@code length} bytes of {@code buf} from {@code offset}; checks nothing. */
    @SuppressWarnings("unchecked")
    public final T wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        return (T) this;
    }

    public final ByteBuffer buffer() {
        return buf;
    }

    /** Absolute index of the header's first byte in {@link #buffer()}. */
    public final int offset() {
        return offset;
    }

    /** How many bytes the view covers, from {@link #offset()}. */
    public final int length() {
        return length;
    }
}
